"""Writes the parity fixture of SimNPO's reference Markov model, Tests/Fixtures/parity/markov-reference/.

Run from the repository root (needs torch and safetensors; a second on one thread):

    python3 notebooks-scripts/parity/markov_reference_fixture.py            # writes Tests/Fixtures/parity/markov-reference/
    python3 notebooks-scripts/parity/markov_reference_fixture.py --out DIR  # somewhere else

The reference is `ReferenceMarkovTransformer` below: the model of the public code of "Simplicity
Prevails: Rethinking Negative Preference Optimization for LLM Unlearning" (OPTML-Group/Unlearn-Simple,
`synthetic_simnpo/model.py`, classes `TransformerModel` and `DecoderTransformerBackbone`), written
again here module for module, with the same parameter names (its `state_dict` keys) and the same
operations in the same order:

    H = embedding(x) + wpe(positions)
    for each block:  H = H + softmax(q(H) k(H)^T / sqrt(n_embd) + mask) v(H)     (one head, no bias,
                     H = ln_1(H)                                                   no output projection)
                     H = ln_2(H + mlp(H)),   mlp = Linear -> ReLU -> Linear
    logits = output_layer(H)                                                       (no final LayerNorm)

`mask` is the public code's: 1 on visible positions (j <= t) and -inf above the diagonal, added to
the scores; the +1 shifts every visible score of a row alike and so leaves the softmax unchanged.
The public code builds the backbone with a `transformers.GPT2Config` only to carry the sizes
(`n_head` and the dropouts are never used) and re-initialises the positions with
`normal_(0, initializer_range)`, GPT-2's 0.02; everything else has PyTorch's default
initialisation.

The script checks that the model of the paper's size (10 states, 19 positions, 4 blocks of 128)
has 335,754 parameters, then writes, for a small model of the same kind (3 blocks of 20, 10
states, 19 positions; odd sizes for the SIMD tails of gscope's kernels):

- config.json, model.safetensors: a gscope checkpoint (`"model_type": "markov-reference"`, the
  tensors under the public code's names, float32), which `Checkpoint.loadModel` reads as it is;
- reference.safetensors: a batch of Markov-shaped rows (tokens, targets, mask; right padding with
  input 0, target -1, mask 0, as the public code's `ignore_index` -100), the float32 logits, the
  loss (the token mean of the cross entropy over the mask), every parameter gradient
  (`grad.<name>`), every block's output (`hidden.<l>`), a direction in parameter space
  (`direction.<name>`) and the forward-mode derivative of the logits along it (`jvp.logits`,
  torch.func.jvp);
- meta.json: versions, sizes, the initialisation, float32-vs-float64 discrepancies.

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
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file
from torch.func import functional_call, jvp

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(REPO, "Tests", "Fixtures", "parity", "markov-reference")

SEED = 1919
PAPER = {"n_layer": 4, "n_embd": 128, "vocab_size": 10, "n_positions": 19}
PAPER_PARAMETERS = 335_754
CONFIG = {"n_layer": 3, "n_embd": 20, "vocab_size": 10, "n_positions": 19, "layer_norm_eps": 1e-5}
B, T = 3, 19
# Row lengths (inputs): a sequence of 20 states, one of 5 (experiment A's forget2), one of 13.
LENGTH = [19, 4, 12]
INIT = {
    "linear": "PyTorch's default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases",
    "embedding": "N(0, 1), PyTorch's default",
    "positions": "N(0, 0.3^2) (the public code's 0.02, raised so that the positions' gradients are seen)",
    "layernorm": "weight 1 + N(0, 0.1^2), bias N(0, 0.1^2) (PyTorch's 1 and 0, moved so that both are seen)",
}


class ReferenceBackbone(nn.Module):
    """The public code's `DecoderTransformerBackbone` with layernorm, mlp and positions on."""

    def __init__(self, n_layer: int, n_embd: int, n_positions: int, eps: float, position_std: float = 0.02):
        super().__init__()
        self.n_embd = n_embd
        self.wpe = nn.Embedding(n_positions, n_embd)
        self.wpe.weight.data.normal_(mean=0.0, std=position_std)
        self._queries = nn.ModuleList([nn.Linear(n_embd, n_embd, bias=False) for _ in range(n_layer)])
        self._keys = nn.ModuleList([nn.Linear(n_embd, n_embd, bias=False) for _ in range(n_layer)])
        self._values = nn.ModuleList([nn.Linear(n_embd, n_embd, bias=False) for _ in range(n_layer)])
        self._lns_1 = nn.ModuleList([nn.LayerNorm(n_embd, eps=eps) for _ in range(n_layer)])
        self._mlps = nn.ModuleList([
            nn.Sequential(nn.Linear(n_embd, n_embd), nn.ReLU(), nn.Linear(n_embd, n_embd)) for _ in range(n_layer)
        ])
        self._lns_2 = nn.ModuleList([nn.LayerNorm(n_embd, eps=eps) for _ in range(n_layer)])

    def forward(self, embeds: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        n = embeds.shape[1]
        positions = torch.arange(n, dtype=torch.long).unsqueeze(0).expand(embeds.shape[0], n)
        h = embeds + self.wpe(positions)
        visible = torch.tril(torch.ones(n, n, dtype=h.dtype)).unsqueeze(0)
        mask = visible.masked_fill(visible == 0, float("-inf"))  # 1 where j <= t, -inf above
        hidden = []
        for q, k, v, ln1, mlp, ln2 in zip(self._queries, self._keys, self._values, self._lns_1, self._mlps, self._lns_2):
            scores = q(h) @ k(h).transpose(-2, -1) / math.sqrt(self.n_embd) + mask
            h = ln1(h + F.softmax(scores, dim=-1) @ v(h))
            h = ln2(h + mlp(h))
            hidden.append(h)
        return h, hidden


class ReferenceMarkovTransformer(nn.Module):
    """The public code's `TransformerModel`: embedding, backbone, untied `output_layer` with bias."""

    def __init__(self, n_layer: int, n_embd: int, vocab_size: int, n_positions: int, eps: float = 1e-5,
                 position_std: float = 0.02):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, n_embd)
        self.transformer = ReferenceBackbone(n_layer, n_embd, n_positions, eps, position_std)
        self.output_layer = nn.Linear(n_embd, vocab_size)

    def forward(self, tokens: torch.Tensor, with_hidden: bool = False):
        h, hidden = self.transformer(self.embedding(tokens))
        logits = self.output_layer(h)
        return (logits, hidden) if with_hidden else logits


def layout_names(n_layer: int) -> list[str]:
    """gscope's parameter order (Sources/Model/Architectures/MarkovReference/MarkovReferenceLayout.swift)."""
    names = ["embedding.weight", "transformer.wpe.weight"]
    for l in range(n_layer):
        p = "transformer."
        names += [f"{p}_queries.{l}.weight", f"{p}_keys.{l}.weight", f"{p}_values.{l}.weight",
                  f"{p}_lns_1.{l}.weight", f"{p}_lns_1.{l}.bias",
                  f"{p}_mlps.{l}.0.weight", f"{p}_mlps.{l}.0.bias", f"{p}_mlps.{l}.2.weight", f"{p}_mlps.{l}.2.bias",
                  f"{p}_lns_2.{l}.weight", f"{p}_lns_2.{l}.bias"]
    return names + ["output_layer.weight", "output_layer.bias"]


def make_batch(gen: torch.Generator):
    """Markov-shaped rows: states 0..V-1, inputs seq[:-1] and labels seq[1:], right-padded."""
    seq = torch.randint(0, CONFIG["vocab_size"], (B, T + 1), generator=gen)
    tokens, targets = seq[:, :T].clone(), seq[:, 1:].clone()
    mask = torch.zeros(B, T)
    for r in range(B):
        mask[r, :LENGTH[r]] = 1.0
        tokens[r, LENGTH[r]:] = 0
        targets[r, LENGTH[r]:] = -1
    return tokens.to(torch.int32), targets.to(torch.int32), mask


def masked_nll(logits, targets, mask):
    """sum(mask * -log softmax(logits)[target]) / sum(mask): the public code's CrossEntropyLoss with
    ignore_index on the padded labels."""
    logp = torch.log_softmax(logits, dim=-1)
    lp = logp.gather(-1, targets.long().clamp_min(0).unsqueeze(-1)).squeeze(-1)
    mask = mask.to(lp.dtype)
    return -(mask * lp).sum() / mask.sum()


def compute(model, tokens, targets, mask, names, direction) -> dict:
    model = copy.deepcopy(model)
    model.zero_grad(set_to_none=True)
    logits, hidden = model(tokens.long(), with_hidden=True)
    loss = masked_nll(logits, targets, mask)
    loss.backward()
    params = dict(model.named_parameters())
    primals = tuple(params[n].detach() for n in names)
    tangents = tuple(direction[n].to(primals[0].dtype) for n in names)

    def logits_of(*values):
        return functional_call(model, dict(zip(names, values)), (tokens.long(),))

    _, logit_tangent = jvp(logits_of, primals, tangents)
    return {"logits": logits.detach(), "loss": loss.item(), "hidden": [h.detach() for h in hidden],
            "grads": {n: params[n].grad.detach().clone() for n in names}, "jvp": logit_tangent.detach()}


def max_rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| / max |b|."""
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-300)).item()


def config_json(c: dict) -> str:
    """gscope's config.json of the model (Checkpoint.markovReferenceConfigJSON): sorted keys."""
    entries = {"layer_norm_eps": c["layer_norm_eps"], "model_type": "markov-reference", "n_embd": c["n_embd"],
               "n_layer": c["n_layer"], "n_positions": c["n_positions"], "tie_word_embeddings": False,
               "torch_dtype": "float32", "vocab_size": c["vocab_size"]}
    return json.dumps(entries, indent=2, sort_keys=True) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(SEED)

    paper = ReferenceMarkovTransformer(PAPER["n_layer"], PAPER["n_embd"], PAPER["vocab_size"], PAPER["n_positions"])
    paper_count = sum(p.numel() for p in paper.parameters())
    assert paper_count == PAPER_PARAMETERS, f"the paper's model has {paper_count} parameters, not {PAPER_PARAMETERS}"
    assert sorted(n for n, _ in paper.named_parameters()) == sorted(layout_names(PAPER["n_layer"]))

    c = CONFIG
    names = layout_names(c["n_layer"])
    model = ReferenceMarkovTransformer(c["n_layer"], c["n_embd"], c["vocab_size"], c["n_positions"],
                                       c["layer_norm_eps"]).eval()
    assert sorted(n for n, _ in model.named_parameters()) == sorted(names)
    gen = torch.Generator().manual_seed(SEED)
    params = dict(model.named_parameters())
    with torch.no_grad():
        params["transformer.wpe.weight"].copy_(torch.randn(params["transformer.wpe.weight"].shape, generator=gen) * 0.3)
        for n in names:
            if "_lns_" in n:
                base = 1.0 if n.endswith(".weight") else 0.0
                params[n].copy_(base + torch.randn(params[n].shape, generator=gen) * 0.1)
    tokens, targets, mask = make_batch(gen)
    direction = {n: torch.randn(params[n].shape, generator=gen) * 0.3 for n in names}

    ref = compute(model, tokens, targets, mask, names, direction)
    ref64 = compute(copy.deepcopy(model).double(), tokens, targets, mask, names, direction)
    grad_rel = {n: max_rel(g, ref64["grads"][n]) for n, g in ref["grads"].items()}
    worst = max(grad_rel, key=grad_rel.get)
    disc = {"logits_max_rel": max_rel(ref["logits"], ref64["logits"]), "loss_abs": abs(ref["loss"] - ref64["loss"]),
            "grad_max_rel_per_tensor": grad_rel[worst], "grad_max_rel_tensor": worst,
            "jvp_max_rel": max_rel(ref["jvp"], ref64["jvp"])}
    n_params = sum(p.numel() for p in model.parameters())
    print(f"torch {torch.__version__}; the paper's model has {paper_count} parameters; the fixture's {n_params}")
    print(f"logits std {ref['logits'].std().item():.3f}; loss {ref['loss']:.8f} (float64 {ref64['loss']:.8f}); "
          f"uniform would be {math.log(c['vocab_size']):.4f}")
    print(f"float32 vs float64: {disc}")
    assert disc["logits_max_rel"] < 1e-5 and disc["loss_abs"] < 1e-5, "float32 logits/loss drift from float64"
    assert disc["grad_max_rel_per_tensor"] < 1e-4 and disc["jvp_max_rel"] < 1e-4, "float32 derivatives drift"
    zero = [n for n, g in ref["grads"].items() if (g == 0).all()]
    assert not zero, f"gradients that are all zero: {zero}"

    os.makedirs(args.out, exist_ok=True)
    state = {n: params[n].detach().contiguous() for n in names}
    save_file(state, os.path.join(args.out, "model.safetensors"), metadata={"format": "pt", "gscope": "markov-reference"})
    with open(os.path.join(args.out, "config.json"), "w") as f:
        f.write(config_json(c))
    # The saved tensors reload into the module by name, as the public code's load_state_dict would.
    from safetensors.torch import load_file
    reloaded = ReferenceMarkovTransformer(c["n_layer"], c["n_embd"], c["vocab_size"], c["n_positions"]).eval()
    reloaded.load_state_dict(load_file(os.path.join(args.out, "model.safetensors")))
    with torch.no_grad():
        assert torch.equal(reloaded(tokens.long()), ref["logits"]), "the checkpoint does not reload to the same model"

    tensors = {"tokens": tokens.contiguous(), "targets": targets.contiguous(), "mask": mask.contiguous(),
               "logits": ref["logits"].contiguous(), "loss": torch.tensor([ref["loss"]], dtype=torch.float64),
               "jvp.logits": ref["jvp"].contiguous()}
    for l, h in enumerate(ref["hidden"]):
        tensors[f"hidden.{l}"] = h.contiguous()
    for n in names:
        tensors["grad." + n] = ref["grads"][n].contiguous()
        tensors["direction." + n] = direction[n].contiguous()
    save_file(tensors, os.path.join(args.out, "reference.safetensors"))
    meta = {
        "description": "parity fixture of SimNPO's reference Markov model for gscope; "
                       "written by notebooks-scripts/parity/markov_reference_fixture.py",
        "reference": "ReferenceMarkovTransformer: OPTML-Group/Unlearn-Simple synthetic_simnpo/model.py written again, "
                     "float32, eval mode",
        "torch_version": torch.__version__, "python_version": platform.python_version(), "torch_num_threads": 1,
        "seed": SEED, "config": CONFIG, "num_parameters": n_params,
        "paper_config": PAPER, "paper_num_parameters": paper_count, "init": INIT, "parameter_order": names,
        "batch": {"B": B, "T": T, "lengths": LENGTH,
                  "padding": "token 0, target -1, mask 0 at t >= lengths[r]"},
        "loss": "sum(mask * -log_softmax(logits)[target]) / sum(mask)",
        "direction": "N(0, 0.3^2) per coordinate; jvp.logits = d logits(theta + eps*direction)/d eps at 0",
        "float32_vs_float64": disc,
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(f"wrote {args.out} ({total} bytes)")


if __name__ == "__main__":
    main()
