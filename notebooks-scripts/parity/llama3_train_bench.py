"""Train-step time of gscope against transformers on one Llama-3-style shape, in the same run.

    python3 notebooks-scripts/parity/llama3_train_bench.py [--batch 4 --seq 128 --steps 5 --threads 2]

Builds a random Llama-3-style model with transformers (rope_scaling llama3, head_dim 64 with
hidden 512 and 8 query heads on 2 key/value heads, SwiGLU 1536, vocabulary 16384, tied head as in
Llama-3.2-1B, 8 layers; about 36 M parameters), saves it with `save_pretrained` into a temporary
directory, then times one training step (forward, backward, AdamW) of
- transformers' LlamaForCausalLM in float32 (eager attention, as the parity fixtures; the timing
  loop of notebooks-scripts/bench/torch_llama_bench.py), and
- `gscope bench --mode train --model DIR` (the same directory, loaded by gscope's Hugging Face
  loader), both with --threads, alternating for --rounds rounds (so that both meet the same load
  on a shared machine), and prints the median over rounds of each one's median step and their
  ratio, with the load average. Needs the release binary (.build/release/gscope).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "notebooks-scripts", "bench"))
from torch_llama_bench import make_optimizer  # noqa: E402

SHAPE = dict(num_hidden_layers=8, hidden_size=512, num_attention_heads=8, num_key_value_heads=2, head_dim=64,
             intermediate_size=1536, vocab_size=16384, max_position_embeddings=4096, rope_theta=500000.0,
             rms_norm_eps=1e-5, tie_word_embeddings=True, hidden_act="silu",
             rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                           "original_max_position_embeddings": 1024})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--attention", choices=["sdpa", "eager"], default="eager")
    ap.add_argument("--rounds", type=int, default=3, help="alternating torch/gscope measurements")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**SHAPE, attn_implementation=args.attention)).to(torch.float32)
    directory = tempfile.mkdtemp(prefix="gscope-llama3-bench-")
    try:
        model.save_pretrained(directory)
        params = sum(p.numel() for p in model.parameters())
        model.train()
        opt, kind = make_optimizer(model, 1e-3, 0.1)
        B, T = args.batch, args.seq

        def torch_median() -> float:
            data = torch.randint(0, SHAPE["vocab_size"], (args.warmup + args.steps, B, T + 1))
            times = []
            for step in range(args.warmup + args.steps):
                t0 = time.perf_counter()
                opt.zero_grad(set_to_none=True)
                logits = model(input_ids=data[step, :, :T], use_cache=False).logits
                F.cross_entropy(logits.reshape(-1, logits.size(-1)), data[step, :, 1:].reshape(-1)).backward()
                opt.step()
                if step >= args.warmup:
                    times.append(time.perf_counter() - t0)
            return statistics.median(times) * 1e3

        def gscope_median() -> float:
            out = subprocess.run(
                [os.path.join(REPO, ".build", "release", "gscope"), "bench", "--mode", "train", "--model", directory,
                 "--batch", str(B), "--seq", str(T), "--steps", str(args.steps), "--warmup", str(args.warmup),
                 "--threads", str(args.threads), "--json"], check=True, capture_output=True, text=True).stdout
            return json.loads(out.strip().splitlines()[-1])["ms_per_step_median"]

        rounds = []
        for _ in range(args.rounds):
            rounds.append((torch_median(), gscope_median(), os.getloadavg()[0]))
            print(f"round: torch {rounds[-1][0]:.1f} ms, gscope {rounds[-1][1]:.1f} ms, load {rounds[-1][2]:.1f}",
                  file=sys.stderr)
        torch_ms = statistics.median(r[0] for r in rounds)
        gscope_ms = statistics.median(r[1] for r in rounds)
        print(json.dumps({"shape": "llama3-style", "params": params, "batch": B, "seq": T, "threads": args.threads,
                          "torch_attention": args.attention, "torch_optimizer": kind, "rounds": args.rounds,
                          "torch_ms_per_step": round(torch_ms, 1), "gscope_ms_per_step": round(gscope_ms, 1),
                          "ratio_gscope_over_torch": round(gscope_ms / torch_ms, 3),
                          "ratios_per_round": [round(g / t, 3) for t, g, _ in rounds],
                          "load_average_1min": [round(r[2], 1) for r in rounds]}))
    finally:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
