#!/usr/bin/env python3
"""Which feature of gscope's Markov GPT makes NPO forget SimNPO's short forget2 fast? (issue 19, item 5)

SimNPO's experiment A (REFERENCE §4) with one architectural feature changed at a time, between the
public code's post-LN model (`markov_reference_fixture.py`, gscope's `--model markov-reference`)
and gscope's pre-LN Markov GPT (`gscope train --markov A`: GPT-2 with 4 blocks of 128, 4 heads):

    prenorm     LayerNorm before attention and MLP (x + f(ln(x))) and a final LayerNorm, instead of
                after each residual (ln(x + f(x)))
    tied        the head is the token embedding (no head bias) instead of an untied biased head
    attention   4 heads, q/k/v with biases and an output projection, instead of one head over the
                whole width without biases or projection
    mlp         C -> 4C -> C with GELU (tanh), instead of C -> C -> C with ReLU
    init        GPT-2's initialisation (weights N(0, 0.02²), residual projections N(0, 0.02²/2L),
                biases 0), instead of PyTorch's default (embedding N(0, 1), linear layers
                U(±1/√fan_in), positions N(0, 0.02²)); its two halves apart:
      init-embedding  only the token embedding N(0, 0.02²)
      init-layers     all but the token embedding as GPT-2 initialises them

Variants: `reference` (none), `+F` (the reference with F), `gpt` (all five), `gpt-F` (all but F),
`+init-embedding` and `+init-layers`.
Every variant and seed S sees the same data (`gscope data markov --experiment A --seed S`) and
pre-trains with the public code's recipe (AdamW lr 5e-4, ε 1e-6, no weight decay, batch 128, 5
epochs, token-mean cross entropy, one epoch order per seed). Then, for each of `--pools` pools of
200 forget1 ∪ forget2 training sequences (pool 0 the same for every variant of a seed, and so on),
it unlearns for 50 iterations of batch 4 with AdamW lr 5e-4 under NPO β 1 and SimNPO β 1, 2.5 and
5, each from the same pre-trained weights and in the same batch order, evaluating the
token-averaged KL against the true transition rows on the three test sets after every iteration
(the protocol of gscope's `data/sweeps/simnpo-markov-protocol-*.yaml`). Pools matter: one
pre-trained model's NPO forget2 KL at retain KL 0.05 ranged from 0.21 to 0.60 over three pools.

    gscope data markov --experiment A --seed 0 --out runs/markov-ablation/data/seed-0   # per seed
    python3 notebooks-scripts/reproduce/markov_ablation.py run --variants reference gpt --seeds 0 1 2 --pools 5
    python3 notebooks-scripts/reproduce/markov_ablation.py table [--seeds 0] [--pools N]

`run` writes OUT/<variant>/seed-<S>.json (the curves of every pool and method, rewritten after each
pool) and the pre-trained weights beside it (seed-<S>.pt); it resumes, adds the pools a file lacks (pre-training again to
the same bits when the weights were not kept, and refusing if they differ) and two processes with
disjoint variants can share OUT. `table` prints, per variant, seed means with 95 % t-intervals of
each seed's pool mean of forget1/forget2 KL where retain KL first reaches 0.05 (interpolated;
`markov_table.py`'s rule). One thread per process; on a core shared with another process,
pre-training took about 10 (reference) to 25 (gpt) minutes here and a pool 4 to 10 (its 204
evaluations on the 4,000 test sequences dominate). Needs torch, numpy and scipy.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import sys
import time
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from markov_table import at_retain, mean_band  # noqa: E402

FEATURES = ("prenorm", "tied", "attention", "mlp", "init")
INIT_HALVES = ("init-embedding", "init-layers")  # "init" is both
METHODS = (("npo", 1.0), ("simnpo", 1.0), ("simnpo", 2.5), ("simnpo", 5.0))
T, V, C, LAYERS, GPT_HEADS = 19, 10, 128, 4, 4


def variant_features(name: str) -> set[str]:
    """`reference`, `+F`, `gpt`, `gpt-F` -> the set of GPT features switched on."""
    if name == "reference":
        return set()
    if name == "gpt":
        return set(FEATURES)
    if name.startswith("+") and name[1:] in FEATURES + INIT_HALVES:
        return {name[1:]}
    if name.startswith("gpt-") and name[4:] in FEATURES:
        return set(FEATURES) - {name[4:]}
    raise SystemExit(f"unknown variant {name!r}: reference, gpt, +F or gpt-F with F in {', '.join(FEATURES)}, "
                     f"{', '.join('+' + h for h in INIT_HALVES)}")


ALL_VARIANTS = (["reference"] + [f"+{f}" for f in FEATURES] + [f"+{h}" for h in INIT_HALVES] + ["gpt"]
                + [f"gpt-{f}" for f in FEATURES])


@dataclass(frozen=True)
class Features:
    prenorm: bool
    tied: bool
    attention: bool
    mlp: bool
    init_embedding: bool
    init_layers: bool

    @staticmethod
    def of(on: set[str]) -> "Features":
        """The features switched on by a variant's set (`init` is both initialisation halves)."""
        return Features(prenorm="prenorm" in on, tied="tied" in on, attention="attention" in on, mlp="mlp" in on,
                        init_embedding=bool(on & {"init", "init-embedding"}),
                        init_layers=bool(on & {"init", "init-layers"}))


class Block(nn.Module):
    def __init__(self, f: Features):
        super().__init__()
        self.f = f
        self.heads = GPT_HEADS if f.attention else 1
        self.c_attn = nn.Linear(C, 3 * C, bias=f.attention)  # fan_in C: the reference's q, k, v init
        self.c_proj = nn.Linear(C, C) if f.attention else None
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        inner = 4 * C if f.mlp else C
        self.fc, self.proj = nn.Linear(C, inner), nn.Linear(inner, C)

    def attend(self, x: torch.Tensor) -> torch.Tensor:
        B, n, _ = x.shape
        q, k, v = (t.view(B, n, self.heads, C // self.heads).transpose(1, 2) for t in self.c_attn(x).split(C, dim=-1))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # scale 1/√(C/heads)
        y = y.transpose(1, 2).reshape(B, n, C)
        return self.c_proj(y) if self.c_proj is not None else y

    def mlp(self, x: torch.Tensor) -> torch.Tensor:
        h = self.fc(x)
        return self.proj(F.gelu(h, approximate="tanh") if self.f.mlp else F.relu(h))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.f.prenorm:
            x = x + self.attend(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))
        x = self.ln_1(x + self.attend(x))
        return self.ln_2(x + self.mlp(x))


class MarkovModel(nn.Module):
    def __init__(self, f: Features):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.wpe.weight.data.normal_(0.0, 0.02)  # the public code's positions
        self.blocks = nn.ModuleList([Block(f) for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(C) if f.prenorm else None
        self.head = nn.Linear(C, V, bias=not f.tied)
        if f.tied:
            self.head.weight = self.wte.weight
        if f.init_embedding or f.init_layers:  # gscope's GPT.initializeGPT2, or one half of it
            for name, p in self.named_parameters():
                if not (f.init_embedding if name == "wte.weight" else f.init_layers):
                    continue  # the half that keeps PyTorch's default
                if name.endswith(".bias"):
                    nn.init.zeros_(p)
                elif ".ln_" in name or name.startswith("ln_f"):
                    nn.init.ones_(p)
                else:
                    std = 0.02 / math.sqrt(2 * LAYERS) if name.endswith("proj.weight") else 0.02
                    nn.init.normal_(p, 0.0, std)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.wte(tokens) + self.wpe(torch.arange(tokens.shape[1]))
        for block in self.blocks:
            h = block(h)
        return self.head(self.ln_f(h) if self.ln_f is not None else h)


def batch(sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs seq[:-1], labels seq[1:], right-padded to T with input 0 and the ignored label -100."""
    tokens = torch.zeros(len(sequences), T, dtype=torch.long)
    labels = torch.full((len(sequences), T), -100, dtype=torch.long)
    for i, s in enumerate(sequences):
        tokens[i, : len(s) - 1] = torch.tensor(s[:-1])
        labels[i, : len(s) - 1] = torch.tensor(s[1:])
    return tokens, labels


class Evaluator:
    """Token-averaged KL(P_c[x_t, ·] ‖ p_θ(· | x_≤t)) on each chain's test sequences."""

    def __init__(self, test: list[dict], chains: dict):
        self.sets = {}
        for chain in ("retain", "forget1", "forget2"):
            tokens, labels = batch([s["tokens"] for s in test if s["chain"] == chain])
            truth = torch.tensor(chains[chain]["transition"], dtype=torch.float64)[tokens]  # (n, T, V)
            self.sets[chain] = (tokens, labels != -100, truth)

    @torch.no_grad()
    def __call__(self, model: nn.Module) -> dict[str, float]:
        out = {}
        for chain, (tokens, valid, truth) in self.sets.items():
            logq = torch.log_softmax(model(tokens).double(), dim=-1)
            kl = (truth * (truth.log() - logq)).sum(-1)
            out[chain] = float(kl[valid].mean())
        return out


def sequence_nll(model: nn.Module, tokens: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """ℓ(s) = −Σ_t log p(y_t | x_≤t) per sequence, and |s| (the label count)."""
    logp = torch.log_softmax(model(tokens), dim=-1)
    valid = labels != -100
    picked = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * valid).sum(-1), valid.sum(-1)


def forget_loss(method: str, beta: float, model, reference, tokens, labels) -> torch.Tensor:
    """NPO: −(2/β)·mean_s log σ(β(ℓ(s) − ℓ_o(s))) with ℓ_o the pre-trained model's;
    SimNPO (γ = 0): −(2/β)·mean_s log σ(β·ℓ(s)/|s|) (REFERENCE §2)."""
    nll, length = sequence_nll(model, tokens, labels)
    if method == "npo":
        with torch.no_grad():
            nll_o, _ = sequence_nll(reference, tokens, labels)
        return -(2 / beta) * F.logsigmoid(beta * (nll - nll_o)).mean()
    return -(2 / beta) * F.logsigmoid(beta * nll / length).mean()


def pretrain(variant: str, seed: int, train: list[dict], weights_file: str) -> MarkovModel:
    """The variant pre-trained on `train` by the public code's recipe, or loaded from
    `weights_file` when an earlier run saved it there (the same bits: one thread, fixed seeds)."""
    on = variant_features(variant)
    torch.manual_seed(1000 + seed)
    model = MarkovModel(Features.of(on))
    if os.path.exists(weights_file):
        model.load_state_dict(torch.load(weights_file))
        return model
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, eps=1e-6, weight_decay=0.0)
    order_rng = torch.Generator().manual_seed(2000 + seed)
    for epoch in range(5):
        order = torch.randperm(len(train), generator=order_rng).tolist()
        for start in range(0, len(train), 128):
            tokens, labels = batch([train[j]["tokens"] for j in order[start : start + 128]])
            loss = F.cross_entropy(model(tokens).view(-1, V), labels.view(-1), ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    os.makedirs(os.path.dirname(weights_file), exist_ok=True)
    torch.save(model.state_dict(), weights_file + ".partial")
    os.replace(weights_file + ".partial", weights_file)
    return model


def pool_seed(seed: int, pool: int) -> int:
    """The generator seed of pool `pool` of seed `seed` (pool 0: 3000 + seed)."""
    return 3000 + seed + 7919 * pool


def unlearn_pool(model, evaluate, forget: list[list[int]], seed: int, pool: int) -> dict:
    """Every method's KL curves (iterations 0-50) from the pre-trained `model` on one pool of 200
    forget sequences, each method from the same weights and in the same batch order."""
    pretrained = {k: v.detach().clone() for k, v in model.state_dict().items()}
    reference = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(pool_seed(seed, pool))
    sequences = [forget[j] for j in torch.randperm(len(forget), generator=generator)[:200].tolist()]
    original = evaluate(model)
    curves = {}
    for method, beta in METHODS:
        model.load_state_dict(pretrained)
        optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, eps=1e-6, weight_decay=0.0)
        points = [original]
        for it in range(50):
            tokens, labels = batch(sequences[4 * it : 4 * it + 4])
            loss = forget_loss(method, beta, model, reference, tokens, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            points.append(evaluate(model))
        curves[f"{method} {beta:g}"] = {c: [p[c] for p in points] for c in ("retain", "forget1", "forget2")}
    model.load_state_dict(pretrained)
    return curves


def run_one(variant: str, seed: int, pools: int, data_dir: str, out_file: str) -> None:
    """Pre-trains (or loads) the variant, unlearns pools 0..<pools that OUT_FILE does not hold yet
    and rewrites OUT_FILE with all of them."""
    started = time.time()
    done = json.load(open(out_file)) if os.path.exists(out_file) else None
    have = done["pools"] if done else []
    if len(have) >= pools:
        return
    train = [json.loads(line) for line in open(os.path.join(data_dir, "train.jsonl"))]
    test = [json.loads(line) for line in open(os.path.join(data_dir, "test.jsonl"))]
    evaluate = Evaluator(test, json.load(open(os.path.join(data_dir, "chains.json"))))
    model = pretrain(variant, seed, train, out_file.removesuffix(".json") + ".pt")
    original = evaluate(model)
    if done and original != done["original"]:
        raise SystemExit(f"{out_file}: pre-training again gave other weights (original KL {original} against "
                         f"{done['original']}); another torch or thread count? Move the file away to start over.")
    forget = [s["tokens"] for s in train if s["chain"] in ("forget1", "forget2")]
    curves = list(have)
    for pool in range(len(have), pools):  # the file is rewritten after every pool
        curves.append(unlearn_pool(model, evaluate, forget, seed, pool))
        partial = out_file + ".partial"
        with open(partial, "w") as f:
            json.dump({"variant": variant, "features": sorted(variant_features(variant)), "seed": seed,
                       "parameters": sum(p.numel() for p in model.parameters()), "original": original,
                       "pools": curves, "seconds": time.time() - started + (done or {}).get("seconds", 0),
                       "torch": torch.__version__}, f)
        os.replace(partial, out_file)
    print(f"{variant} seed {seed}: original KL " + " / ".join(f"{original[c]:.4f}" for c in ("retain", "forget1", "forget2"))
          + f", {len(curves)} pools, {time.time() - started:.0f} s", flush=True)


def table(out: str, seeds: list[int] | None, max_pools: int | None) -> None:
    """Per variant: seed means (95 % t-intervals) of each seed's mean over its first pools (as
    many as every shown seed has, or `max_pools`)."""
    print("| variant | params | seeds × pools | original retain / forget1 / forget2 | NPO forget1 @ 0.05 | NPO forget2 @ 0.05 "
          "| SimNPO 2.5 forget1 @ 0.05 | SimNPO 2.5 forget2 @ 0.05 | forget2 ratio SimNPO 2.5 / NPO |")
    print("|---|---|---|---|---|---|---|---|---|")
    for variant in ALL_VARIANTS:
        directory = os.path.join(out, variant)
        if not os.path.isdir(directory):
            continue
        runs = [json.load(open(os.path.join(directory, f))) for f in sorted(os.listdir(directory)) if f.endswith(".json")]
        runs = [r for r in runs if seeds is None or r["seed"] in seeds]
        if not runs:
            continue
        pools = min(len(r["pools"]) for r in runs) if max_pools is None else max_pools

        def at(run, method, chain):
            """The pools' mean of `chain`'s KL at retain KL 0.05 (NaN if no pool got there)."""
            values = [at_retain(c[method]["retain"], c[method][chain], 0.05) for c in run["pools"][:pools]]
            finite = [v for v in values if not math.isnan(v)]
            return sum(finite) / len(finite) if finite else math.nan

        original = " / ".join(f"{sum(r['original'][c] for r in runs) / len(runs):.3f}" for c in ("retain", "forget1", "forget2"))
        cells = [mean_band([at(r, m, c) for r in runs]) for m in ("npo 1", "simnpo 2.5") for c in ("forget1", "forget2")]
        ratio = mean_band([at(r, "simnpo 2.5", "forget2") / at(r, "npo 1", "forget2") for r in runs])
        print(f"| {variant} | {runs[0]['parameters']:,} | {len(runs)} × {pools} | {original} | " + " | ".join(cells) + f" | {ratio} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["run", "table"])
    ap.add_argument("--variants", nargs="+", default=ALL_VARIANTS, help="reference, +F, gpt, gpt-F")
    ap.add_argument("--seeds", nargs="+", type=int, help="run: the seeds (default 0 1 2); table: only these seeds (default all)")
    ap.add_argument("--pools", type=int, help="run: forget pools per pre-trained model (default 1); table: use the first N")
    ap.add_argument("--data", default="runs/markov-ablation/data", help="holds seed-S/ from gscope data markov --experiment A")
    ap.add_argument("--out", default="runs/markov-ablation")
    args = ap.parse_args()
    if args.command == "table":
        return table(args.out, args.seeds, args.pools)
    torch.set_num_threads(1)
    for variant in args.variants:
        variant_features(variant)
    for seed in args.seeds or [0, 1, 2]:
        for variant in args.variants:
            out_file = os.path.join(args.out, variant, f"seed-{seed}.json")
            run_one(variant, seed, args.pools or 1, os.path.join(args.data, f"seed-{seed}"), out_file)


if __name__ == "__main__":
    main()
