#!/usr/bin/env python3
"""The G-effect paper's comparisons, measured on one or more collected sweeps (issue 19, item 6).

    python3 notebooks-scripts/reproduce/geffect_comparisons.py \
        tiny=runs/sweeps/geffect-paper SmolLM2=runs/sweeps/geffect-paper-tofu-smollm2

Each argument is LABEL=SWEEP_DIR, a directory planned from `geffect-paper-*.yaml`, run and
collected. Every finished run file under DIR/runs is read (h5py); runs are told apart by their
objective (the run file's `objective` attribute: `ga`, `ga+kl`, `wga`, …) and paired by seed,
which fixes the batch order and the retain risk set.

Per run:
  ΔF = forget NLL after − before (the removal), ΔR = retain NLL after − before (the damage),
  damage per forgetting d = ΔR / ΔF;
  shallow : deep = Σ_t mean_{b shallow} |e_b(t)| / Σ_t mean_{b deep} |e_b(t)|, the unlearning
  G-effect per block (block b of L is shallow when ⌊3b/L⌋ = 0, deep when it is 2), summed over
  the recorded steps t;
  embedding share = Σ_t |e_embed(t)| / Σ_t Σ_groups |e_g(t)|;
  forget quality and model utility at the end: RUN/eval/summary.json (`gscope eval` of the final
  checkpoint, as geffect_paper_tofu_smollm2.sh writes it), else the run file's last evaluation.

The paper's comparisons (REFERENCE §2): WGA retains better than GA and TNPO better than NPO while
still removing (d smaller, paired ratio d_A / d_B below 1); KL is the best retain regulariser
(GA+KL's d below GA+GD's; NPO+KL against NPO+GD where the sweep has them); shallow blocks carry
more than deep ones (ratio above 1) and the input embedding almost nothing. Cells are seed means
± the 95 % t-interval (markov_table.mean_band; "(k/n)" when only k of n runs give a value). Needs h5py, numpy, scipy.
"""

from __future__ import annotations

import functools
import glob
import json
import math
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from markov_table import mean_band  # noqa: E402

band = functools.partial(mean_band, digits=4)  # ΔR is a few 1e-3 on the tiny model

PAIRS = [  # (A, B, the paper's claim about A against B)
    ("wga", "ga", "WGA retains better than GA per unit of forgetting"),
    ("tnpo", "npo", "TNPO retains better than NPO per unit of forgetting"),
    ("ga+kl", "ga+gd", "KL is a better retain term than GD (with GA)"),
    ("npo+kl", "npo+gd", "KL is a better retain term than GD (with NPO)"),
]


def run_measures(path: str) -> dict | None:
    """The measures of one finished run file (None while it is not complete)."""
    try:
        f = h5py.File(path, "r", locking=False)
    except OSError:  # a run file still open for writing: a run in progress
        return None
    with f:
        a = f.attrs
        if a.get("status") != "complete":
            return None
        blocks = f["geffect/forget/block"][:]  # [S, L], NaN at steps that were not recorded
        groups = f["geffect/forget/group"][:]  # [S, 5]: embed, shallow, middle, deep, lm
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["geffect/forget/group"].attrs["names"]]
        recorded = np.isfinite(blocks).all(axis=1)
        blocks, groups = np.abs(blocks[recorded]), np.abs(groups[recorded])
        L = blocks.shape[1]
        third = np.array([3 * b // L for b in range(L)])
        shallow = blocks[:, third == 0].mean(axis=1).sum()
        deep = blocks[:, third == 2].mean(axis=1).sum()
        summary = os.path.join(os.path.dirname(path), "eval", "summary.json")
        if os.path.exists(summary):
            values = json.load(open(summary))
            fq, mu = values.get("forget_quality", math.nan), values.get("model_utility", math.nan)
        elif "eval" in f and "forget_quality" in f["eval"]:
            fq, mu = float(f["eval/forget_quality"][-1]), float(f["eval/model_utility"][-1])
        else:
            fq = mu = math.nan
        d_forget = float(a["forget_nll_after"] - a["forget_nll_before"])
        d_retain = float(a["retain_nll_after"] - a["retain_nll_before"])
        return {
            "objective": str(a["objective"]), "seed": int(a["seed"]),
            "dF": d_forget, "dR": d_retain, "d": d_retain / d_forget if d_forget != 0 else math.nan,
            "shallow_deep": float(shallow / deep) if deep > 0 else math.nan,
            "embed_share": float(groups[:, names.index("embed")].sum() / groups.sum()),
            "forget_quality": fq, "model_utility": mu,
        }


def load(directory: str) -> dict[str, dict[int, dict]]:
    """objective -> seed -> measures, for every complete run under DIR/runs."""
    runs: dict[str, dict[int, dict]] = {}
    for path in sorted(glob.glob(os.path.join(directory, "runs", "*", "run.h5"))):
        m = run_measures(path)
        if m is not None:
            runs.setdefault(m["objective"], {})[m["seed"]] = m
    return runs


def pair_cell(runs: dict, a: str, b: str) -> str:
    """d_A, d_B and the paired ratio d_A / d_B (its band and each seed's), or `—` when the sweep
    lacks either."""
    if a not in runs or b not in runs:
        return "—"
    seeds = sorted(set(runs[a]) & set(runs[b]))
    ratio = [runs[a][s]["d"] / runs[b][s]["d"] for s in seeds]
    each = ", ".join(f"{r:.3g}" for r in ratio)
    return (f"d {band([runs[a][s]['d'] for s in seeds])} vs {band([runs[b][s]['d'] for s in seeds])}; "
            f"ratio {band(ratio)} (seed by seed: {each}); ΔF {band([runs[a][s]['dF'] for s in seeds])} vs "
            f"{band([runs[b][s]['dF'] for s in seeds])} ({len(seeds)} seeds)")


def main() -> None:
    if len(sys.argv) < 2 or any("=" not in arg for arg in sys.argv[1:]):
        raise SystemExit(__doc__)
    sweeps = [(label, load(directory)) for label, directory in (arg.split("=", 1) for arg in sys.argv[1:])]
    print("| comparison | measure | " + " | ".join(label for label, _ in sweeps) + " |")
    print("|---|---|" + "---|" * len(sweeps))
    for a, b, claim in PAIRS:
        print(f"| {claim} | damage per forgetting d = ΔR/ΔF, {a.upper()} vs {b.upper()} | "
              + " | ".join(pair_cell(runs, a, b) for _, runs in sweeps) + " |")
    cells = []
    for _, runs in sweeps:
        every = [m for by_seed in runs.values() for m in by_seed.values()]
        ratios = [m["shallow_deep"] for m in every]
        above = sum(r > 1 for r in ratios)
        cells.append(f"{band(ratios)}; above 1 in {above} of {len(ratios)} runs" if ratios else "—")
    print("| shallow blocks carry more than deep ones | Σ_t mean \\|e_block\\| shallow : deep, every run | " + " | ".join(cells) + " |")
    cells = [band([m["embed_share"] for by_seed in runs.values() for m in by_seed.values()]) for _, runs in sweeps]
    print("| the input embedding carries almost nothing | embedding's share of Σ \\|e_group\\|, every run | " + " | ".join(cells) + " |")
    print()
    columns = (("dF", "ΔF"), ("dR", "ΔR"), ("d", "d"), ("shallow_deep", "shallow : deep"),
               ("forget_quality", "forget quality"), ("model_utility", "model utility"))
    print("| objective | " + " | ".join(f"{label}: {title}" for label, _ in sweeps for _, title in columns) + " |")
    print("|---|" + "---|" * (len(columns) * len(sweeps)))
    for objective in sorted({o for _, runs in sweeps for o in runs}):
        cells = []
        for _, runs in sweeps:
            ms = list(runs.get(objective, {}).values())
            cells += [band([m[k] for m in ms]) for k, _ in columns]
        print(f"| {objective} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
