#!/usr/bin/env python3
"""The Markov table of issue 19 from collected sweeps of SimNPO's experiments: per experiment,
objective and β, seed means with 95 % t-intervals of

- forget1 and forget2 KL where the run's retain KL first reaches 0.05 and 0.10 (linear
  interpolation between the two evaluations around the crossing; a run that never gets there
  counts in the `n` column's "never" and not in the mean),
- the first iteration at which forget1 KL reaches the retrained model's forget1 KL (read from each
  run file's `/eval` attribute `retrained_kl_forget1`),
- the state at the last iteration (retain, forget1 and forget2 KL);

and then, per experiment and SimNPO β, the ratio of SimNPO's forget KL at retain 0.05 and 0.10 to
NPO's, taken within each seed (the same target, pool and batch order) and then averaged.

    python3 notebooks-scripts/reproduce/markov_table.py runs/sweeps/simnpo-markov-protocol-gpt \
        runs/sweeps/simnpo-markov-protocol-reference

Reads DIR/sweep.h5 (gscope sweep collect) and DIR/manifest.jsonl with DIR/<out>/run.h5. Needs
h5py, numpy and scipy.
"""
import json
import math
import sys
from collections import defaultdict

import h5py
import numpy as np
from scipy import stats

LEVELS = (0.05, 0.10)


def at_retain(retain, forget, level):
    """forget KL where retain KL first reaches `level` (interpolated), or NaN."""
    for i in range(1, len(retain)):
        if retain[i - 1] < level <= retain[i]:
            w = (level - retain[i - 1]) / (retain[i] - retain[i - 1])
            return forget[i - 1] + w * (forget[i] - forget[i - 1])
    return math.nan


def mean_band(values, digits=3):
    """'mean ± half-width (n/N)' over the finite values, with `digits` decimals."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return f"— (0/{len(values)})"
    mean = float(np.mean(finite))
    if len(finite) < 2:
        return f"{mean:.{digits}f} ({len(finite)}/{len(values)})"
    half = stats.t.ppf(0.975, len(finite) - 1) * float(np.std(finite, ddof=1)) / math.sqrt(len(finite))
    count = "" if len(finite) == len(values) else f" ({len(finite)}/{len(values)})"
    return f"{mean:.{digits}f} ± {half:.{digits}f}{count}"


def rows(directory):
    manifest = [json.loads(line) for line in open(f"{directory}/manifest.jsonl")]
    with h5py.File(f"{directory}/sweep.h5", "r") as f:
        status = [s.decode() if isinstance(s, bytes) else s for s in f["runs/status"][:]]
        axes = {k: f[f"axes/{k}"][:] for k in f["axes"]}
        steps, kl = f["eval/steps"][:], {g: f[f"eval/kl_{g}"][:] for g in ("retain", "forget1", "forget2")}
    settings = defaultdict(list)
    for r, entry in enumerate(manifest):
        if status[r] != "complete":
            print(f"{directory}: {entry['id']} is {status[r]}; left out", file=sys.stderr)
            continue
        key = tuple(
            (k, v.decode() if isinstance(v, bytes) else v)
            for k, v in ((k, axes[k][r]) for k in sorted(axes) if k != "seed"))
        valid = steps[r] >= 0
        retain, f1, f2, it = kl["retain"][r][valid], kl["forget1"][r][valid], kl["forget2"][r][valid], steps[r][valid]
        with h5py.File(f"{directory}/{entry['out']}/run.h5", "r", libver="latest", swmr=True) as run:
            retrained = float(run["eval"].attrs["retrained_kl_forget1"])
        reached = [int(i) for i, v in zip(it, f1) if v >= retrained]
        values = {"seed": int(axes["seed"][r])}
        for level in LEVELS:
            values[f"f1@{level}"] = at_retain(retain, f1, level)
            values[f"f2@{level}"] = at_retain(retain, f2, level)
        values["first"] = reached[0] if reached else math.nan
        values["retain_end"], values["f1_end"], values["f2_end"] = retain[-1], f1[-1], f2[-1]
        settings[key].append(values)
    return settings


def setting_label(key):
    """'A · NPO β 1' for the protocol sweeps' axes, else 'key=value, …'."""
    named = dict(key)
    if set(named) == {"data.markov", "objective.forget.name", "objective.forget.beta"}:
        name = {"npo": "NPO", "simnpo": "SimNPO"}.get(named["objective.forget.name"], named["objective.forget.name"])
        return f"{named['data.markov']} · {name} β {named['objective.forget.beta']:g}"
    return ", ".join(f"{k.split('.')[-1]}={v:g}" if isinstance(v, float) else f"{k.split('.')[-1]}={v}" for k, v in key)


def main():
    columns = [f"{g}@{l}" for l in LEVELS for g in ("f1", "f2")] + ["first", "retain_end", "f1_end", "f2_end"]
    titles = [
        "forget1 @ retain 0.05", "forget2 @ retain 0.05", "forget1 @ retain 0.10", "forget2 @ retain 0.10",
        "first iteration at retrained forget1", "retain (last)", "forget1 (last)", "forget2 (last)",
    ]
    for directory in sys.argv[1:]:
        print(f"\n### {directory}\n")
        print("| setting | seeds | " + " | ".join(titles) + " |")
        print("|---|---|" + "---|" * len(titles))
        settings = rows(directory)
        for key, runs in sorted(settings.items()):
            cells = [mean_band([r[c] for r in runs], 1 if c == "first" else 3) for c in columns]
            print(f"| {setting_label(key)} | {len(runs)} | " + " | ".join(cells) + " |")
        ratios(settings)


def ratios(settings):
    """SimNPO / NPO forget KL at equal retain KL, paired by seed, per experiment and β."""
    columns = [f"{g}@{l}" for l in LEVELS for g in ("f1", "f2")]
    print("\n| experiment | SimNPO β | seeds | " + " | ".join(f"{c.replace('f', 'forget').replace('@', ' ratio @ retain ')}" for c in columns) + " |")
    print("|---|---|---|" + "---|" * len(columns))
    for key, runs in sorted(settings.items()):
        named = dict(key)
        if named.get("objective.forget.name") != "simnpo":
            continue
        npo_key = tuple((k, "npo" if k == "objective.forget.name" else 1.0 if k == "objective.forget.beta" else v) for k, v in key)
        npo = {r["seed"]: r for r in settings.get(npo_key, [])}
        pairs = [(r, npo[r["seed"]]) for r in runs if r["seed"] in npo]
        cells = [mean_band([a[c] / b[c] for a, b in pairs]) for c in columns]
        print(f"| {named.get('data.markov')} | {named['objective.forget.beta']:g} | {len(pairs)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
