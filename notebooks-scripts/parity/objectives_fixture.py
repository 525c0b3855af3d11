"""Writes the unlearning-objectives parity fixture Tests/Fixtures/parity/objectives/ (PyTorch reference).

Run from the repository root (needs torch and safetensors; a few seconds on one thread):

    python3 notebooks-scripts/parity/objectives_fixture.py            # writes Tests/Fixtures/parity/objectives/
    python3 notebooks-scripts/parity/objectives_fixture.py --out DIR  # somewhere else

The output is deterministic (fixed seed, one thread): rerunning it reproduces the committed files
byte for byte on the same torch version. The format is a contract with the Swift side; it is
described in notebooks-scripts/parity/README.md and, with every hyper-parameter, in meta.json.

- config.json + model.safetensors: the current model θ (n_layer 2, n_head 2, n_embd 16, vocab 32,
  block 16), random non-trivial parameters as in gpt_fixture.py.
- reference/config.json + reference/model.safetensors: the reference model θ_o = θ + 0.05·N(0, 1).
- batches.safetensors: the views forget, refusal, retain (tokens, targets, mask) and rmu.u.
- reference.safetensors: per case the float32 loss, the gradient of every parameter, the gradient
  w.r.t. each used view's logits (or hidden state for RMU/RR) and, for npo, simnpo, wga, tnpo and
  idkdpo, the analytic token weights.
- meta.json: set-up, hyper-parameters, losses, float32-vs-float64 discrepancies, token-weight checks.

Every case is recomputed in float64 (both models in double) and the float32 reference is checked
against it; the token weights are checked against autograd.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_fixture import INIT, canonicalize_metadata, init_parameters, max_rel  # noqa: E402
from gpt_torch import GPT, GPTConfig, save_checkpoint  # noqa: E402

from safetensors.torch import save_file  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Tests", "Fixtures", "parity", "objectives")

SEED = 2718
CONFIG = GPTConfig(n_layer=2, n_head=2, n_embd=16, vocab_size=32, block_size=16)
REF_NOISE_STD = 0.05  # θ_o = θ + REF_NOISE_STD · N(0, 1), every parameter
B, T = 3, 12
PAD_TOKEN, PAD_TARGET = 0, -1
# Row r: positions < question[r] have mask 0 (the "question"); positions >= length[r] are padding
# (token 0, target -1, mask 0); mask 1 on question[r] <= t < length[r].
VIEWS = {
    "forget": {"question": [3, 5, 2], "length": [T, 9, T]},
    "refusal": {"question": [3, 5, 2], "length": [T, T, 8]},
    "retain": {"question": [4, 2, 3], "length": [10, T, T]},
}
HP = {
    "wga": {"alpha": 1.0},
    "npo": {"beta": 0.5},
    "simnpo": {"beta": 2.5, "gamma": 0.5},
    "tnpo": {"beta": 4.0, "eps": 1e-5},
    "wtnpo": {"beta": 4.0, "alpha": 1.5},
    "satimp": {"beta1": 5.0, "beta2": 1.0},
    "idkdpo": {"beta": 0.1},
    "rmu": {"layer": 1, "c": 2.0},
    "undial": {"beta": 10.0},
    "rr": {"layer": 1},
    "npo+kl": {"forget": "npo", "retain": "kl", "forget_weight": 1.0, "retain_weight": 1.0},
    "ga+gd": {"forget": "ga", "retain": "gd", "forget_weight": 1.0, "retain_weight": 2.0},
}
# case -> (views whose logits the loss uses, views whose hidden state after block `layer` it uses)
CASES = {
    "ga": (["forget"], []),
    "wga": (["forget"], []),
    "npo": (["forget"], []),
    "simnpo": (["forget"], []),
    "tnpo": (["forget"], []),
    "wtnpo": (["forget"], []),
    "satimp": (["forget"], []),
    "po": (["refusal"], []),
    "idkdpo": (["refusal", "forget"], []),
    "rmu": ([], ["forget"]),
    "undial": (["forget"], []),
    "gd": (["retain"], []),
    "kl": (["retain"], []),
    "rr": ([], ["retain"]),
    "npo+kl": (["forget", "retain"], []),
    "ga+gd": (["forget", "retain"], []),
}
TOKEN_WEIGHT_CASES = ["npo", "simnpo", "wga", "tnpo", "idkdpo"]
FORMULAS = {
    "notation": ("per view: lp[b,t] = log_softmax(logits[b,t])[target[b,t]] (0 where target is -1), m = mask, "
                 "p = exp(lp); l_b = -sum_t m*lp, n_b = sum_t m, S = rows (3), N = sum_b n_b; subscript o: "
                 "from theta_o under no_grad; sg = detach; view 'forget' unless stated"),
    "ga": "L = (1/N) sum m*lp",
    "wga": "L = (1/N) sum m*sg(p^alpha)*lp",
    "npo": "L = -(2/beta)(1/S) sum_b logsigmoid(beta*(l_b - l_o,b))",
    "simnpo": "L = -(2/beta)(1/S) sum_b logsigmoid(beta*l_b/n_b - gamma)",
    "tnpo": "w = sg(2 p^beta / (p^beta + p_o^beta + eps)); L = (1/N) sum m*w*lp",
    "wtnpo": "w = sg(2 p^(beta+alpha) / (p^beta + p_o^beta)); L = (1/N) sum m*w*lp",
    "satimp": "w = sg(p^beta1 (1-p)^beta2); L = (1/N) sum m*w*lp",
    "po": "view refusal: L = -(1/N_refusal) sum m*lp",
    "idkdpo": ("y_w = view refusal, y_l = view forget: z_b = beta*[(l_o(y_w) - l(y_w)) - (l_o(y_l) - l(y_l))]; "
               "L = -(2/beta)(1/S) sum_b logsigmoid(z_b)"),
    "rmu": ("h = residual stream after block `layer` (output of h.{layer}, before ln_f) on view forget; "
            "L = (1/N) sum_{b,t} m * (1/C) sum_c (h - c*u)^2, u = rmu.u"),
    "undial": "q = softmax(sg(logits_o) - beta*onehot(target)); L = (1/N) sum_{b,t} m * (-sum_v q_v log_softmax(logits)_v)",
    "gd": "view retain: L = -(1/N_r) sum m*lp",
    "kl": "view retain: L = (1/N_r) sum_{b,t} m * sum_v p_o,v (log p_o,v - log p_v) (full vocabulary)",
    "rr": "view retain: L = (1/N_r) sum_{b,t} m * sum_c (h - h_o)^2, h after block `layer`",
    "npo+kl": "L = 1.0*npo (view forget) + 1.0*kl (view retain), one forward pass per view",
    "ga+gd": "L = 1.0*ga (view forget) + 2.0*gd (view retain), one forward pass per view",
}
TOKEN_WEIGHT_FORMULAS = {
    "definition": ("w[b,t] with grad_theta L(forget term) = sum_{b,t} w[b,t] * grad_theta lp[b,t]; "
                   "checked against autograd of sum sg(w)*lp"),
    "ga": "m / N (checked only, not stored)",
    "wga": "m * p^alpha / N",
    "npo": "m * (1/S) * 2 p_b^beta / (p_b^beta + p_o,b^beta) = m * (2/S) * sigmoid(-beta*(l_b - l_o,b)), p_b = exp(-l_b)",
    "simnpo": "m * (2/(S*n_b)) * sigmoid(gamma - beta*l_b/n_b)",
    "tnpo": "m * w / N",
    "idkdpo": "view forget: +(2/S) sigmoid(-z_b) * m; view refusal: -(2/S) sigmoid(-z_b) * m",
}


# --- set-up ------------------------------------------------------------------------------------


def make_view(gen: torch.Generator, spec: dict, prefix: torch.Tensor | None = None):
    """tokens (int64), targets (int64), mask (float32), and the underlying (B, T+1) sequence."""
    seq = torch.randint(1, CONFIG.vocab_size, (B, T + 1), generator=gen)
    if prefix is not None:  # the same question: the first question[r] tokens of `prefix`
        for r in range(B):
            q = spec["question"][r]
            seq[r, :q] = prefix[r, :q]
    tokens = seq[:, :T].clone()
    targets = seq[:, 1:].clone()
    mask = torch.zeros(B, T, dtype=torch.float32)
    for r in range(B):
        q, n = spec["question"][r], spec["length"][r]
        mask[r, q:n] = 1.0
        tokens[r, n:] = PAD_TOKEN
        targets[r, n:] = PAD_TARGET
    return tokens, targets, mask, seq


def forward(model: GPT, tokens: torch.Tensor, layer: int | None = None):
    """logits (B,T,V) and the residual stream after block `layer` (None if layer is None)."""
    Tn = tokens.shape[1]
    x = model.wte(tokens) + model.wpe(torch.arange(Tn))
    hidden = None
    for i, block in enumerate(model.h):
        x = block(x)
        if i == layer:
            hidden = x
    logits = model.ln_f(x) @ model.wte.weight.t()
    return logits, hidden


def token_logp(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """lp[b,t] = log_softmax(logits)[target], 0 where target is -1."""
    valid = targets >= 0
    lp = torch.log_softmax(logits, dim=-1).gather(-1, targets.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    return torch.where(valid, lp, torch.zeros_like(lp))


# --- the cases ---------------------------------------------------------------------------------


class Views:
    """Batches in one dtype, the reference model's outputs (no_grad), and fresh forward passes of θ."""

    def __init__(self, model: GPT, ref_model: GPT, batches: dict, u: torch.Tensor, dtype: torch.dtype):
        self.model, self.dtype = model, dtype
        self.b = {v: (t, y, m.to(dtype)) for v, (t, y, m) in batches.items()}
        self.u = u.to(dtype)
        self.ref = {}
        with torch.no_grad():
            for v, (t, y, m) in self.b.items():
                logits_o, h_o = forward(ref_model, t, HP["rr"]["layer"])  # h_o: only RR uses it
                lp_o = token_logp(logits_o, y)
                self.ref[v] = {"logits": logits_o, "hidden": h_o, "lp": lp_o, "ell": -(m * lp_o).sum(1)}

    def run(self, view: str, layer: int | None = None):
        t, y, m = self.b[view]
        logits, hidden = forward(self.model, t, layer)
        lp = token_logp(logits, y)
        return {"logits": logits, "hidden": hidden, "lp": lp, "m": m, "targets": y,
                "N": m.sum(), "n": m.sum(1), "ell": -(m * lp).sum(1)}


def forget_term(name: str, V: Views, out: dict):
    """Loss and analytic token weights {view: w} (None where not defined) of a forget-side case."""
    f = V.run("forget")
    out["forget"] = f
    lp, m, N, S = f["lp"], f["m"], f["N"], B
    o = V.ref["forget"]
    if name == "ga":
        return (m * lp).sum() / N, {"forget": m / N}
    if name == "wga":
        w = lp.detach().exp() ** HP["wga"]["alpha"]
        return (m * w * lp).sum() / N, {"forget": m * w / N}
    if name == "npo":
        beta = HP["npo"]["beta"]
        d = f["ell"] - o["ell"]
        loss = -(2 / beta) * F.logsigmoid(beta * d).sum() / S
        w = (2 / S) * torch.sigmoid(-beta * d.detach())
        return loss, {"forget": m * w[:, None]}
    if name == "simnpo":
        beta, gamma = HP["simnpo"]["beta"], HP["simnpo"]["gamma"]
        a = beta * f["ell"] / f["n"] - gamma
        loss = -(2 / beta) * F.logsigmoid(a).sum() / S
        w = 2 / (S * f["n"]) * torch.sigmoid(-a.detach())
        return loss, {"forget": m * w[:, None]}
    if name == "tnpo":
        beta, eps = HP["tnpo"]["beta"], HP["tnpo"]["eps"]
        pb, pob = lp.detach().exp() ** beta, o["lp"].exp() ** beta
        w = 2 * pb / (pb + pob + eps)
        return (m * w * lp).sum() / N, {"forget": m * w / N}
    if name == "wtnpo":
        beta, alpha = HP["wtnpo"]["beta"], HP["wtnpo"]["alpha"]
        p, po = lp.detach().exp(), o["lp"].exp()
        w = 2 * p ** (beta + alpha) / (p ** beta + po ** beta)
        return (m * w * lp).sum() / N, None
    if name == "satimp":
        b1, b2 = HP["satimp"]["beta1"], HP["satimp"]["beta2"]
        p = lp.detach().exp()
        w = p ** b1 * (1 - p) ** b2
        return (m * w * lp).sum() / N, None
    if name == "undial":
        beta = HP["undial"]["beta"]
        onehot = F.one_hot(f["targets"].clamp_min(0), CONFIG.vocab_size).to(V.dtype)
        q = torch.softmax(o["logits"] - beta * onehot, dim=-1)
        ce = -(q * torch.log_softmax(f["logits"], dim=-1)).sum(-1)
        return (m * ce).sum() / N, None
    raise KeyError(name)


def retain_term(name: str, V: Views, out: dict):
    layer = HP["rr"]["layer"] if name == "rr" else None
    r = V.run("retain", layer)
    out["retain"] = r
    m, N = r["m"], r["N"]
    o = V.ref["retain"]
    if name == "gd":
        return -(m * r["lp"]).sum() / N
    if name == "kl":
        logp_o = torch.log_softmax(o["logits"], dim=-1)
        kl = (logp_o.exp() * (logp_o - torch.log_softmax(r["logits"], dim=-1))).sum(-1)
        return (m * kl).sum() / N
    if name == "rr":
        return (m * ((r["hidden"] - o["hidden"]) ** 2).sum(-1)).sum() / N
    raise KeyError(name)


def case_loss(name: str, V: Views):
    """(loss, {view: forward outputs}, token weights {view: w} or None)."""
    out = {}
    if name in ("ga", "wga", "npo", "simnpo", "tnpo", "wtnpo", "satimp", "undial"):
        loss, tw = forget_term(name, V, out)
        return loss, out, tw
    if name in ("gd", "kl", "rr"):
        return retain_term(name, V, out), out, None
    if name == "po":
        r = V.run("refusal")
        out["refusal"] = r
        return -(r["m"] * r["lp"]).sum() / r["N"], out, None
    if name == "idkdpo":
        beta = HP["idkdpo"]["beta"]
        w_, l_ = V.run("refusal"), V.run("forget")
        out["refusal"], out["forget"] = w_, l_
        z = beta * ((V.ref["refusal"]["ell"] - w_["ell"]) - (V.ref["forget"]["ell"] - l_["ell"]))
        loss = -(2 / beta) * F.logsigmoid(z).sum() / B
        s = (2 / B) * torch.sigmoid(-z.detach())
        # (+ 0.0 turns the -0.0 of masked positions into +0.0)
        return loss, out, {"forget": s[:, None] * l_["m"], "refusal": -s[:, None] * w_["m"] + 0.0}
    if name == "rmu":
        layer, c = HP["rmu"]["layer"], HP["rmu"]["c"]
        f = V.run("forget", layer)
        out["forget"] = f
        per = ((f["hidden"] - c * V.u) ** 2).mean(-1)  # (1/C) sum_c
        return (f["m"] * per).sum() / f["N"], out, None
    if name in ("npo+kl", "ga+gd"):
        hp = HP[name]
        fl, tw = forget_term(hp["forget"], V, out)
        rl = retain_term(hp["retain"], V, out)
        return hp["forget_weight"] * fl + hp["retain_weight"] * rl, out, None
    raise KeyError(name)


def compute_case(name: str, model: GPT, ref_model: GPT, batches: dict, u: torch.Tensor, dtype: torch.dtype):
    V = Views(model, ref_model, batches, u, dtype)
    loss, out, tw = case_loss(name, V)
    logit_views, hidden_views = CASES[name]
    params = list(model.named_parameters())
    wrt = [p for _, p in params] + [out[v]["logits"] for v in logit_views] + [out[v]["hidden"] for v in hidden_views]
    # ln_f is unreachable from the RMU/RR losses: its gradient is an explicit zero tensor.
    grads = torch.autograd.grad(loss, wrt, allow_unused=True, materialize_grads=True)
    k = len(params)
    res = {
        "loss": loss.item(),
        "grads": {n: g.detach() for (n, _), g in zip(params, grads[:k])},
        "dlogits": {v: g.detach() for v, g in zip(logit_views, grads[k:k + len(logit_views)])},
        "dhidden": {v: g.detach() for v, g in zip(hidden_views, grads[k + len(logit_views):])},
        "token_weights": None,
    }
    if tw is not None:
        tw = {v: w.detach() for v, w in tw.items()}
        res["token_weights"] = tw
        # Σ sg(w)·lp, on fresh forward passes: its gradient must equal the case's.
        surrogate = sum((tw[v] * V.run(v)["lp"]).sum() for v in tw)
        sg = torch.autograd.grad(surrogate, [p for _, p in params])
        res["surrogate_grads"] = {n: g.detach() for (n, _), g in zip(params, sg)}
        # and dlogits = w * (onehot(target) - softmax(logits)) on every view with token weights
        res["dlogits_from_weights"] = {}
        for v, w in tw.items():
            t, y, _ = V.b[v]
            probs = torch.softmax(out[v]["logits"].detach(), dim=-1)
            onehot = F.one_hot(y.clamp_min(0), CONFIG.vocab_size).to(dtype)
            res["dlogits_from_weights"][v] = w[..., None] * (onehot - probs)
    return res


# --- checks ------------------------------------------------------------------------------------


def flat(d: dict) -> torch.Tensor:
    return torch.cat([g.double().reshape(-1) for g in d.values()])


def compare(a: dict, b: dict) -> dict:
    """a against the reference b (dicts name -> tensor): worst per-tensor max_rel, global relative error."""
    per = {n: max_rel(a[n], b[n]) for n in b}
    worst = max(per, key=per.get)
    fa, fb = flat(a), flat(b)
    return {"max_rel_per_tensor": per[worst], "max_rel_tensor": worst,
            "global_rel": ((fa - fb).norm() / fb.norm()).item()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)  # reproducible float32 sums
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    # Draw order (one generator): θ, θ_o noise, forget, refusal, retain, rmu.u.
    model = GPT(CONFIG)
    init_parameters(model, gen)
    ref_model = copy.deepcopy(model)
    with torch.no_grad():
        for _, p in ref_model.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen) * REF_NOISE_STD)
    ft, fy, fm, fseq = make_view(gen, VIEWS["forget"])
    rt, ry, rm, rseq = make_view(gen, VIEWS["refusal"], prefix=fseq)
    tt, ty, tm, _ = make_view(gen, VIEWS["retain"])
    u = torch.rand(CONFIG.n_embd, generator=gen)
    batches = {"forget": (ft, fy, fm), "refusal": (rt, ry, rm), "retain": (tt, ty, tm)}
    for r in range(B):
        q = VIEWS["forget"]["question"][r]
        assert torch.equal(rt[r, :q], ft[r, :q]) and not torch.equal(rseq[r, q:], fseq[r, q:])
    for v, (t, y, m) in batches.items():
        assert ((y == PAD_TARGET) <= (m == 0)).all(), f"{v}: target -1 where mask is 1"

    # The explicit forward equals GPT.forward.
    with torch.no_grad():
        assert torch.equal(forward(model, ft)[0], model(ft))

    model64, ref64 = copy.deepcopy(model).double(), copy.deepcopy(ref_model).double()

    tensors: dict[str, torch.Tensor] = {}
    cases_meta: dict[str, dict] = {}
    results32 = {}
    print(f"config {CONFIG}, {model.num_parameters()} parameters")
    for name in CASES:
        r32 = compute_case(name, model, ref_model, batches, u, torch.float32)
        r64 = compute_case(name, model64, ref64, batches, u, torch.float64)
        results32[name] = r32
        for x in [r32["loss"]] + [g for g in r32["grads"].values()]:
            assert torch.isfinite(torch.as_tensor(x)).all(), f"{name}: non-finite value"
        g32, g64 = flat(r32["grads"]), flat(r64["grads"])
        n32, n64 = g32.norm().item(), g64.norm().item()
        disc = {
            "loss_float32": r32["loss"],
            "loss_float64": r64["loss"],
            "loss_rel": abs(r32["loss"] - r64["loss"]) / abs(r64["loss"]),
            "grad_norm_float64": n64,
            "grad_norm_rel": abs(n32 - n64) / n64,
            **{"grad_" + k: v for k, v in compare(r32["grads"], r64["grads"]).items()},
        }
        for kind in ("dlogits", "dhidden"):
            for v in r32[kind]:
                disc[f"{kind}_{v}_max_rel"] = max_rel(r32[kind][v], r64[kind][v])
        meta_case = {"loss": r32["loss"], "logit_views": CASES[name][0], "hidden_views": CASES[name][1],
                     "grad_norm": n32, "float32_vs_float64": disc}
        if r32["token_weights"] is not None:
            tw32, tw64 = r32["token_weights"], r64["token_weights"]
            meta_case["token_weight_check"] = {
                "float32": compare(r32["surrogate_grads"], r32["grads"]),
                "float64": compare(r64["surrogate_grads"], r64["grads"]),
                "float32_vs_float64": {v: max_rel(tw32[v], tw64[v]) for v in tw32},
                "dlogits_equal_w_times_onehot_minus_softmax_max_rel": {
                    v: max_rel(r64["dlogits_from_weights"][v], r64["dlogits"][v]) for v in tw64},
            }
            meta_case["token_weight_sum"] = {v: tw32[v].double().sum().item() for v in tw32}
        cases_meta[name] = meta_case

        tensors[f"{name}.loss"] = torch.tensor([r32["loss"]], dtype=torch.float64)
        for n, g in r32["grads"].items():
            tensors[f"{name}.grad.{n}"] = g.contiguous()
        for v, g in r32["dlogits"].items():
            tensors[f"{name}.dlogits.{v}"] = g.contiguous()
        for v, g in r32["dhidden"].items():
            tensors[f"{name}.dhidden.{v}"] = g.contiguous()
        if name in TOKEN_WEIGHT_CASES:
            for v, w in r32["token_weights"].items():
                tensors[f"{name}.token_weights.{v}"] = w.to(torch.float32).contiguous()

        line = (f"{name:7s} loss {r32['loss']: .9e}  |g| {n32:.4e}  loss_rel {disc['loss_rel']:.1e}  "
                f"gnorm_rel {disc['grad_norm_rel']:.1e}  g_maxrel {disc['grad_max_rel_per_tensor']:.1e}")
        if "token_weight_check" in meta_case:
            line += f"  tw_check {meta_case['token_weight_check']['float32']['max_rel_per_tensor']:.1e}"
        print(line)

        # Conditioning: float32 must track float64 closely, and the token weights must be exact.
        assert disc["loss_rel"] < 1e-5, f"{name}: float32 loss drifts from float64"
        assert disc["grad_norm_rel"] < 1e-5 and disc["grad_global_rel"] < 1e-5, f"{name}: gradient drift"
        assert disc["grad_max_rel_per_tensor"] < 1e-4, f"{name}: per-tensor gradient drift"
        for k, v in disc.items():
            if k.startswith(("dlogits", "dhidden")):
                assert v < 1e-5, f"{name}: {k} = {v}"
        if "token_weight_check" in meta_case:
            assert meta_case["token_weight_check"]["float32"]["max_rel_per_tensor"] < 1e-5, name
            assert meta_case["token_weight_check"]["float64"]["max_rel_per_tensor"] < 1e-12, name
            assert max(meta_case["token_weight_check"]["dlogits_equal_w_times_onehot_minus_softmax_max_rel"].values()) < 1e-12, name

    # Combinations: the sum of the separate terms (separate forward passes, so float32 rounding only).
    combo_check = {}
    for name in ("npo+kl", "ga+gd"):
        hp = HP[name]
        a, b = results32[hp["forget"]], results32[hp["retain"]]
        summed = {n: hp["forget_weight"] * a["grads"][n] + hp["retain_weight"] * b["grads"][n] for n in a["grads"]}
        combo_check[name] = {
            "loss_abs": abs(results32[name]["loss"] - (hp["forget_weight"] * a["loss"] + hp["retain_weight"] * b["loss"])),
            **compare(results32[name]["grads"], summed),
        }
        assert combo_check[name]["max_rel_per_tensor"] < 1e-5, name
    # Parameters that a case cannot reach have exactly zero gradient (RMU/RR: ln_f; every case:
    # wpe rows >= T); everything else is non-zero somewhere.
    for name, r in results32.items():
        assert (r["grads"]["wpe.weight"][T:] == 0).all()
        zero = {n for n, g in r["grads"].items() if (g == 0).all()}
        expect = {"ln_f.weight", "ln_f.bias"} if name in ("rmu", "rr") else set()
        assert zero == expect, f"{name}: all-zero gradients {zero}"

    # --- files ---------------------------------------------------------------------------------
    os.makedirs(args.out, exist_ok=True)
    save_checkpoint(model, args.out)
    canonicalize_metadata(os.path.join(args.out, "model.safetensors"))
    ref_dir = os.path.join(args.out, "reference")
    save_checkpoint(ref_model, ref_dir)
    canonicalize_metadata(os.path.join(ref_dir, "model.safetensors"))

    bt = {}
    for v, (t, y, m) in batches.items():
        bt[f"{v}.tokens"] = t.to(torch.int64).contiguous()
        bt[f"{v}.targets"] = y.to(torch.int64).contiguous()
        bt[f"{v}.mask"] = m.to(torch.float32).contiguous()
    bt["rmu.u"] = u.contiguous()
    save_file(bt, os.path.join(args.out, "batches.safetensors"))
    save_file(tensors, os.path.join(args.out, "reference.safetensors"))

    meta = {
        "description": ("Unlearning-objectives parity fixture for gscope; written by "
                        "notebooks-scripts/parity/objectives_fixture.py"),
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "torch_num_threads": 1,
        "seed": SEED,
        "config": {"n_layer": CONFIG.n_layer, "n_head": CONFIG.n_head, "n_embd": CONFIG.n_embd,
                   "vocab_size": CONFIG.vocab_size, "block_size": CONFIG.block_size},
        "num_parameters": model.num_parameters(),
        "setup": {
            "generator": ("one torch.Generator seeded with `seed`, drawn in this order: theta "
                          "(gpt_fixture.init_parameters, named_parameters order), theta_o noise (randn per "
                          "parameter, same order), forget, refusal, retain (each randint(1, vocab) of shape "
                          "(B, T+1)), rmu.u (rand(n_embd))"),
            "init": INIT,
            "theta": "config.json + model.safetensors",
            "theta_o": f"reference/config.json + reference/model.safetensors: theta + {REF_NOISE_STD} * N(0, 1) on every parameter",
            "B": B, "T": T, "pad_token": PAD_TOKEN, "pad_target": PAD_TARGET,
            "views": VIEWS,
            "view_rules": ("seq = randint(1, vocab, (B, T+1)); tokens = seq[:, :T], targets = seq[:, 1:]; "
                           "mask[r,t] = 1 for question[r] <= t < length[r]; positions t >= length[r]: token 0, "
                           "target -1, mask 0 (the last real position keeps its target seq[r, length[r]]); "
                           "refusal: seq[r, :question[r]] copied from forget's (same question, different answer)"),
            "mask_totals": {v: int(m.sum().item()) for v, (_, _, m) in batches.items()},
            "rmu_u": "rmu.u in batches.safetensors: float32 [n_embd], U[0, 1)",
        },
        "hyper_parameters": HP,
        "formulas": FORMULAS,
        "token_weight_formulas": TOKEN_WEIGHT_FORMULAS,
        "tensors": {
            "batches.safetensors": "<view>.tokens int64 [B,T], <view>.targets int64 [B,T], <view>.mask float32 [B,T] for view in forget, refusal, retain; rmu.u float32 [n_embd]",
            "reference.safetensors": ("<case>.loss float64 [1] (the float32 loss); <case>.grad.<param> float32 (every "
                                      "parameter); <case>.dlogits.<view> float32 [B,T,V] for each view in logit_views; "
                                      "<case>.dhidden.<view> float32 [B,T,C] for each view in hidden_views; "
                                      "<case>.token_weights.<view> float32 [B,T] for npo, simnpo, wga, tnpo (view forget) "
                                      "and idkdpo (views forget, refusal)"),
        },
        "dtype": "float32 (float64 recomputation with both models in double is only a check)",
        "cases": cases_meta,
        "combination_check": combo_check,
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    total = 0
    for root, _, files in os.walk(args.out):
        total += sum(os.path.getsize(os.path.join(root, n)) for n in files)
    print(f"wrote {args.out} ({len(tensors)} reference tensors, {total} bytes)")


if __name__ == "__main__":
    main()
