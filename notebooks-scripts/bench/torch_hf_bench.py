"""Training-step benchmark of a transformers causal LM (Phi or GPT-2), the peer of
`gscope bench --mode train --model DIR` on the same Hugging Face directory.

    python3 notebooks-scripts/bench/torch_hf_bench.py --dir /tmp/phi-bench --shape phi-12x768 \\
        --batch 4 --seq 128 --steps 5 --warmup 2 --threads 2
    gscope bench --model /tmp/phi-bench --batch 4 --seq 128 --steps 5 --warmup 2 --threads 2

When DIR holds no config.json, a model of --shape with transformers' random
initialisation (seed --seed) is built and written there first with `save_pretrained` (float32
safetensors), so that gscope times exactly the same model; otherwise DIR is loaded. Times forward
+ backward + AdamW step (lr 1e-3, weight decay 0.1 on matrices, as gscope) on random token ids
after the warm-up; the loss is the token-mean NLL of random targets. Dropout rates are 0 (as in
Phi-1.5's config), so training mode computes what gscope computes.

With --json prints one line:
    {"impl": "torch", "model", "params", "batch", "seq", "threads", "steps", "ms_per_step_median",
     "ms_per_step_min", "tokens_per_s", "gflops", "attention", "optimizer", "torch", "transformers"}
with tokens = batch * seq per step and
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
import torch.nn.functional as F
import transformers
from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, PhiConfig, PhiForCausalLM

# phi-1.5 is Sources/Model/Architectures/Phi/PhiConfig.swift's (1.42 B parameters: AdamW needs about
# 23 GB); phi-12x768 keeps its vocabulary, head size and rotary share at 12 blocks of 768 (164 M).
# gpt2-124m is GPT-2 small (dropout 0, as gscope trains).
PHI = dict(rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5},
           layer_norm_eps=1e-5, hidden_act="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attention_dropout=0.0,
           tie_word_embeddings=False)
SHAPES = {
    "phi-1.5": (PhiConfig, PhiForCausalLM, dict(num_hidden_layers=24, num_attention_heads=32, hidden_size=2048,
                                                intermediate_size=8192, vocab_size=51200,
                                                max_position_embeddings=2048, **PHI)),
    "phi-12x768": (PhiConfig, PhiForCausalLM, dict(num_hidden_layers=12, num_attention_heads=12, hidden_size=768,
                                                   intermediate_size=3072, vocab_size=51200,
                                                   max_position_embeddings=2048, **PHI)),
    "gpt2-124m": (GPT2Config, GPT2LMHeadModel, dict(n_layer=12, n_head=12, n_embd=768, vocab_size=50257,
                                                    n_positions=1024, resid_pdrop=0.0, embd_pdrop=0.0,
                                                    attn_pdrop=0.0)),
}


def load_or_build(directory: str, shape: str, attention: str, seed: int):
    if not os.path.isfile(os.path.join(directory, "config.json")):
        torch.manual_seed(seed)
        config_class, model_class, sizes = SHAPES[shape]
        model_class(config_class(**sizes)).to(torch.float32).save_pretrained(directory, safe_serialization=True)
        print(f"wrote a random {shape} model to {directory}", file=sys.stderr)
    return AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32, attn_implementation=attention)


def make_optimizer(model, lr: float, weight_decay: float):
    """AdamW with decay on matrices only (gscope's `matrixRanges`); fused when this build has it."""
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    try:
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, fused=True), "fused"
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=True), "foreach"


def main() -> None:
    ap = argparse.ArgumentParser(description="transformers causal-LM training-step benchmark (Phi, GPT-2)")
    ap.add_argument("--dir", required=True, help="the Hugging Face directory to load (written first when empty)")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="phi-12x768", help="the shape built when --dir is empty")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5, help="timed steps")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--attention", choices=["sdpa", "eager"], default="sdpa",
                    help="transformers' attention implementation (sdpa is its default)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if min(args.batch, args.seq, args.steps) < 1 or args.warmup < 0 or args.threads < 1:
        ap.error("--batch, --seq, --steps and --threads must be positive and --warmup non-negative")

    torch.set_num_threads(args.threads)
    model = load_or_build(args.dir, args.shape, args.attention, args.seed)
    torch.manual_seed(args.seed)
    cfg = model.config
    seq = min(args.seq, cfg.max_position_embeddings)
    B = args.batch
    model.train()
    opt, opt_kind = make_optimizer(model, args.lr, 0.1)
    params = sum(p.numel() for p in model.parameters())

    total = args.warmup + args.steps
    data = torch.randint(0, cfg.vocab_size, (total, B, seq + 1))
    times = []
    for step in range(total):
        tokens, targets = data[step, :, :seq], data[step, :, 1:]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits = model(input_ids=tokens, use_cache=False).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
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
    flops = 6 * params * tokens + 12 * cfg.num_hidden_layers * cfg.hidden_size * seq * tokens
    result = {
        "impl": "torch", "model": args.dir, "params": params, "batch": B, "seq": seq, "threads": args.threads,
        "steps": args.steps, "ms_per_step_median": round(median * 1e3, 3), "ms_per_step_min": round(min(times) * 1e3, 3),
        "tokens_per_s": round(tokens / median, 1), "gflops": round(flops / median / 1e9, 2),
        "attention": args.attention, "optimizer": opt_kind, "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.dir}: {params} parameters, batch {B} x seq {seq}, {args.threads} threads, "
              f"{args.attention} attention, {opt_kind} AdamW: {result['ms_per_step_median']} ms/step "
              f"(median of {args.steps}), {result['tokens_per_s']} tokens/s, {result['gflops']} GFLOP/s")


if __name__ == "__main__":
    main()
