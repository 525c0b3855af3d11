"""SmolLM2-135M-Instruct exported by transformers from its GGUF file to a Hugging Face directory.

Writes models/SmolLM2-135M-Instruct-hf/ (config.json, model.safetensors in float32, the tokenizer
files: about 540 MB, not committed) with `AutoModelForCausalLM.from_pretrained(models,
gguf_file=...)` then `save_pretrained`, and Tests/Fixtures/parity/smollm2/hf_logprobs.json: for the
texts of logprobs.json (same token ids), log p(token t | tokens < t) from transformers' float32 model
loaded back from the exported directory, in float64 text. The script checks that these equal the
log-probabilities of the model loaded from the GGUF file itself (printed; exit 1 above 1e-5).

gscope's SmolLM2HFExportTests then loads the exported directory (when it exists: CI has no such
file) and checks that its log-probabilities equal those of gscope's GGUF load to 1e-5, and those of
this fixture to 1e-3 as the GGUF test does.

    make model      # models/SmolLM2-135M-Instruct.Q4_1.gguf
    pip install transformers gguf tokenizers
    python3 notebooks-scripts/parity/smollm2_hf_export.py
"""
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "models")
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EXPORT = os.path.join(MODELS, "SmolLM2-135M-Instruct-hf")
CASES = os.path.join(ROOT, "Tests", "Fixtures", "parity", "smollm2", "logprobs.json")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "parity", "smollm2", "hf_logprobs.json")


def logprobs(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    return [float(logp[t - 1, ids[t]]) for t in range(1, len(ids))]


def main():
    torch.manual_seed(0)
    gguf_model = AutoModelForCausalLM.from_pretrained(MODELS, gguf_file=GGUF, dtype=torch.float32).eval()
    # transformers dequantises the GGUF tensors to float32 on load but keeps its GGUF "quantizer",
    # which refuses save_pretrained; the weights are plain float32 tensors, so drop it.
    gguf_model.hf_quantizer = None
    if hasattr(gguf_model.config, "quantization_config"):
        del gguf_model.config.quantization_config
    gguf_model.save_pretrained(EXPORT)
    AutoTokenizer.from_pretrained(MODELS, gguf_file=GGUF).save_pretrained(EXPORT)
    exported = AutoModelForCausalLM.from_pretrained(EXPORT, dtype=torch.float32).eval()

    cases = json.load(open(CASES))["cases"]
    out, worst = [], 0.0
    for c in cases:
        ids = c["token_ids"]
        from_export, from_gguf = logprobs(exported, ids), logprobs(gguf_model, ids)
        worst = max(worst, max(abs(a - b) for a, b in zip(from_export, from_gguf)))
        out.append({"text": c["text"], "token_ids": ids, "logprobs": [round(x, 7) for x in from_export]})
    with open(OUT, "w") as f:
        json.dump({"model": GGUF, "exported_to": os.path.relpath(EXPORT, ROOT),
                   "transformers": transformers.__version__, "torch": torch.__version__, "cases": out}, f, indent=1)
        f.write("\n")
    print(f"wrote {EXPORT} and {OUT}: {len(out)} texts; exported vs GGUF in transformers: worst |Δ log p| {worst:.3g}")
    sys.exit(0 if worst <= 1e-5 else 1)


if __name__ == "__main__":
    main()
