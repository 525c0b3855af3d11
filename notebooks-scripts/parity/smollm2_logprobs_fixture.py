"""Per-token log-probabilities of SmolLM2-135M-Instruct (GGUF) from Hugging Face transformers.

Writes Tests/Fixtures/parity/smollm2/logprobs.json: for a few texts of our own, the token ids
(the model's tokenizer, no special tokens added) and log p(token t | tokens < t) for t >= 1, in
float64 from transformers' float32 LlamaForCausalLM, which dequantises the GGUF itself. gscope's
Llama loaded with `LlamaGGUF.load` must give the same ids and log-probabilities to 1e-3 absolute.

    make model      # models/SmolLM2-135M-Instruct.Q4_1.gguf
    pip install transformers gguf accelerate tokenizers
    python3 notebooks-scripts/parity/smollm2_logprobs_fixture.py
"""
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
OUT = os.path.join(ROOT, "Tests", "Fixtures", "parity", "smollm2", "logprobs.json")

TEXTS = [
    "The capital of France is Paris.",
    "Gradient ascent on the forget set raises its loss, and often the retain loss with it.",
    "def add(a, b):\n    return a + b\n",
    "In 1969, 3 astronauts flew to the Moon; 2 of them walked on it.",
    "<|im_start|>user\nWhat is unlearning?<|im_end|>\n<|im_start|>assistant\n",
]


def main():
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(MODELS, gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(MODELS, gguf_file=GGUF, dtype=torch.float32)
    model.eval()
    cases = []
    for text in TEXTS:
        ids = tokenizer(text, add_special_tokens=False).input_ids
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
        logp = torch.log_softmax(logits, dim=-1)
        cases.append({
            "text": text,
            "token_ids": ids,
            "logprobs": [round(float(logp[t - 1, ids[t]]), 6) for t in range(1, len(ids))],
        })
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"model": GGUF, "transformers": __import__("transformers").__version__,
                   "torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} texts, {sum(len(c['token_ids']) for c in cases)} tokens")


if __name__ == "__main__":
    main()
