"""Writes the Llama parity fixture Tests/Fixtures/parity/llama/ with Hugging Face's Llama as the reference.

Run from the repository root (needs torch, safetensors and transformers; a few seconds on one thread):

    python3 notebooks-scripts/parity/llama_fixture.py            # writes Tests/Fixtures/parity/llama/
    python3 notebooks-scripts/parity/llama_fixture.py --out DIR  # somewhere else

The reference is `transformers.LlamaForCausalLM` (eager attention, float32) with a tiny random
configuration of SmolLM2's shape: grouped-query attention (4 query heads on 2 key/value heads),
SwiGLU MLP, RMSNorm, rotary embeddings with base 1e5, tied embeddings, no biases. The script
checks it against `reference_llama` below, a hand-written float64 Llama that spells out the
formulas gscope implements (Sources/Model/Architectures/Llama/Llama.swift), and checks float32 against float64.

- config.json: gscope's LlamaConfig (the Hugging Face keys it reads).
- model.safetensors: every parameter under its Hugging Face name (F32), in gscope's layout order.
- reference.safetensors: a batch (tokens, targets, mask), the float32 logits, the loss and the
  gradient of every parameter (`grad.<name>`).
- meta.json: versions, hyper-parameters, float32-vs-float64 and HF-vs-formulas discrepancies.

HF's Llama keeps three float32 roundings even when run in float64 (RMSNorm normalises in float32;
RoPE angles t·inv_freq and their cos/sin are float32; the eager softmax is float32);
`reference_llama(hf_roundings=True)`
reproduces them and then matches HF float64 to rounding, which pins the formulas down.

Deterministic (fixed seed, one thread): a rerun reproduces the files on the same torch version.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform

import torch
import transformers
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Tests", "Fixtures", "parity", "llama")

SEED = 4321
# gscope's LlamaConfig, in the Hugging Face spelling it decodes.
CONFIG = {
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "hidden_size": 32,
    "intermediate_size": 48,
    "vocab_size": 40,
    "max_position_embeddings": 16,
    "rope_theta": 100000.0,
    "rms_norm_eps": 1e-5,
    "tie_word_embeddings": True,
}
B, T = 3, 12
INIT = {"matrix_std": 0.2, "norm_weight": "1 + N(0, 0.1^2)"}
# Row r: positions < QUESTION[r] are the "question" (mask 0); positions >= LENGTH[r] are right
# padding (token 0, target -1, mask 0).
QUESTION = [3, 5, 2]
LENGTH = [T, 9, T]


def hf_config() -> LlamaConfig:
    c = CONFIG
    return LlamaConfig(
        vocab_size=c["vocab_size"], hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"],
        num_hidden_layers=c["num_hidden_layers"], num_attention_heads=c["num_attention_heads"],
        num_key_value_heads=c["num_key_value_heads"], max_position_embeddings=c["max_position_embeddings"],
        rope_theta=c["rope_theta"], rms_norm_eps=c["rms_norm_eps"], tie_word_embeddings=c["tie_word_embeddings"],
        hidden_act="silu", attention_bias=False, mlp_bias=False, attention_dropout=0.0,
        attn_implementation="eager")


def layout_names() -> list[str]:
    """gscope's parameter order (Sources/Model/Architectures/Llama/LlamaLayout.swift)."""
    names = ["model.embed_tokens.weight"]
    for l in range(CONFIG["num_hidden_layers"]):
        p = f"model.layers.{l}."
        names += [p + "input_layernorm.weight", p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
                  p + "self_attn.v_proj.weight", p + "self_attn.o_proj.weight",
                  p + "post_attention_layernorm.weight", p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight",
                  p + "mlp.down_proj.weight"]
    names.append("model.norm.weight")
    if not CONFIG["tie_word_embeddings"]:
        names.append("lm_head.weight")
    return names


def init_parameters(model: LlamaForCausalLM, gen: torch.Generator) -> None:
    """Non-trivial random parameters, drawn in gscope's layout order."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in layout_names():
            p = params[name]
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=gen) * INIT["matrix_std"])
            else:
                p.copy_(1.0 + torch.randn(p.shape, generator=gen) * 0.1)


def make_batch(gen: torch.Generator):
    V = CONFIG["vocab_size"]
    seq = torch.randint(1, V, (B, T + 1), generator=gen)
    tokens, targets = seq[:, :T].clone(), seq[:, 1:].clone()
    mask = torch.zeros(B, T)
    for r in range(B):
        mask[r, QUESTION[r]:LENGTH[r]] = 1.0
        tokens[r, LENGTH[r]:] = 0
        targets[r, LENGTH[r]:] = -1
    return tokens.to(torch.int32), targets.to(torch.int32), mask


def masked_nll(logits, targets, mask):
    """sum(mask * -log softmax(logits)[target]) / sum(mask); a target of -1 (mask 0) does not count."""
    logp = torch.log_softmax(logits, dim=-1)
    lp = logp.gather(-1, targets.long().clamp_min(0).unsqueeze(-1)).squeeze(-1)
    mask = mask.to(lp.dtype)
    return -(mask * lp).sum() / mask.sum()


def reference_llama(params: dict, tokens: torch.Tensor, hf_roundings: bool = False) -> torch.Tensor:
    """The formulas, written out in float64: what gscope's Llama computes.

    With `hf_roundings`, the float32 roundings that Hugging Face's Llama keeps even in a float64
    model are reproduced: RMSNorm normalises in float32 (then casts back), the RoPE angles
    t·inv_freq and their cos/sin are float32, and the eager attention's softmax runs in float32.
    gscope forms the angles in float64 and does the rest in the model's dtype (float32): the
    formulas without these roundings."""
    c = CONFIG
    L, NH, NKV, C = c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"], c["hidden_size"]
    hs, eps = C // NH, c["rms_norm_eps"]
    Bt, Tt = tokens.shape

    def rms(x, w):  # y = x / sqrt(mean(x^2) + eps) * w
        if hf_roundings:
            x32 = x.float()
            return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w

    if hf_roundings:
        inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hs, 2, dtype=torch.float) / hs))
        angle32 = torch.arange(Tt, dtype=torch.float)[:, None] * inv_freq[None, :]
        cos, sin = angle32.cos().double(), angle32.sin().double()
    else:
        t = torch.arange(Tt, dtype=torch.float64)[:, None]
        i = torch.arange(hs // 2, dtype=torch.float64)[None, :]
        angle = t * c["rope_theta"] ** (-2 * i / hs)  # (T, hs/2): theta(t, i) = t * base^(-2i/hs)
        cos, sin = torch.cos(angle), torch.sin(angle)

    def rope(x):  # x (B, heads, T, hs): pairs (i, i + hs/2) rotated by angle[t, i]
        a, b = x[..., : hs // 2], x[..., hs // 2:]
        return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)

    E = params["model.embed_tokens.weight"]
    x = E[tokens.long()]
    causal = torch.ones(Tt, Tt, dtype=torch.bool).tril()
    for l in range(L):
        p = lambda n: params[f"model.layers.{l}.{n}.weight"]  # noqa: E731
        h = rms(x, p("input_layernorm"))
        q = (h @ p("self_attn.q_proj").T).view(Bt, Tt, NH, hs).transpose(1, 2)
        k = (h @ p("self_attn.k_proj").T).view(Bt, Tt, NKV, hs).transpose(1, 2)
        v = (h @ p("self_attn.v_proj").T).view(Bt, Tt, NKV, hs).transpose(1, 2)
        q, k = rope(q), rope(k)
        kv_of = torch.arange(NH) // (NH // NKV)  # query head h reads key/value head h / (NH/NKV)
        k, v = k[:, kv_of], v[:, kv_of]
        s = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        s = s.masked_fill(~causal, float("-inf"))
        a = torch.softmax(s.float(), dim=-1).to(s.dtype) if hf_roundings else torch.softmax(s, dim=-1)
        y = (a @ v).transpose(1, 2).reshape(Bt, Tt, C)
        x = x + y @ p("self_attn.o_proj").T
        h = rms(x, p("post_attention_layernorm"))
        g, u = h @ p("mlp.gate_proj").T, h @ p("mlp.up_proj").T
        x = x + (g * torch.sigmoid(g) * u) @ p("mlp.down_proj").T
    head = E if c["tie_word_embeddings"] else params["lm_head.weight"]
    return rms(x, params["model.norm.weight"]) @ head.T


def compute(model: LlamaForCausalLM, tokens, targets, mask) -> dict:
    model = copy.deepcopy(model)
    model.zero_grad(set_to_none=True)
    logits = model(input_ids=tokens.long(), use_cache=False).logits
    loss = masked_nll(logits, targets, mask)
    loss.backward()
    params = dict(model.named_parameters())
    return {"logits": logits.detach(), "loss": loss.item(),
            "grads": {n: params[n].grad.detach().clone() for n in layout_names()}}


def max_rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| / max |b|."""
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    model = LlamaForCausalLM(hf_config()).eval()
    assert (model.lm_head.weight is model.model.embed_tokens.weight) == CONFIG["tie_word_embeddings"]
    assert sorted(n for n, _ in model.named_parameters()) == sorted(layout_names())
    init_parameters(model, gen)
    tokens, targets, mask = make_batch(gen)

    ref = compute(model, tokens, targets, mask)
    ref64 = compute(copy.deepcopy(model).double(), tokens, targets, mask)

    # The formulas against Hugging Face, in float64, logits and (by autograd) every gradient: with
    # HF's float32 roundings reproduced they agree to rounding; without them (gscope's formulas)
    # they differ by those roundings alone.
    def formula(hf_roundings: bool):
        params64 = {n: p.detach().double().clone().requires_grad_(True) for n, p in model.named_parameters()}
        logits = reference_llama(params64, tokens, hf_roundings)
        loss = masked_nll(logits, targets, mask)
        loss.backward()
        return {"logits": logits.detach(), "loss": loss.item(), "grads": {n: params64[n].grad for n in layout_names()}}

    def compare(a, b):
        return {"logits_max_rel": max_rel(a["logits"], b["logits"]), "loss_abs": abs(a["loss"] - b["loss"]),
                "grad_max_rel": max(max_rel(a["grads"][n], b["grads"][n]) for n in layout_names())}

    exact = formula(False)
    formulas = {"with_hf_float32_roundings": compare(formula(True), ref64),
                "exact_formulas": compare(exact, ref64)}

    # float32 (the fixture) against the exact float64 formulas.
    grad_rel = {n: max_rel(g, exact["grads"][n]) for n, g in ref["grads"].items()}
    worst = max(grad_rel, key=grad_rel.get)
    disc = {"logits_max_rel": max_rel(ref["logits"], exact["logits"]), "loss_abs": abs(ref["loss"] - exact["loss"]),
            "grad_max_rel_per_tensor": grad_rel[worst], "grad_max_rel_tensor": worst}
    n_params = sum(p.numel() for p in model.parameters())
    print(f"transformers {transformers.__version__}, torch {torch.__version__}; {n_params} parameters")
    print(f"logits std {ref['logits'].std().item():.3f}; loss {ref['loss']:.8f} (float64 {ref64['loss']:.8f}); "
          f"uniform would be {math.log(CONFIG['vocab_size']):.4f}")
    print(f"HF float32 vs exact float64 formulas: {disc}")
    print(f"formulas vs HF float64: {formulas}")
    hf = formulas["with_hf_float32_roundings"]
    assert hf["logits_max_rel"] < 1e-12 and hf["grad_max_rel"] < 1e-10, "HF Llama differs from the formulas"
    assert disc["logits_max_rel"] < 1e-5 and disc["loss_abs"] < 1e-5, "float32 logits/loss drift from float64"
    assert disc["grad_max_rel_per_tensor"] < 1e-4, "float32 gradients drift from float64"
    zero = [n for n, g in ref["grads"].items() if (g == 0).any() and n != "model.embed_tokens.weight"]
    assert not zero, f"gradients with exact zeros: {zero}"

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2, sort_keys=True)
        f.write("\n")
    state = dict(model.named_parameters())
    save_file({n: state[n].detach().contiguous() for n in layout_names()},
              os.path.join(args.out, "model.safetensors"), metadata={"format": "pt"})
    tensors = {"tokens": tokens.contiguous(), "targets": targets.contiguous(), "mask": mask.contiguous(),
               "logits": ref["logits"].contiguous(), "loss": torch.tensor([ref["loss"]], dtype=torch.float64)}
    for n, g in ref["grads"].items():
        tensors["grad." + n] = g.contiguous()
    save_file(tensors, os.path.join(args.out, "reference.safetensors"))
    meta = {
        "description": "Llama parity fixture for gscope; written by notebooks-scripts/parity/llama_fixture.py",
        "reference": "transformers.LlamaForCausalLM, attn_implementation='eager', float32",
        "transformers_version": transformers.__version__, "torch_version": torch.__version__,
        "python_version": platform.python_version(), "torch_num_threads": 1, "seed": SEED,
        "config": CONFIG, "num_parameters": n_params, "init": INIT, "parameter_order": layout_names(),
        "batch": {"B": B, "T": T, "question_positions": QUESTION, "lengths": LENGTH,
                  "mask": "1 for question_positions[r] <= t < lengths[r], else 0",
                  "padding": "token 0, target -1, mask 0 at t >= lengths[r]"},
        "loss": "sum(mask * -log_softmax(logits)[target]) / sum(mask)",
        "float32_vs_exact_float64_formulas": disc, "formulas_vs_huggingface_float64": formulas,
        "note": ("Hugging Face's Llama normalises RMSNorm, forms RoPE angles and takes the attention softmax "
                 "in float32 even in a float64 model; the formulas match it to rounding once those roundings are reproduced"),
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {args.out} ({total} bytes)")


if __name__ == "__main__":
    main()
