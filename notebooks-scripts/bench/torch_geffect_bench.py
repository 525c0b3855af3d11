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

smollm2 (--model smollm2 --lengths FILE, geffect only): the peer of `gscope bench --mode geffect
--arch llama --size smollm2 --lengths FILE`, computing the *same* quantities on transformers'
LlamaForCausalLM (SmolLM2-135M's shape, random weights, float32): forget and retain sets of random
ids with the file's lengths (answer-only loss), in chunks of --batch in order of length (as gscope
cuts them), each padded to its longest sample; the full-set forget and retain risk gradients; NPO over the whole forget set (the frozen
reference's log-probabilities computed once, as gscope caches them) with its gradient and the
per-tensor inner products; per-token shares <dL/dlog p_n, (J v)_n> and per-instance PG-effects
for both risk gradients v from torch.func.jvp (forward-mode AD, with eager attention: SDPA's CPU
kernel has no forward-mode derivative; both directions in one jvp under torch.func.vmap, which
was 7 % faster than one jvp per direction, `--jvp loop`); one AdamW step
on a forget batch of --batch; and the update effects <v, theta_t - theta_t+1>.

With --json prints one line: {"impl": "torch", "mode", "model", "batch"/"instances", "seq",
"threads", "steps", "ms_median", ...}.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
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


def random_samples(lengths, vocab, generator):
    """(ids, answer_start) per [ids, answer ids] pair: random ids whose last `answer` are the answer."""
    return [(torch.randint(0, vocab, (n,), generator=generator), n - a) for n, a in lengths]


def chunk_batch(samples):
    """Inputs, targets and answer mask (B, T) of samples padded to their longest (right padding)."""
    T = max(len(ids) - 1 for ids, _ in samples)
    x = torch.zeros(len(samples), T, dtype=torch.long)
    y = torch.zeros(len(samples), T, dtype=torch.long)
    m = torch.zeros(len(samples), T)
    for r, (ids, start) in enumerate(samples):
        n = len(ids) - 1
        x[r, :n], y[r, :n] = ids[:-1], ids[1:]
        m[r, start - 1:n] = 1  # targets t with t + 1 >= answer start
    return x, y, m


def target_logp(logits, y):
    return torch.log_softmax(logits, dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)


def geffect_llama(args, fields) -> list:
    """One instrumented NPO step on SmolLM2's shape with the quantities gscope records (see above)."""
    from torch.func import functional_call, jvp, vmap

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_llama_bench import SHAPES
    from transformers import LlamaConfig, LlamaForCausalLM

    model = LlamaForCausalLM(LlamaConfig(**SHAPES["smollm2"], attn_implementation=args.attention)).to(torch.float32)
    weights = "random"
    model.train()
    with open(args.lengths) as f:
        spec = json.load(f)
    gen = torch.Generator().manual_seed(0)
    V = model.config.vocab_size
    forget = random_samples(spec["forget"], V, gen)
    retain = random_samples(spec["retain"], V, gen)
    C = args.batch

    def chunks(samples):  # in order of length, as gscope cuts a set, so that each chunk pads little
        ordered = sorted(samples, key=lambda s: len(s[0]))
        return [chunk_batch(ordered[i:i + C]) for i in range(0, len(ordered), C)]

    forget_chunks, retain_chunks = chunks(forget), chunks(retain)
    params = dict(model.named_parameters())
    names = list(params)
    beta = 0.1
    with torch.no_grad():  # the frozen reference's answer log-probabilities, once (gscope caches them)
        reference = [(target_logp(model(input_ids=x, use_cache=False).logits, y) * m).sum(1) for x, y, m in forget_chunks]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0, fused=True)

    def risk_gradient(chunk_list):
        model.zero_grad(set_to_none=True)
        n = sum(float(m.sum()) for _, _, m in chunk_list)
        for x, y, m in chunk_list:
            (-(target_logp(model(input_ids=x, use_cache=False).logits, y) * m).sum() / n).backward()
        return {k: p.grad.detach().clone() for k, p in params.items()}

    def npo(logp, m, ref, count):
        return (-(2 / beta) * F.logsigmoid(-beta * ((logp * m).sum(1) - ref))).sum() / count

    def chunk_logp(p, x, y):
        return target_logp(functional_call(model, p, (x,), {"use_cache": False}).logits, y)

    def step():
        directions = [risk_gradient(retain_chunks), risk_gradient(forget_chunks)]
        model.zero_grad(set_to_none=True)
        dlogp = []
        for (x, y, m), ref in zip(forget_chunks, reference):
            logp = target_logp(model(input_ids=x, use_cache=False).logits, y)
            logp.retain_grad()
            npo(logp, m, ref, len(forget)).backward()
            dlogp.append(logp.grad)
        tensor = [[torch.dot(v[k].flatten().double(), params[k].grad.flatten().double()).item() for k in names]
                  for v in directions]
        primals = {k: p.detach() for k, p in params.items()}
        # SDPA's CPU kernel has no forward-mode derivative: the jvp runs transformers' eager attention.
        model.config._attn_implementation = "eager"
        shares, pg = [[] for _ in directions], [[] for _ in directions]
        for (x, y, m), g in zip(forget_chunks, dlogp):
            f = lambda p: chunk_logp(p, x, y)
            if args.jvp == "vmap":
                stacked = {k: torch.stack([v[k] for v in directions]) for k in names}
                tangents = vmap(lambda t: jvp(f, (primals,), (t,))[1])(stacked)
            else:
                tangents = [jvp(f, (primals,), ({k: v[k] for k in names},))[1] for v in directions]
            for d, t in enumerate(tangents):
                shares[d].append((g * t).double())
                pg[d].append((t * m).sum(1).double())
        model.config._attn_implementation = args.attention
        # The update: AdamW on a forget batch of --batch with its own gradient, then its effects.
        before = [p.detach().clone() for p in model.parameters()]
        model.zero_grad(set_to_none=True)
        (x, y, m), ref = forget_chunks[0], reference[0]
        npo(target_logp(model(input_ids=x, use_cache=False).logits, y), m, ref, x.size(0)).backward()
        opt.step()
        with torch.no_grad():
            for v in directions:
                [torch.dot(v[k].flatten().double(), (b - p).flatten().double()).item()
                 for k, b, p in zip(names, before, model.parameters())]
        return tensor, shares, pg

    fields.update(batch=C, instances=len(forget), retain_instances=len(retain), weights=weights,
                  answer_tokens=int(sum(float(m.sum()) for _, _, m in forget_chunks)),
                  lengths=args.lengths, objective="npo", jvp=args.jvp, attention=args.attention,
                  transformers=__import__("transformers").__version__)
    times = timed(step, args.steps, args.warmup)
    if args.check:  # the token shares add up to the G-effect <v, grad L> (a second step, untimed)
        tensor, shares, _ = step()
        for name, t, sh in zip(("retain", "forget"), tensor, shares):
            total, split = sum(t), sum(float(x.sum()) for x in sh)
            print(f"check {name}: sum of tensors {total:.6e}, sum of token shares {split:.6e}, "
                  f"relative difference {abs(total - split) / max(abs(total), 1e-30):.2e}", file=sys.stderr)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["geffect", "pg"], default="geffect")
    ap.add_argument("--model", choices=sorted(CONFIGS) + ["smollm2"], default="small")
    ap.add_argument("--lengths", help="smollm2: the JSON of sample lengths (tofu_lengths.py)")
    ap.add_argument("--jvp", choices=["loop", "vmap"], default="vmap",
                    help="smollm2: both directions in one jvp under vmap (the faster: 149 s against 160 s a step), "
                         "or one jvp per direction")
    ap.add_argument("--attention", choices=["sdpa", "eager"], default="sdpa")
    ap.add_argument("--check", action="store_true",
                    help="smollm2: after timing, check that the token shares add up to the per-tensor G-effect")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--instances", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--block-size", type=int, help="raise the GPT's block size (gscope bench --block-size)")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.model == "smollm2":
        if args.mode != "geffect" or not args.lengths:
            ap.error("--model smollm2 needs --mode geffect and --lengths FILE")
        fields = {"impl": "torch", "mode": "geffect", "model": "smollm2", "threads": args.threads,
                  "steps": args.steps, "torch": torch.__version__}
        times = geffect_llama(args, fields)
        fields.update(ms_median=round(statistics.median(times), 2), ms_min=round(min(times), 2))
        if not args.json:
            print(f"smollm2 geffect: {fields['ms_median']:.1f} ms (median of {args.steps})")
        print(json.dumps(fields))
        return
    cfg = CONFIGS[args.model]
    if args.block_size:
        cfg = dataclasses.replace(cfg, block_size=args.block_size)
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
