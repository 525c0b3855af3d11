"""Training-step benchmark of the PyTorch reference GPT, the peer of `gscope bench --mode train`.

    python3 notebooks-scripts/bench/torch_bench.py --model small --batch 16 --seq 128 \\
        --steps 20 --warmup 3 --threads 2 --json

Trains the GPT of notebooks-scripts/parity/gpt_torch.py (configs tiny/small/medium as in
GPTConfig.swift) on random tokens in float32 with AdamW, and times forward + backward + optimizer
step of each step after the warm-up. `--seq` is capped at the model's block size.

With --json prints one line:
    {"impl": "torch", "model", "params", "batch", "seq", "threads", "steps", "ms_per_step_median",
     "tokens_per_s", "gflops", "attention", "optimizer", "torch"}
where tokens = batch * seq per step and
    gflops = (6 * params * tokens + 12 * n_layer * n_embd * seq * tokens) / step time / 1e9.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from gpt_torch import CONFIGS, GPT, decay_param_groups, masked_nll  # noqa: E402


def make_optimizer(model, kind: str, lr: float, weight_decay: float):
    groups = decay_param_groups(model, weight_decay)
    if kind == "fused":
        try:
            return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, fused=True), "fused"
        except (RuntimeError, TypeError):
            kind = "foreach"  # fused AdamW unavailable on this build/device
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8,
                             foreach=(kind == "foreach")), kind


def main() -> None:
    ap = argparse.ArgumentParser(description="PyTorch GPT training-step benchmark")
    ap.add_argument("--model", choices=sorted(CONFIGS), default="tiny")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=20, help="timed steps")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--attention", choices=["sdpa", "explicit"], default="sdpa",
                    help="fused scaled_dot_product_attention (default; faster on CPU) or the explicit path")
    ap.add_argument("--optimizer", choices=["fused", "foreach", "loop"], default="fused",
                    help="AdamW implementation (default fused, the fastest on CPU)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = CONFIGS[args.model]
    seq = min(args.seq, cfg.block_size)
    B = args.batch

    model = GPT(cfg)
    with torch.no_grad():  # GPT-2-style initialisation; speed does not depend on it
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02)
            elif name.endswith("bias"):
                p.zero_()
    model.set_attention(args.attention == "sdpa")
    model.train()
    opt, opt_kind = make_optimizer(model, args.optimizer, args.lr, 0.1)
    params = model.num_parameters()

    total = args.warmup + args.steps
    data = torch.randint(0, cfg.vocab_size, (total, B, seq + 1))
    mask = torch.ones(B, seq)

    times = []
    for step in range(total):
        tokens, targets = data[step, :, :seq], data[step, :, 1:]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = masked_nll(model(tokens), targets, mask)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if step >= args.warmup:
            times.append(dt)
        if not args.json:
            print(f"step {step:3d}{' (warm-up)' if step < args.warmup else ''}: "
                  f"loss {loss.item():.4f}, {dt * 1e3:.1f} ms", file=sys.stderr)

    median = statistics.median(times)
    tokens = B * seq
    flops = 6 * params * tokens + 12 * cfg.n_layer * cfg.n_embd * seq * tokens
    result = {
        "impl": "torch",
        "model": args.model,
        "params": params,
        "batch": B,
        "seq": seq,
        "threads": args.threads,
        "steps": args.steps,
        "ms_per_step_median": round(median * 1e3, 3),
        "tokens_per_s": round(tokens / median, 1),
        "gflops": round(flops / median / 1e9, 2),
        "attention": args.attention,
        "optimizer": opt_kind,
        "torch": torch.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.model}: {params} parameters, batch {B} x seq {seq}, {args.threads} threads, "
              f"{args.attention} attention, {opt_kind} AdamW: {result['ms_per_step_median']} ms/step "
              f"(median of {args.steps}), {result['tokens_per_s']} tokens/s, {result['gflops']} GFLOP/s")


if __name__ == "__main__":
    main()
