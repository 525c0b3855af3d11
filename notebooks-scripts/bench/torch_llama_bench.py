"""Training-step benchmark of transformers' LlamaForCausalLM, the peer of
`gscope bench --mode train --arch llama --size smollm2` (or `--model GGUF`).

    python3 notebooks-scripts/bench/torch_llama_bench.py --batch 4 --seq 128 \\
        --steps 10 --warmup 2 --threads 2 --json

Loads SmolLM2-135M-Instruct from its GGUF (`AutoModelForCausalLM.from_pretrained(dir,
gguf_file=name)`, which dequantises every tensor; needs the pip packages gguf and accelerate)
in float32 when --gguf names an existing file (default: <repo>/models/SmolLM2-135M-Instruct.Q4_1.gguf,
fetched by `make model`), otherwise builds a LlamaConfig of the same shape with random weights.
`--model llama-tiny` always uses random weights (LlamaConfig.tiny of the Swift engine).
Times forward + backward + AdamW step (lr 1e-3, weight decay 0.1 on matrices, as gscope) on
random token ids after the warm-up; the loss is the token-mean NLL of random targets.

With --json prints one line:
    {"impl": "torch", "model", "params", "batch", "seq", "threads", "steps", "ms_per_step_median",
     "tokens_per_s", "gflops", "weights", "attention", "optimizer", "torch", "transformers"}
where "weights" is "gguf" or "random", tokens = batch * seq per step and
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
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_GGUF = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

# The shapes of Sources/Model/Architectures/Llama/LlamaConfig.swift.
SHAPES = {
    "smollm2": dict(num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3, hidden_size=576,
                    intermediate_size=1536, vocab_size=49152, max_position_embeddings=8192,
                    rope_theta=100_000.0, rms_norm_eps=1e-5, tie_word_embeddings=True),
    "llama-tiny": dict(num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, hidden_size=32,
                       intermediate_size=48, vocab_size=40, max_position_embeddings=16,
                       rope_theta=10_000.0, rms_norm_eps=1e-5, tie_word_embeddings=True),
}
SHAPES["smollm2-135m"] = SHAPES["smollm2"]


def load_model(name: str, gguf: str, attention: str):
    """The model and where its weights came from ("gguf" or "random")."""
    if name != "llama-tiny" and os.path.isfile(gguf):
        model = AutoModelForCausalLM.from_pretrained(os.path.dirname(os.path.abspath(gguf)),
                                                     gguf_file=os.path.basename(gguf), dtype=torch.float32,
                                                     attn_implementation=attention)
        return model, "gguf"
    if name != "llama-tiny":
        print(f"note: {gguf} not found; timing random weights of SmolLM2-135M's shape", file=sys.stderr)
    config = LlamaConfig(**SHAPES[name], attn_implementation=attention)
    return LlamaForCausalLM(config).to(torch.float32), "random"


def make_optimizer(model, lr: float, weight_decay: float):
    """AdamW with decay on matrices only (gscope's `matrixRanges`); fused when this build has it."""
    params = list(model.parameters())  # tied embeddings appear once
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    try:
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, fused=True), "fused"
    except (RuntimeError, TypeError):
        return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=True), "foreach"


def main() -> None:
    ap = argparse.ArgumentParser(description="transformers LlamaForCausalLM training-step benchmark")
    ap.add_argument("--model", choices=sorted(SHAPES), default="smollm2")
    ap.add_argument("--gguf", default=DEFAULT_GGUF, help="the GGUF to load (random weights when missing)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--steps", type=int, default=10, help="timed steps")
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
    torch.manual_seed(args.seed)
    model, weights = load_model(args.model, args.gguf, args.attention)
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
        "impl": "torch",
        "model": args.model,
        "params": params,
        "batch": B,
        "seq": seq,
        "threads": args.threads,
        "steps": args.steps,
        "ms_per_step_median": round(median * 1e3, 3),
        "ms_per_step_min": round(min(times) * 1e3, 3),
        "tokens_per_s": round(tokens / median, 1),
        "gflops": round(flops / median / 1e9, 2),
        "weights": weights,
        "attention": args.attention,
        "optimizer": opt_kind,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.model} ({weights} weights): {params} parameters, batch {B} x seq {seq}, {args.threads} threads, "
              f"{args.attention} attention, {opt_kind} AdamW: {result['ms_per_step_median']} ms/step "
              f"(median of {args.steps}), {result['tokens_per_s']} tokens/s, {result['gflops']} GFLOP/s")


if __name__ == "__main__":
    main()
