#!/usr/bin/env python3
"""Which forget x set pairs interfere: the table behind the README's interference section.

    python3 notebooks-scripts/analysis/interference_table.py DATA_DIR RUN.h5 [RUN.h5 ...]
    python3 notebooks-scripts/analysis/interference_table.py --over-runs DATA_DIR RUN.h5 [RUN.h5 ...]

DATA_DIR is the synthetic benchmark the runs unlearned (`gscope data synth`), whose
attributes.jsonl gives every item of full.json its author, question type (0-19) and the value its
answer states. For each run and each measured step it sorts the pairs of /interference/<set>/instance
(I[i,j] = <grad l_j, grad(gamma L_i)>, negative = a step on forget instance i raises item j's risk)
into categories and prints, per category, the number of pairs, the mean and median of I, the
share of negative pairs and the mean |I|:

  forget x forget (an instance with itself left out): same author; another author, same question
  type and same value (a shared attribute); another author, same type, another value; another
  author, another type.
  forget x retain: same type and same value (shared attribute); same type, another value; another
  type. (TOFU's forget and retain splits hold different authors: no pair shares one.)

With --over-runs, runs of one objective (several seeds) are pooled: each row gives the mean over
the runs of each run's category mean, with the smallest and largest run mean, and how many times
the category's mean |I| is the "other question type" pairs' mean |I| (pooled over the runs: the
mean I of the other pairs is near 0, its sign varying, so a ratio of means would say nothing).

Only h5py and numpy are needed. Forget splits are the last authors of full.json and retain
splits the first, so item i of a forget split of n items is full.json item len(full) - n + i.
"""
import json
import re
import sys

import h5py
import numpy as np


def load_attributes(data_dir):
    with open(f"{data_dir}/attributes.jsonl") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return rows


def split_offset(data_dir, run, set_name, n_full):
    """The full.json index of the set's item 0 (forget: the last authors; retain: the first)."""
    config = run.attrs["config"]
    config = config.decode() if isinstance(config, bytes) else config
    if set_name == "forget":
        split = re.search(r"^\s*forget_split:\s*(\S+)", config, re.M).group(1)
        with open(f"{data_dir}/{split}.json") as f:
            n = sum(1 for line in f if line.strip())
        return n_full - n
    return 0


def categories(set_name, a, b, same_index):
    """The category of a pair of items with attributes a (forget) and b (the set's)."""
    if set_name == "forget":
        if same_index:
            return None
        if a["author"] == b["author"]:
            return "same author"
    if a["question_type"] == b["question_type"]:
        return "shared attribute" if a["value"] == b["value"] else "same question type, other value"
    return "other question type"


ORDER = ["same author", "shared attribute", "same question type, other value", "other question type"]


def rows(data_dir, paths, attributes):
    """(objective, set, step, category, values) for every run, set, measured step and category."""
    for path in paths:
        with h5py.File(path, "r", libver="latest", swmr=True) as run:
            objective = run.attrs["objective"]
            objective = objective.decode() if isinstance(objective, bytes) else objective
            steps = run["interference/steps"][()]
            forget_index = run["data/forget/index"][()]
            forget_offset = split_offset(data_dir, run, "forget", len(attributes))
            for set_name in [s for s in ["forget", "retain"] if s in run["interference"]]:
                index = run[f"data/{set_name}/index"][()]
                offset = split_offset(data_dir, run, set_name, len(attributes))
                labels = {}
                for i, fi in enumerate(forget_index):
                    for j, sj in enumerate(index):
                        c = categories(set_name, attributes[forget_offset + fi], attributes[offset + sj],
                                       set_name == "forget" and fi == sj)
                        if c is not None:
                            labels.setdefault(c, []).append((i, j))
                matrix = run[f"interference/{set_name}/instance"][()]
                for k, step in enumerate(steps):
                    for c in ORDER:
                        if c not in labels:
                            continue
                        i, j = np.array(labels[c]).T
                        yield objective, set_name, int(step), c, matrix[k][i, j]


def main():
    pooled = "--over-runs" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--over-runs"]
    if len(args) < 2:
        sys.exit(__doc__)
    data_dir, paths = args[0], args[1:]
    attributes = load_attributes(data_dir)
    if not pooled:
        print("| run | set | step | pairs | category | mean I | median I | negative | mean abs I |")
        print("|---|---|---:|---|---|---:|---:|---:|---:|")
        for objective, set_name, step, c, v in rows(data_dir, paths, attributes):
            print(f"| {objective} | {set_name} | {step} | {len(v)} | {c} | {v.mean():+.3e} | "
                  f"{np.median(v):+.3e} | {100 * (v < 0).mean():.0f} % | {np.abs(v).mean():.3e} |")
        return
    groups = {}
    for objective, set_name, step, c, v in rows(data_dir, paths, attributes):
        groups.setdefault((objective, set_name, step), {}).setdefault(c, []).append((len(v), v.mean(), np.abs(v).mean()))
    print("| objective | set | step | category | pairs per run | mean I (mean over runs) | range over runs | mean abs I / other's |")
    print("|---|---|---:|---|---:|---:|---|---:|")
    for (objective, set_name, step), by_category in groups.items():
        base = by_category.get("other question type")
        for c in ORDER:
            if c not in by_category:
                continue
            counts, means, sizes = zip(*by_category[c])
            ratio = np.mean(sizes) / np.mean([b[2] for b in base]) if base else float("nan")
            print(f"| {objective} | {set_name} | {step} | {c} | {np.mean(counts):.0f} | {np.mean(means):+.3e} | "
                  f"{min(means):+.2e} .. {max(means):+.2e} | {ratio:.1f} |")


if __name__ == "__main__":
    main()
