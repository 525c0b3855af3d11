"""Writes the GPT parity fixture Tests/Fixtures/parity/gpt/ with PyTorch as the reference.

Run from the repository root (needs torch and safetensors; about 10 seconds on one thread):

    python3 notebooks-scripts/parity/gpt_fixture.py            # writes Tests/Fixtures/parity/gpt/
    python3 notebooks-scripts/parity/gpt_fixture.py --out DIR  # somewhere else

The output is deterministic (fixed seed, one thread): rerunning it reproduces the committed files
byte for byte on the same torch version. What each file holds is described in
notebooks-scripts/parity/README.md and, with the hyper-parameters, in the generated meta.json.

- config.json + model.safetensors: a gscope GPT checkpoint (n_layer 3, n_head 4, n_embd 48,
  vocab 96, block 24) with random, deliberately non-trivial parameters.
- reference.safetensors: a batch (tokens, targets, mask), the float32 logits, loss and gradient of
  every parameter, and the loss trajectories of 5 AdamW and 5 SGD steps.
- dtypes.safetensors: one small tensor per dtype (F16, BF16, F32, F64, I32, I64) to test readers.
- meta.json: hyper-parameters, versions, float32-vs-float64 discrepancies, spot values.

The script recomputes everything in float64 and checks the float32 reference against it.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_torch import GPT, GPTConfig, decay_param_groups, masked_nll, save_checkpoint  # noqa: E402

from safetensors.torch import save_file  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Tests", "Fixtures", "parity", "gpt")

SEED = 1234
CONFIG = GPTConfig(n_layer=3, n_head=4, n_embd=48, vocab_size=96, block_size=24)
B, T = 4, 16
INIT = {"matrix_std": 0.2, "bias_std": 0.1, "ln_weight": "1 + N(0, 0.1)", "ln_bias_std": 0.1}
STEPS = 5
ADAMW = {"lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.1,
         "weight_decay_on": "tensors with dim >= 2 (wte, wpe, every Linear weight); 0 for biases and LayerNorm",
         "amsgrad": False, "foreach": False, "fused": False, "maximize": False}
SGD = {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}
# Row r: the first QUESTION[r] positions are the "question" (mask 0); positions >= LENGTH[r] are
# right padding (token 0, target 0, mask 0). Row 2 is the padded one.
QUESTION = [4, 6, 3, 5]
LENGTH = [T, T, 11, T]
PAD = 0


def init_parameters(model: GPT, gen: torch.Generator) -> None:
    """Non-trivial random parameters so that every gradient is non-zero and informative."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            is_ln = ".ln_" in name or name.startswith("ln_f")
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=gen) * INIT["matrix_std"])
            elif is_ln and name.endswith("weight"):
                p.copy_(1.0 + torch.randn(p.shape, generator=gen) * 0.1)
            elif is_ln:
                p.copy_(torch.randn(p.shape, generator=gen) * INIT["ln_bias_std"])
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * INIT["bias_std"])


def make_batch(gen: torch.Generator):
    seq = torch.randint(1, CONFIG.vocab_size, (B, T + 1), generator=gen)
    tokens = seq[:, :T].clone()
    targets = seq[:, 1:].clone()
    mask = torch.zeros(B, T)
    for r in range(B):
        mask[r, QUESTION[r]:LENGTH[r]] = 1.0
        tokens[r, LENGTH[r]:] = PAD
        targets[r, LENGTH[r]:] = PAD
    return tokens.to(torch.int32), targets.to(torch.int32), mask


def loss_of(model, tokens, targets, mask):
    logits = model(tokens.long())
    return logits, masked_nll(logits, targets, mask.to(logits.dtype))


def trajectory(model0: GPT, make_optimizer, tokens, targets, mask) -> list[float]:
    """Loss before each of STEPS updates, starting from a copy of model0."""
    model = copy.deepcopy(model0)
    opt = make_optimizer(model)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad(set_to_none=True)
        _, loss = loss_of(model, tokens, targets, mask)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    return losses


def make_adamw(model):
    return torch.optim.AdamW(decay_param_groups(model, ADAMW["weight_decay"]), lr=ADAMW["lr"],
                             betas=tuple(ADAMW["betas"]), eps=ADAMW["eps"], amsgrad=False,
                             foreach=False, fused=False)


def make_sgd(model):
    return torch.optim.SGD(model.parameters(), lr=SGD["lr"], momentum=0.0, foreach=False)


def compute(model0: GPT, tokens, targets, mask) -> dict:
    model = copy.deepcopy(model0)
    model.zero_grad(set_to_none=True)
    logits, loss = loss_of(model, tokens, targets, mask)
    loss.backward()
    return {
        "logits": logits.detach(),
        "loss": loss.item(),
        "grads": {n: p.grad.detach().clone() for n, p in model.named_parameters()},
        "adamw": trajectory(model0, make_adamw, tokens, targets, mask),
        "sgd": trajectory(model0, make_sgd, tokens, targets, mask),
    }


def canonicalize_metadata(path: str) -> None:
    """The reference writer emits __metadata__ keys in Rust HashMap order, which changes from run
    to run; rewrite the header with them sorted (same length, same data) so the fixture is
    reproducible byte for byte."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    if "__metadata__" in header:
        header = {"__metadata__": dict(sorted(header["__metadata__"].items())),
                  **{k: v for k, v in header.items() if k != "__metadata__"}}
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    assert len(text) <= n and len(text) == len(blob[8:8 + n].rstrip(b" ")), "header changed length"
    with open(path, "wb") as f:
        f.write(blob[:8] + text.ljust(n, b" ") + blob[8 + n:])


def max_rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| / max |b| (b is the float64 reference)."""
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)  # reproducible float32 sums
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    model = GPT(CONFIG)
    init_parameters(model, gen)
    tokens, targets, mask = make_batch(gen)

    ref = compute(model, tokens, targets, mask)
    ref64 = compute(copy.deepcopy(model).double(), tokens, targets, mask)

    # --- float32 vs float64 ----------------------------------------------------------------
    logits = ref["logits"]
    grad_rel = {n: max_rel(g, ref64["grads"][n]) for n, g in ref["grads"].items()}
    worst_grad = max(grad_rel, key=grad_rel.get)
    disc = {
        "logits_max_abs": (logits.double() - ref64["logits"]).abs().max().item(),
        "logits_max_rel": max_rel(logits, ref64["logits"]),
        "loss_abs": abs(ref["loss"] - ref64["loss"]),
        "grad_max_rel_per_tensor": grad_rel[worst_grad],
        "grad_max_rel_tensor": worst_grad,
        "adamw_losses_max_abs": max(abs(a - b) for a, b in zip(ref["adamw"], ref64["adamw"])),
        "sgd_losses_max_abs": max(abs(a - b) for a, b in zip(ref["sgd"], ref64["sgd"])),
    }
    print(f"config {CONFIG}, {model.num_parameters()} parameters")
    print(f"logits std {logits.std().item():.3f}, min {logits.min().item():.3f}, max {logits.max().item():.3f}")
    print(f"loss {ref['loss']:.8f} (float64 {ref64['loss']:.8f}); uniform would be {math.log(CONFIG.vocab_size):.4f}")
    print(f"adamw losses {['%.6f' % x for x in ref['adamw']]}")
    print(f"sgd losses   {['%.6f' % x for x in ref['sgd']]}")
    print("float32 vs float64:")
    for k, v in disc.items():
        print(f"  {k:28s} {v:.3e}" if isinstance(v, float) else f"  {k:28s} {v}")
    # Every gradient entry is non-zero, except wpe rows of positions >= T, which the batch never uses.
    zero_grads = [n for n, g in ref["grads"].items() if ((g[:T] if n == "wpe.weight" else g) == 0).any()]
    assert (ref["grads"]["wpe.weight"][T:] == 0).all()
    assert not zero_grads, f"gradients with exact zeros: {zero_grads}"
    tol = 1e-5
    assert disc["logits_max_rel"] < tol and disc["loss_abs"] < tol, "float32 logits/loss drift from float64"
    assert disc["grad_max_rel_per_tensor"] < 1e-4, "float32 gradients drift from float64"
    assert disc["adamw_losses_max_abs"] < 1e-4 and disc["sgd_losses_max_abs"] < tol, "trajectories drift"
    assert ref["adamw"][0] == ref["loss"] and ref["sgd"][0] == ref["loss"]

    # --- files ---------------------------------------------------------------------------------
    os.makedirs(args.out, exist_ok=True)
    save_checkpoint(model, args.out)
    canonicalize_metadata(os.path.join(args.out, "model.safetensors"))

    tensors = {
        "tokens": tokens.contiguous(),
        "targets": targets.contiguous(),
        "mask": mask.contiguous(),
        "logits": logits.contiguous(),
        "loss": torch.tensor([ref["loss"]], dtype=torch.float64),
        "adamw.losses": torch.tensor(ref["adamw"], dtype=torch.float64),
        "sgd.losses": torch.tensor(ref["sgd"], dtype=torch.float64),
    }
    for n, g in ref["grads"].items():
        tensors["grad." + n] = g.contiguous()
    save_file(tensors, os.path.join(args.out, "reference.safetensors"))

    values = [1.0, -2.5, 0.333251953125, 65504.0, 2.0 ** -24, -0.0]  # exact in F16 (BF16: see meta)
    dt = {
        "x.f16": torch.tensor(values, dtype=torch.float16).reshape(2, 3),
        "x.bf16": torch.tensor(values[:3] + [3.0e38, 2.0 ** -130, -0.0], dtype=torch.bfloat16),
        "x.f32": torch.tensor([1.5, -1e-7, 3.4028234663852886e38], dtype=torch.float32),
        "x.f64": torch.tensor([math.pi, -1e-300], dtype=torch.float64),
        "x.i32": torch.tensor([[0, -1], [2147483647, -2147483648]], dtype=torch.int32),
        "x.i64": torch.tensor([9007199254740993, -5, 0], dtype=torch.int64),
        "x.scalar": torch.tensor(7.25, dtype=torch.float32),
    }
    save_file(dt, os.path.join(args.out, "dtypes.safetensors"))

    def spot(file, name, tensor, index):
        return {"file": file, "tensor": name, "index": index, "value": tensor.reshape(-1)[index].item()}

    sd = model.state_dict()
    spots = [
        spot("model.safetensors", "wte.weight", sd["wte.weight"], 0),
        spot("model.safetensors", "wte.weight", sd["wte.weight"], 95 * 48 + 47),
        spot("model.safetensors", "h.1.attn.c_attn.weight", sd["h.1.attn.c_attn.weight"], 2 * 48 + 5),
        spot("model.safetensors", "ln_f.bias", sd["ln_f.bias"], 47),
        spot("reference.safetensors", "logits", logits, 0),
        spot("reference.safetensors", "logits", logits, (3 * T + 15) * CONFIG.vocab_size + 95),
        spot("reference.safetensors", "grad.wte.weight", ref["grads"]["wte.weight"], 7),
        spot("reference.safetensors", "grad.h.2.mlp.c_proj.bias", ref["grads"]["h.2.mlp.c_proj.bias"], 3),
    ]
    meta = {
        "description": "GPT parity fixture for gscope; written by notebooks-scripts/parity/gpt_fixture.py",
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "torch_num_threads": 1,
        "seed": SEED,
        "config": {"n_layer": CONFIG.n_layer, "n_head": CONFIG.n_head, "n_embd": CONFIG.n_embd,
                   "vocab_size": CONFIG.vocab_size, "block_size": CONFIG.block_size},
        "num_parameters": model.num_parameters(),
        "init": INIT,
        "batch": {"B": B, "T": T, "question_positions": QUESTION, "lengths": LENGTH, "pad_token": PAD,
                  "mask": "mask[r,t] = 1 for question_positions[r] <= t < lengths[r], else 0",
                  "targets": "targets[r,t] = tokens[r,t+1] of the underlying sequence; pad at t >= lengths[r]"},
        "loss": "sum(mask * -log_softmax(logits)[target]) / sum(mask), logits = ln_f(x) @ wte.weight^T",
        "dtype": "float32 (the float64 recomputation is only a check; see float32_vs_float64)",
        "steps": STEPS,
        "losses_recorded": "loss before each update; adamw.losses[0] == sgd.losses[0] == loss",
        "adamw": ADAMW,
        "adamw_update": ("t = 1,2,...: p *= 1 - lr*wd; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; "
                         "p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)"),
        "sgd": SGD,
        "sgd_update": "p -= lr * g",
        "float32_vs_float64": disc,
        "spot_checks": spots,
        "dtypes_fixture": {
            "x.f16": {"shape": [2, 3], "values": values},
            "x.bf16": {"shape": [6], "values": [float(v) for v in dt["x.bf16"].double()]},
            "x.f32": {"shape": [3], "values": [float(v) for v in dt["x.f32"].double()]},
            "x.f64": {"shape": [2], "values": [float(v) for v in dt["x.f64"]]},
            "x.i32": {"shape": [2, 2], "values": [int(v) for v in dt["x.i32"].reshape(-1)]},
            "x.i64": {"shape": [3], "values": [int(v) for v in dt["x.i64"]]},
            "x.scalar": {"shape": [], "values": [7.25]},
        },
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {args.out} ({total} bytes)")


if __name__ == "__main__":
    main()
