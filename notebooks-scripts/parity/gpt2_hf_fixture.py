"""A tiny random Hugging Face GPT-2 (transformers' GPT2LMHeadModel) and its numbers, for gscope's parity tests.

Writes Tests/Fixtures/parity/gpt2/:

- f32/, f16/, bf16/: the same model, `save_pretrained` in float32, float16 and bfloat16
  (config.json + model.safetensors with transformers' names: `transformer.h.0.attn.c_attn.weight`,
  Conv1D weights stored (in, out), no lm_head.weight since the head is tied);
- sharded/: the float32 model saved with `max_shard_size` so that it spans two shards
  (model.safetensors.index.json + model-0000{1,2}-of-00002.safetensors);
- reference.safetensors: a fixed batch (`tokens`, `targets`, both (B, T)), transformers' float32
  `logits` (B, T, V) and `loss` (mean cross-entropy of every position, float64 scalar);
- gradients.safetensors: d loss / d parameter for every parameter, under transformers' names and
  shapes (so Conv1D gradients are (in, out) too).

The configuration uses a layer_norm_epsilon of 1e-3 (GPT-2's is 1e-5), so the parity also proves
that gscope takes the epsilon from config.json.

With `--check-gscope-save DIR` it instead loads a checkpoint that gscope saved
(`gscope model convert Tests/Fixtures/parity/gpt2/f32 DIR`) with `GPT2LMHeadModel.from_pretrained`
and checks that its logits on the fixed batch equal the reference's (max |difference| printed;
exit 1 above 1e-5).

    pip install torch transformers safetensors
    python3 notebooks-scripts/parity/gpt2_hf_fixture.py
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "parity", "gpt2")

CONFIG = dict(
    vocab_size=64, n_positions=16, n_embd=24, n_layer=2, n_head=4, n_inner=None,
    activation_function="gelu_new", layer_norm_epsilon=1e-3,
    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, tie_word_embeddings=True,
    bos_token_id=0, eos_token_id=0,
)
B, T = 2, 12


def build_model() -> GPT2LMHeadModel:
    torch.manual_seed(17)
    model = GPT2LMHeadModel(GPT2Config(**CONFIG))
    # Larger than GPT-2's 0.02 initialisation so that every tensor matters to the logits,
    # LayerNorm gains and biases included.
    gen = torch.Generator().manual_seed(1701)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))
    model.eval()
    return model


def batch():
    gen = torch.Generator().manual_seed(4242)
    seq = torch.randint(0, CONFIG["vocab_size"], (B, T + 1), generator=gen)
    return seq[:, :-1].contiguous(), seq[:, 1:].contiguous()


def loss_of(model, tokens, targets):
    logits = model(input_ids=tokens).logits
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    return logits, loss


def save(model, directory, **kwargs):
    shutil.rmtree(directory, ignore_errors=True)
    model.save_pretrained(directory, **kwargs)


def write_fixture():
    model = build_model()
    tokens, targets = batch()
    model.zero_grad()
    logits, loss = loss_of(model, tokens, targets)
    loss.backward()

    os.makedirs(OUT, exist_ok=True)
    save(model, os.path.join(OUT, "f32"))
    total = sum(p.numel() * 4 for p in model.parameters())
    save(model, os.path.join(OUT, "sharded"), max_shard_size=total * 6 // 10)
    shards = sorted(f for f in os.listdir(os.path.join(OUT, "sharded")) if f.endswith(".safetensors"))
    assert len(shards) == 2, shards
    for dtype, name in ((torch.float16, "f16"), (torch.bfloat16, "bf16")):
        save(build_model().to(dtype), os.path.join(OUT, name))

    meta = {"transformers": transformers.__version__, "torch": torch.__version__, "python": platform.python_version()}
    save_file(
        {"tokens": tokens.to(torch.int64), "targets": targets.to(torch.int64),
         "logits": logits.detach().float().contiguous(), "loss": loss.detach().double().reshape(())},
        os.path.join(OUT, "reference.safetensors"), metadata=meta)
    save_file(
        {name: p.grad.detach().contiguous() for name, p in model.named_parameters()},
        os.path.join(OUT, "gradients.safetensors"), metadata=meta)
    sizes = {os.path.relpath(os.path.join(d, f), OUT): os.path.getsize(os.path.join(d, f))
             for d, _, fs in os.walk(OUT) for f in fs}
    assert max(sizes.values()) <= 200_000, sizes
    print(f"wrote {OUT}: loss {loss.item():.6f}, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{sum(sizes.values())} bytes in {len(sizes)} files")


def check_gscope_save(directory):
    reference = load_file(os.path.join(OUT, "reference.safetensors"))
    model = GPT2LMHeadModel.from_pretrained(directory, dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=reference["tokens"]).logits
    diff = (logits - reference["logits"]).abs().max().item()
    print(f"{directory}: GPT2LMHeadModel.from_pretrained loads gscope's save; max |logits difference| {diff:.3g}")
    return diff <= 1e-5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-gscope-save", metavar="DIR")
    args = parser.parse_args()
    if args.check_gscope_save:
        sys.exit(0 if check_gscope_save(args.check_gscope_save) else 1)
    write_fixture()


if __name__ == "__main__":
    main()
