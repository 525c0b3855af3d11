"""Greedy-decoding benchmark of transformers' `generate` with its key/value cache, the peer of
`gscope bench --mode generate --model GGUF` (or `--arch llama --size smollm2`).

    python3 notebooks-scripts/bench/torch_generate_bench.py --batch 8 --new-tokens 64 \\
        --steps 3 --warmup 1 --threads 2 --json

Loads SmolLM2-135M-Instruct from its GGUF in float32 as torch_llama_bench.py does (random
weights of the same shape when the file is missing, or with --model llama-tiny). Prompts are
random token ids of the lengths gscope uses, prompt-tokens − 4 + (i mod 9) for prompt i, left
padded into one batch with an attention mask (as transformers batches prompts of different
lengths); generation is greedy (`do_sample=False`) for exactly --new-tokens tokens
(`min_new_tokens` = `max_new_tokens`, no stop token), with the default dynamic cache, in
`torch.inference_mode`. A run is one `generate` call; the median over --steps after --warmup.

With --json prints one line:
    {"impl": "torch", "mode": "generate", "model", "params", "batch", "prompt_tokens_mean",
     "new_tokens", "threads", "steps", "ms_median", "tokens_per_s", "weights", "attention",
     "torch", "transformers"}
with tokens_per_s = batch * new_tokens / ms_median * 1000, the field gscope calls
cached_tokens_per_s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch
import transformers

from torch_llama_bench import DEFAULT_GGUF, SHAPES, load_model


def main() -> None:
    ap = argparse.ArgumentParser(description="transformers greedy generate benchmark (SmolLM2)")
    ap.add_argument("--model", choices=sorted(SHAPES), default="smollm2")
    ap.add_argument("--gguf", default=DEFAULT_GGUF, help="the GGUF to load (random weights when missing)")
    ap.add_argument("--batch", type=int, default=1, help="prompts decoded together")
    ap.add_argument("--prompt-tokens", type=int, default=40, help="mean prompt length (prompts have this ± 4)")
    ap.add_argument("--new-tokens", type=int, default=64, help="new tokens per prompt")
    ap.add_argument("--steps", type=int, default=3, help="timed runs")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--attention", choices=["sdpa", "eager"], default="sdpa")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args()
    if min(args.batch, args.new_tokens, args.steps, args.threads) < 1 or args.warmup < 0 or args.prompt_tokens < 5:
        ap.error("--batch, --new-tokens, --steps and --threads must be positive, --warmup non-negative "
                 "and --prompt-tokens at least 5")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model, weights = load_model(args.model, args.gguf, args.attention)
    model.eval()
    cfg = model.config
    params = sum(p.numel() for p in model.parameters())

    lengths = [args.prompt_tokens - 4 + i % 9 for i in range(args.batch)]
    width = max(lengths)
    pad = cfg.pad_token_id if cfg.pad_token_id is not None else 0
    ids = torch.full((args.batch, width), pad, dtype=torch.long)
    mask = torch.zeros((args.batch, width), dtype=torch.long)
    for i, n in enumerate(lengths):  # left padding: every prompt ends at the last column
        ids[i, width - n:] = torch.randint(0, cfg.vocab_size, (n,))
        mask[i, width - n:] = 1

    times = []
    for run in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                                 max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens,
                                 eos_token_id=None, pad_token_id=pad, use_cache=True)
        dt = time.perf_counter() - t0
        assert out.shape == (args.batch, width + args.new_tokens), out.shape
        if run >= args.warmup:
            times.append(dt)
        if not args.json:
            print(f"run {run}{' (warm-up)' if run < args.warmup else ''}: {dt * 1e3:.1f} ms", file=sys.stderr)

    median = statistics.median(times)
    tokens = args.batch * args.new_tokens
    result = {
        "impl": "torch",
        "mode": "generate",
        "model": args.model,
        "params": params,
        "batch": args.batch,
        "prompt_tokens_mean": sum(lengths) / len(lengths),
        "new_tokens": args.new_tokens,
        "threads": args.threads,
        "steps": args.steps,
        "ms_median": round(median * 1e3, 2),
        "tokens_per_s": round(tokens / median, 2),
        "weights": weights,
        "attention": args.attention,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.model} ({weights} weights) generate, {args.batch} prompts x {args.new_tokens} new tokens, "
              f"{args.threads} threads: {result['ms_median']} ms (median of {args.steps}), "
              f"{result['tokens_per_s']} tokens/s")


if __name__ == "__main__":
    main()
