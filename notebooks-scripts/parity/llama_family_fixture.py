"""Writes the Llama-family parity fixtures Tests/Fixtures/parity/{llama3,mistral,qwen2,llama-linear}/ with transformers.

Run from the repository root (needs torch, safetensors and transformers; seconds on one thread):

    python3 notebooks-scripts/parity/llama_family_fixture.py             # writes the three fixtures
    python3 notebooks-scripts/parity/llama_family_fixture.py --check-saved
        # also: gscope loads each fixture and saves it again (the Swift test
        # LlamaFamilyParityTests/savedDirectories with GSCOPE_PARITY_EXPORT set; build the tests first),
        # transformers' AutoModelForCausalLM loads what gscope saved, and its logits must equal the fixture's

Each fixture is a tiny random model that transformers builds from a config and writes with
`save_pretrained` (config.json as transformers writes it, model.safetensors in F32), so gscope's
Hugging Face loader reads it as it would a downloaded checkpoint:

- llama3:  LlamaConfig with rope_scaling llama3 (three frequency bands all present), head_dim 12
           != hidden/heads = 8, attention_bias and mlp_bias true, an untied head;
- mistral: MistralConfig, sliding_window equal to the batch's length (the longest sequence gscope
           computes for it), untied head;
- qwen2:   Qwen2Config (q/k/v biases), rope_theta 1e6, tied head, use_sliding_window false;
- llama-linear: LlamaConfig with rope_scaling linear (factor 4), tied head, no biases.

reference.safetensors holds a batch (tokens, targets, mask), transformers' float32 logits, the masked
mean NLL and the gradient of every parameter (`grad.<name>`). meta.json records versions and the
float32-vs-float64 drift of transformers itself. Deterministic (fixed seed, one thread).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import torch
import transformers
from safetensors.torch import save_file
from transformers import (AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM)

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(REPO, "Tests", "Fixtures", "parity")
SEED = 1717
B, T = 3, 12
QUESTION = [3, 5, 2]
LENGTH = [T, 9, T]
COMMON = dict(vocab_size=64, hidden_size=32, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5, hidden_act="silu",
              attention_dropout=0.0, attn_implementation="eager")


def models() -> dict:
    return {
        "llama3": LlamaForCausalLM(LlamaConfig(
            **COMMON, head_dim=12, attention_bias=True, mlp_bias=True, tie_word_embeddings=False,
            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 64},
            rope_theta=10000.0)),
        "mistral": MistralForCausalLM(MistralConfig(
            **COMMON, sliding_window=T, tie_word_embeddings=False, rope_theta=10000.0)),
        "qwen2": Qwen2ForCausalLM(Qwen2Config(
            **COMMON, tie_word_embeddings=True, rope_theta=1000000.0, use_sliding_window=False)),
        "llama-linear": LlamaForCausalLM(LlamaConfig(
            **COMMON, tie_word_embeddings=True, rope_scaling={"rope_type": "linear", "factor": 4.0},
            rope_theta=10000.0)),
    }


def init_parameters(model, gen: torch.Generator) -> None:
    """Matrices N(0, 0.2²), biases N(0, 0.1²), norm gains 1 + N(0, 0.1²), in named_parameters order."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
            elif name.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.1)
            else:
                p.copy_(1.0 + torch.randn(p.shape, generator=gen) * 0.1)


def make_batch(gen: torch.Generator, V: int):
    seq = torch.randint(1, V, (B, T + 1), generator=gen)
    tokens, targets = seq[:, :T].clone(), seq[:, 1:].clone()
    mask = torch.zeros(B, T)
    for r in range(B):
        mask[r, QUESTION[r]:LENGTH[r]] = 1.0
        tokens[r, LENGTH[r]:] = 0
        targets[r, LENGTH[r]:] = -1
    return tokens.to(torch.int32), targets.to(torch.int32), mask


def masked_nll(logits, targets, mask):
    logp = torch.log_softmax(logits, dim=-1)
    lp = logp.gather(-1, targets.long().clamp_min(0).unsqueeze(-1)).squeeze(-1)
    mask = mask.to(lp.dtype)
    return -(mask * lp).sum() / mask.sum()


def compute(model, tokens, targets, mask) -> dict:
    model = copy.deepcopy(model)
    model.zero_grad(set_to_none=True)
    logits = model(input_ids=tokens.long(), use_cache=False).logits
    loss = masked_nll(logits, targets, mask)
    loss.backward()
    return {"logits": logits.detach(), "loss": loss.item(),
            "grads": {n: p.grad.detach().clone() for n, p in model.named_parameters()}}


def max_rel(a, b) -> float:
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()


def check_saved(names: list[str]) -> None:
    """gscope re-saves each fixture (the Swift test, GSCOPE_PARITY_EXPORT); transformers loads it."""
    export = tempfile.mkdtemp(prefix="gscope-llama-family-")
    env = dict(os.environ, GSCOPE_PARITY_EXPORT=export)
    subprocess.run(["swift", "test", "-c", "release", "--skip-build", "--filter",
                    "LlamaFamilyParityTests/savedDirectories"], cwd=REPO, env=env, check=True)
    for name in names:
        saved = os.path.join(export, name)
        fixture = os.path.join(OUT, name)
        reference = {}
        from safetensors.torch import load_file
        reference = load_file(os.path.join(fixture, "reference.safetensors"))
        model = AutoModelForCausalLM.from_pretrained(saved, attn_implementation="eager").eval()
        original = AutoModelForCausalLM.from_pretrained(fixture, attn_implementation="eager").eval()
        assert type(model) is type(original), (type(model), type(original))
        with torch.no_grad():
            logits = model(input_ids=reference["tokens"].long(), use_cache=False).logits
        err = max_rel(logits, reference["logits"])
        print(f"{name}: gscope-saved {json.load(open(os.path.join(saved, 'config.json')))['model_type']} "
              f"loaded by transformers as {type(model).__name__}: logits max rel diff {err:.3g}")
        assert err == 0.0 or err < 1e-6, f"{name}: transformers computes another model from gscope's save"
    shutil.rmtree(export)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--check-saved", action="store_true", help="check gscope's saved directories load in transformers")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    built = models()
    for name, model in built.items():
        gen = torch.Generator().manual_seed(SEED)
        model.eval()
        init_parameters(model, gen)
        tokens, targets, mask = make_batch(gen, model.config.vocab_size)
        ref = compute(model, tokens, targets, mask)
        ref64 = compute(copy.deepcopy(model).double(), tokens, targets, mask)
        drift = {"logits_max_rel": max_rel(ref["logits"], ref64["logits"]),
                 "loss_abs": abs(ref["loss"] - ref64["loss"]),
                 "grad_max_rel": max(max_rel(ref["grads"][n], ref64["grads"][n]) for n in ref["grads"])}
        inv_freq = model.model.rotary_emb.inv_freq
        print(f"{name}: loss {ref['loss']:.6f}; float32 vs float64 {drift}; inv_freq {inv_freq.tolist()}")
        assert drift["logits_max_rel"] < 1e-5 and drift["grad_max_rel"] < 1e-4
        out = os.path.join(args.out, name)
        if os.path.isdir(out):
            shutil.rmtree(out)
        model.save_pretrained(out)
        for extra in ("generation_config.json",):
            if os.path.exists(os.path.join(out, extra)):
                os.remove(os.path.join(out, extra))
        tensors = {"tokens": tokens.contiguous(), "targets": targets.contiguous(), "mask": mask.contiguous(),
                   "logits": ref["logits"].contiguous(), "loss": torch.tensor([ref["loss"]], dtype=torch.float64)}
        for n, g in ref["grads"].items():
            tensors["grad." + n] = g.contiguous()
        save_file(tensors, os.path.join(out, "reference.safetensors"))
        meta = {"description": f"Llama-family parity fixture '{name}' for gscope; written by "
                               "notebooks-scripts/parity/llama_family_fixture.py",
                "reference": f"transformers.{type(model).__name__}, attn_implementation='eager', float32",
                "transformers_version": transformers.__version__, "torch_version": torch.__version__,
                "python_version": platform.python_version(), "seed": SEED, "torch_num_threads": 1,
                "inv_freq_float32": inv_freq.tolist(), "float32_vs_float64": drift,
                "batch": {"B": B, "T": T, "question_positions": QUESTION, "lengths": LENGTH}}
        with open(os.path.join(out, "meta.json"), "w") as f:
            json.dump(meta, f, indent=2, sort_keys=True)
            f.write("\n")
        total = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
        print(f"wrote {out} ({total} bytes)")
        assert total <= 200_000, f"{out} is {total} bytes, over 200 KB"
    if args.check_saved:
        check_saved(list(built))


if __name__ == "__main__":
    sys.exit(main())
