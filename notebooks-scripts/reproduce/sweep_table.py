#!/usr/bin/env python3
"""Seed means with 95 % t-intervals of a collected sweep's final values, one row per setting
(the runs that share every axis value but the seed), as a Markdown table.

    python3 notebooks-scripts/reproduce/sweep_table.py runs/sweeps/geffect-paper/sweep.csv \
        'forget_nll_after-forget_nll_before' 'retain_nll_after-retain_nll_before' forget_quality model_utility e_forget e_retain

A column is a final value of sweep.csv or a difference `a-b` of two; `ratio:a/b` divides two
expressions per run before averaging. Needs pandas and scipy.
"""
import sys

import pandas as pd
from scipy import stats


def column(frame, expression):
    if expression.startswith("ratio:"):
        top, bottom = expression[len("ratio:"):].split("/")
        return column(frame, top) / column(frame, bottom)
    if "-" in expression and expression not in frame:
        a, b = expression.split("-")
        return frame[a] - frame[b]
    return frame[expression]


def main():
    path, expressions = sys.argv[1], sys.argv[2:]
    frame = pd.read_csv(path)
    axes = [c for c in frame.columns[3:] if c not in ("seed",)]
    axes = axes[: list(frame.columns).index("seed") - 3]
    frame = frame[frame.status == "complete"]
    print("| " + " | ".join(axes + expressions + ["seeds"]) + " |")
    print("|" + "---|" * (len(axes) + len(expressions) + 1))
    for key, group in frame.groupby(axes, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        cells = []
        for expression in expressions:
            values = column(group, expression).dropna()
            n = len(values)
            mean = values.mean()
            half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / n ** 0.5 if n > 1 else float("nan")
            cells.append(f"{mean:.3g} ± {half:.2g}")
        labels = [str(k).split("/")[-1].removesuffix(".yaml") for k in key]
        print("| " + " | ".join(labels + cells + [str(len(group))]) + " |")


if __name__ == "__main__":
    main()
