"""The PyTorch peers of `gscope bench --mode geffect` and `--mode pg` (same model, same sizes).

    python3 notebooks-scripts/bench/torch_geffect_bench.py --mode geffect --model small --batch 16 --seq 128 --json
    python3 notebooks-scripts/bench/torch_geffect_bench.py --mode pg --model small --instances 32 --seq 128 --json

geffect: one G-effect step with *totals only*, the way the G-effect paper's code measures: the
forget risk gradient, the retain risk gradient (forward + backward each), the NPO objective on the
forget set (reference forward without grad, forward, backward), the per-tensor dot products of
both risk gradients with the objective gradient, and an AdamW update with the objective gradient
— three backward passes. Per-instance or per-token values would need one backward per instance.

pg: PG-effects <v, grad log p(s_i)> of `--instances` sequences for a given v, computed the obvious
way (one forward + backward per instance); also reported: one batched forward + backward over all
instances (`batched_fwd_bwd_ms`), which gives totals only.

With --json prints one line: {"impl": "torch", "mode", "model", "batch"/"instances", "seq",
"threads", "steps", "ms_median", ...}.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from gpt_torch import CONFIGS, GPT, decay_param_groups  # noqa: E402


def nll_sum_per_row(model, tokens, targets):
    logp = F.log_softmax(model(tokens), dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return -logp.sum(dim=1)  # (B,)


def grads(model):
    return [p.grad.detach().clone() for p in model.parameters()]


def timed(fn, steps, warmup):
    out = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        fn()
        if i >= warmup:
            out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["geffect", "pg"], default="geffect")
    ap.add_argument("--model", choices=sorted(CONFIGS), default="small")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--instances", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = CONFIGS[args.model]
    T = min(args.seq, cfg.block_size)
    model = GPT(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02)
    model.set_attention(True)
    V = cfg.vocab_size

    def batch(n):
        seq = torch.randint(0, V, (n, T + 1))
        return seq[:, :T], seq[:, 1:]

    fields = {"impl": "torch", "mode": args.mode, "model": args.model, "seq": T, "threads": args.threads,
              "steps": args.steps, "torch": torch.__version__}
    if args.mode == "geffect":
        forget, retain = batch(args.batch), batch(args.batch)
        reference = copy.deepcopy(model).eval()
        opt = torch.optim.AdamW(decay_param_groups(model, 0.01), lr=1e-5, fused=True)
        beta = 0.1

        def step():
            model.zero_grad(set_to_none=True)
            nll_sum_per_row(model, *forget).sum().div(forget[0].numel()).backward()
            g_forget = grads(model)
            model.zero_grad(set_to_none=True)
            nll_sum_per_row(model, *retain).sum().div(retain[0].numel()).backward()
            g_retain = grads(model)
            model.zero_grad(set_to_none=True)
            with torch.no_grad():
                ref = nll_sum_per_row(reference, *forget)
            cur = nll_sum_per_row(model, *forget)
            (-(2 / beta) * F.logsigmoid(beta * (cur - ref)).mean()).backward()
            for g_r in (g_forget, g_retain):
                [torch.dot(a.flatten().double(), p.grad.flatten().double()) for a, p in zip(g_r, model.parameters())]
            opt.step()

        times = timed(step, args.steps, args.warmup)
        fields.update(batch=args.batch, instances=args.batch, objective="npo")
    else:
        data = batch(args.instances)
        v = [torch.randn_like(p) * 1e-3 for p in model.parameters()]

        def per_instance():
            for i in range(args.instances):
                model.zero_grad(set_to_none=True)
                (-nll_sum_per_row(model, data[0][i:i + 1], data[1][i:i + 1]).sum()).backward()
                sum(torch.dot(a.flatten(), p.grad.flatten()) for a, p in zip(v, model.parameters())).item()

        def batched():
            model.zero_grad(set_to_none=True)
            (-nll_sum_per_row(model, *data).sum()).backward()

        times = timed(per_instance, args.steps, args.warmup)
        fields.update(instances=args.instances,
                      batched_fwd_bwd_ms=round(statistics.median(timed(batched, args.steps, args.warmup)), 2))
    fields.update(ms_median=round(statistics.median(times), 2), ms_min=round(min(times), 2))
    if not args.json:
        print(f"{args.model} {args.mode}: {fields['ms_median']:.1f} ms (median of {args.steps})")
    print(json.dumps(fields))


if __name__ == "__main__":
    main()
