"""Writes the token lengths of TOFU items in SmolLM2's chat format, for the G-effect benchmarks.

    python3 notebooks-scripts/bench/tofu_lengths.py [--tofu ../shared/data/tofu] [--gguf models/SmolLM2-135M-Instruct.Q4_1.gguf]

`gscope bench --mode geffect --lengths FILE` and `torch_geffect_bench.py --lengths FILE` build
their random-token samples with these lengths, so that both time TOFU's shapes without either
needing the other's tokenizer. Each item is [ids, answer_ids]: the sample's ids as gscope formats it
(`<|im_start|>` + system, user and assistant turns + `<|im_end|>`; `gscope data inspect DIR
--tokenizer GGUF` prints the same statistics) and how many of them are the answer and its end token.

Output: notebooks-scripts/bench/tofu-smollm2-lengths.json with "forget" (forget01, 40 items) and
"retain" (the first 16 items of retain99). Needs transformers and gguf (pip install gguf).
"""

from __future__ import annotations

import argparse
import json
import os

from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def lengths(tok, items):
    out = []
    for item in items:
        prefix = (f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{item['question']}<|im_end|>\n"
                  "<|im_start|>assistant\n")
        full = prefix + item["answer"] + "<|im_end|>"
        n_prefix = len(tok(prefix, add_special_tokens=False)["input_ids"])
        n = len(tok(full, add_special_tokens=False)["input_ids"])
        out.append([n, n - n_prefix])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tofu", default=os.path.join(ROOT, "..", "shared", "data", "tofu"))
    ap.add_argument("--gguf", default=os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--out", default=os.path.join(HERE, "tofu-smollm2-lengths.json"))
    args = ap.parse_args()
    tok = AutoTokenizer.from_pretrained(os.path.dirname(os.path.abspath(args.gguf)), gguf_file=os.path.basename(args.gguf))

    def read(name):
        with open(os.path.join(args.tofu, name + ".json")) as f:
            text = f.read().strip()
        return json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line.strip()]

    forget = lengths(tok, read("forget01"))
    retain = lengths(tok, read("retain99")[:16])
    with open(args.out, "w") as f:
        json.dump({"tokenizer": os.path.basename(args.gguf), "forget_split": "forget01", "retain_split": "retain99[:16]",
                   "forget": forget, "retain": retain}, f)
        f.write("\n")
    for name, rows in (("forget", forget), ("retain", retain)):
        ids = [r[0] for r in rows]
        print(f"{name}: {len(rows)} items, ids min {min(ids)} mean {sum(ids) / len(ids):.1f} max {max(ids)}, "
              f"answer mean {sum(r[1] for r in rows) / len(rows):.1f}")


if __name__ == "__main__":
    main()
