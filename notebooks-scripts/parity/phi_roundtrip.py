"""Checks that transformers loads a Phi checkpoint gscope saved, and computes what gscope computes.

    gscope train --corpus bigram --arch phi --size phi-tiny --vocab 259 --block-size 64 \\
        --steps 30 --batch 4 --seq 16 --threads 1 --out /tmp/phi-cli
    gscope score --model /tmp/phi-cli/checkpoint --tokenizer byte --text "Phi-1.5 says: héllo, wörld 123!" \\
        --json > /tmp/phi-score.json
    python3 notebooks-scripts/parity/phi_roundtrip.py /tmp/phi-cli/checkpoint /tmp/phi-score.json

`PhiForCausalLM.from_pretrained(checkpoint)` (float32, eager attention) scores the token ids of
`gscope score --json`; the script prints the largest difference of the per-token log-probabilities
and fails above 1e-5. Needs torch and transformers; nothing is written.
"""

from __future__ import annotations

import argparse
import json

import torch
from transformers import PhiForCausalLM


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", help="a checkpoint directory gscope wrote (config.json, model.safetensors)")
    ap.add_argument("score", help="the output of `gscope score --json` on that checkpoint")
    args = ap.parse_args()

    torch.set_num_threads(1)
    with open(args.score) as f:
        score = json.load(f)
    model = PhiForCausalLM.from_pretrained(args.checkpoint, attn_implementation="eager").eval()
    ids = torch.tensor([score["token_ids"]])
    with torch.no_grad():
        logp = torch.log_softmax(model(input_ids=ids).logits.double(), dim=-1)
    theirs = logp[0, :-1].gather(-1, ids[0, 1:, None])[:, 0]
    ours = torch.tensor(score["logprobs"], dtype=torch.float64)
    assert ours.shape == theirs.shape, f"{ours.shape} log-probabilities from gscope, {theirs.shape} from transformers"
    worst = (ours - theirs).abs().max().item()
    print(f"{len(ours)} tokens; largest |gscope - transformers| log-probability difference {worst:.3g}")
    assert worst <= 1e-5, "transformers computes another model from gscope's checkpoint"


if __name__ == "__main__":
    main()
