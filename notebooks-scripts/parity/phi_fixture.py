"""Writes the Phi parity fixture Tests/Fixtures/parity/phi/ with Hugging Face's Phi as the reference.

Run from the repository root (needs torch, safetensors and transformers; a few seconds on one thread):

    python3 notebooks-scripts/parity/phi_fixture.py            # writes Tests/Fixtures/parity/phi/
    python3 notebooks-scripts/parity/phi_fixture.py --out DIR  # somewhere else

The reference is `transformers.PhiForCausalLM` (eager attention, float32) with a tiny random
configuration of Phi-1.5's kind: one LayerNorm per block feeding attention and a gelu_new MLP side
by side, partial rotary embeddings (`partial_rotary_factor` 0.5: 4 of each head's 8 dimensions
rotate), biases on every linear layer, `final_layernorm`, an untied `lm_head` with a bias. It has
4 query heads on 2 key/value heads (Phi-1.5 has as many as query heads; grouped-query attention is
exercised too) and a non-default `rope_theta` and `layer_norm_eps`, so that both are read. The
script checks the model against `reference_phi` below, a hand-written float64 Phi that spells out
the formulas gscope implements (Sources/Model/Architectures/Phi/Phi.swift), and float32 against
float64.

- config.json, model.safetensors (and generation_config.json): `save_pretrained` of the model,
  float32 safetensors, exactly what transformers writes for a Phi directory; gscope loads it as it is.
- reference.safetensors: a batch (tokens, targets, mask), the float32 logits, the loss and the
  gradient of every parameter (`grad.<name>`).
- meta.json: versions, hyper-parameters, float32-vs-float64 and HF-vs-formulas discrepancies.

HF's Phi keeps two float32 roundings even when run in float64 (the RoPE angles t·inv_freq and
their cos/sin are float32; the eager softmax is float32); `reference_phi(hf_roundings=True)`
reproduces them and then matches HF float64 to rounding, which pins the formulas down.

Deterministic (fixed seed, one thread): a rerun reproduces the tensors on the same torch version.
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
from transformers import PhiConfig, PhiForCausalLM

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Tests", "Fixtures", "parity", "phi")

SEED = 1717
CONFIG = {
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "hidden_size": 32,
    "intermediate_size": 64,
    "vocab_size": 64,
    "max_position_embeddings": 16,
    "rope_theta": 20000.0,
    "partial_rotary_factor": 0.5,
    "layer_norm_eps": 1e-4,
}
B, T = 3, 12
INIT = {"matrix_std": 0.2, "bias_std": 0.1, "layernorm_weight": "1 + N(0, 0.1^2)"}
# Row r: positions < QUESTION[r] are the "question" (mask 0); positions >= LENGTH[r] are right
# padding (token 0, target -1, mask 0).
QUESTION = [3, 5, 2]
LENGTH = [T, 9, T]


def hf_config() -> PhiConfig:
    c = CONFIG
    return PhiConfig(
        vocab_size=c["vocab_size"], hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"],
        num_hidden_layers=c["num_hidden_layers"], num_attention_heads=c["num_attention_heads"],
        num_key_value_heads=c["num_key_value_heads"], max_position_embeddings=c["max_position_embeddings"],
        rope_parameters={"rope_type": "default", "rope_theta": c["rope_theta"],
                         "partial_rotary_factor": c["partial_rotary_factor"]},
        layer_norm_eps=c["layer_norm_eps"], hidden_act="gelu_new", qk_layernorm=False, tie_word_embeddings=False,
        resid_pdrop=0.0, embd_pdrop=0.0, attention_dropout=0.0, attn_implementation="eager")


def layout_names() -> list[str]:
    """gscope's parameter order (Sources/Model/Architectures/Phi/PhiLayout.swift)."""
    names = ["model.embed_tokens.weight"]
    for l in range(CONFIG["num_hidden_layers"]):
        p = f"model.layers.{l}."
        names += [p + "input_layernorm.weight", p + "input_layernorm.bias",
                  p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight",
                  p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias", p + "self_attn.v_proj.bias",
                  p + "self_attn.dense.weight", p + "self_attn.dense.bias",
                  p + "mlp.fc1.weight", p + "mlp.fc1.bias", p + "mlp.fc2.weight", p + "mlp.fc2.bias"]
    names += ["model.final_layernorm.weight", "model.final_layernorm.bias", "lm_head.weight", "lm_head.bias"]
    return names


def init_parameters(model: PhiForCausalLM, gen: torch.Generator) -> None:
    """Non-trivial random parameters, drawn in gscope's layout order."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in layout_names():
            p = params[name]
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=gen) * INIT["matrix_std"])
            elif name.endswith("layernorm.weight"):
                p.copy_(1.0 + torch.randn(p.shape, generator=gen) * 0.1)
            else:
                p.copy_(torch.randn(p.shape, generator=gen) * INIT["bias_std"])


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


def reference_phi(params: dict, tokens: torch.Tensor, hf_roundings: bool = False) -> torch.Tensor:
    """The formulas, written out in float64: what gscope's Phi computes.

        x <- x + dense(attn(prope(q), prope(k), v)) + fc2(gelu_new(fc1(n))),  q|k|v = qkv(n), n = ln(x)
        logits = ln_f(x) W^T + b

    With `hf_roundings`, the float32 roundings that Hugging Face's Phi keeps even in a float64
    model are reproduced: the RoPE angles t·inv_freq and their cos/sin are float32, and the eager
    attention's softmax runs in float32. gscope forms the angles in float64 and does the rest in the
    model's dtype (float32): the formulas without these roundings."""
    c = CONFIG
    L, NH, NKV, C = c["num_hidden_layers"], c["num_attention_heads"], c["num_key_value_heads"], c["hidden_size"]
    hs, eps = C // NH, c["layer_norm_eps"]
    rd = int(hs * c["partial_rotary_factor"])
    Bt, Tt = tokens.shape

    def ln(x, w, b):  # y = (x - mean) / sqrt(var + eps) * w + b, biased variance
        m = x.mean(-1, keepdim=True)
        v = ((x - m) ** 2).mean(-1, keepdim=True)
        return (x - m) / torch.sqrt(v + eps) * w + b

    if hf_roundings:
        inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, rd, 2, dtype=torch.float) / rd))
        angle32 = torch.arange(Tt, dtype=torch.float)[:, None] * inv_freq[None, :]
        cos, sin = angle32.cos().double(), angle32.sin().double()
    else:
        t = torch.arange(Tt, dtype=torch.float64)[:, None]
        i = torch.arange(rd // 2, dtype=torch.float64)[None, :]
        angle = t * c["rope_theta"] ** (-2 * i / rd)  # (T, rd/2): theta(t, i) = t * base^(-2i/rd)
        cos, sin = torch.cos(angle), torch.sin(angle)

    def prope(x):  # x (B, heads, T, hs): in the first rd dims, pairs (i, i + rd/2) turn by angle[t, i]
        a, b, rest = x[..., : rd // 2], x[..., rd // 2: rd], x[..., rd:]
        return torch.cat([a * cos - b * sin, b * cos + a * sin, rest], dim=-1)

    def gelu_new(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    x = params["model.embed_tokens.weight"][tokens.long()]
    causal = torch.ones(Tt, Tt, dtype=torch.bool).tril()
    for l in range(L):
        def lin(name, inp):
            return inp @ params[f"model.layers.{l}.{name}.weight"].T + params[f"model.layers.{l}.{name}.bias"]
        n = ln(x, params[f"model.layers.{l}.input_layernorm.weight"], params[f"model.layers.{l}.input_layernorm.bias"])
        q = lin("self_attn.q_proj", n).view(Bt, Tt, NH, hs).transpose(1, 2)
        k = lin("self_attn.k_proj", n).view(Bt, Tt, NKV, hs).transpose(1, 2)
        v = lin("self_attn.v_proj", n).view(Bt, Tt, NKV, hs).transpose(1, 2)
        q, k = prope(q), prope(k)
        kv_of = torch.arange(NH) // (NH // NKV)  # query head h reads key/value head h / (NH/NKV)
        k, v = k[:, kv_of], v[:, kv_of]
        s = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        s = s.masked_fill(~causal, float("-inf"))
        a = torch.softmax(s.float(), dim=-1).to(s.dtype) if hf_roundings else torch.softmax(s, dim=-1)
        y = (a @ v).transpose(1, 2).reshape(Bt, Tt, C)
        x = x + lin("self_attn.dense", y) + lin("mlp.fc2", gelu_new(lin("mlp.fc1", n)))
    y = ln(x, params["model.final_layernorm.weight"], params["model.final_layernorm.bias"])
    return y @ params["lm_head.weight"].T + params["lm_head.bias"]


def compute(model: PhiForCausalLM, tokens, targets, mask) -> dict:
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
    model = PhiForCausalLM(hf_config()).eval()
    assert model.lm_head.weight is not model.model.embed_tokens.weight
    assert model.model.layers[0].self_attn.rotary_ndims == 4
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
        logits = reference_phi(params64, tokens, hf_roundings)
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
    assert hf["logits_max_rel"] < 1e-12 and hf["grad_max_rel"] < 1e-10, "HF Phi differs from the formulas"
    assert disc["logits_max_rel"] < 1e-5 and disc["loss_abs"] < 1e-5, "float32 logits/loss drift from float64"
    assert disc["grad_max_rel_per_tensor"] < 1e-4, "float32 gradients drift from float64"
    zero = [n for n, g in ref["grads"].items() if (g == 0).any() and n != "model.embed_tokens.weight"]
    assert not zero, f"gradients with exact zeros: {zero}"

    os.makedirs(args.out, exist_ok=True)
    model.save_pretrained(args.out, safe_serialization=True)
    # save_pretrained wrote float32 safetensors under transformers' names: check it, as gscope reads it.
    reloaded = PhiForCausalLM.from_pretrained(args.out, attn_implementation="eager").eval()
    with torch.no_grad():
        same = reloaded(input_ids=tokens.long(), use_cache=False).logits
    assert torch.equal(same, ref["logits"]), "the saved directory does not reload to the same model"

    tensors = {"tokens": tokens.contiguous(), "targets": targets.contiguous(), "mask": mask.contiguous(),
               "logits": ref["logits"].contiguous(), "loss": torch.tensor([ref["loss"]], dtype=torch.float64)}
    for n, g in ref["grads"].items():
        tensors["grad." + n] = g.contiguous()
    save_file(tensors, os.path.join(args.out, "reference.safetensors"))
    meta = {
        "description": "Phi parity fixture for gscope; written by notebooks-scripts/parity/phi_fixture.py",
        "reference": "transformers.PhiForCausalLM, attn_implementation='eager', float32, save_pretrained",
        "transformers_version": transformers.__version__, "torch_version": torch.__version__,
        "python_version": platform.python_version(), "torch_num_threads": 1, "seed": SEED,
        "config": CONFIG, "num_parameters": n_params, "init": INIT, "parameter_order": layout_names(),
        "batch": {"B": B, "T": T, "question_positions": QUESTION, "lengths": LENGTH,
                  "mask": "1 for question_positions[r] <= t < lengths[r], else 0",
                  "padding": "token 0, target -1, mask 0 at t >= lengths[r]"},
        "loss": "sum(mask * -log_softmax(logits)[target]) / sum(mask)",
        "float32_vs_exact_float64_formulas": disc, "formulas_vs_huggingface_float64": formulas,
        "note": ("Hugging Face's Phi forms RoPE angles and takes the attention softmax in float32 even in a "
                 "float64 model; the formulas match it to rounding once those roundings are reproduced"),
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {args.out} ({total} bytes)")


if __name__ == "__main__":
    main()
