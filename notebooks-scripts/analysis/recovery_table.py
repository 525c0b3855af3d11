#!/usr/bin/env python3
"""How fast relearning undoes each objective's forgetting: the table behind the README's recovery figure.

    python3 notebooks-scripts/analysis/recovery_table.py RELEARN.h5 [RELEARN.h5 ...]

Each file is a run of `gscope relearn`. Its root attributes say what was attacked
(relearned_objective), from which checkpoint (relearned_from: the unlearning run's OUT/checkpoint,
whose OUT/run.h5 gives the forget set's answer NLL before and after unlearning) and which risk set
is the whole forget split (relearn_risk_set). Per run it prints the whole split's answer NLL
before unlearning, after it (relearning step 0) and after 5, 10 and the last relearning step, the
share of the unlearning's rise undone, (after unlearning - now) / (after unlearning - before),
and TOFU's forget_Q_A_Prob at the first and last evaluation when the run evaluated. The split
includes the items relearned on. Only h5py is needed.
"""
import os
import sys

import h5py


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| attacked | NLL before unlearning | after unlearning | relearn step 5 | step 10 | last step | undone at 5 / 10 / last | forget Q-A prob. first → last |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for path in sys.argv[1:]:
        with h5py.File(path, "r", libver="latest", swmr=True) as run:
            attacked = text(run.attrs["relearned_objective"])
            source = os.path.join(os.path.dirname(text(run.attrs["relearned_from"]).rstrip("/")), "run.h5")
            with h5py.File(source, "r", libver="latest", swmr=True) as unlearning:
                before = float(unlearning.attrs["forget_nll_before"])
            steps = list(run["steps"][()])
            nll = run[f"risk/{text(run.attrs['relearn_risk_set'])}/value"][()]
            def at(step):
                return nll[steps.index(step)] if step in steps else float("nan")
            undone = [(nll[0] - at(s)) / (nll[0] - before) for s in (5, 10, steps[-1])]
            probability = "—"
            if "eval/forget_Q_A_Prob" in run:
                p = run["eval/forget_Q_A_Prob"][()]
                probability = f"{p[0]:.3f} → {p[-1]:.3f}"
            print(f"| {attacked} | {before:.3f} | {nll[0]:.3f} | {at(5):.3f} | {at(10):.3f} | {nll[-1]:.3f} (step {steps[-1]}) | "
                  + " / ".join(f"{100 * u:.0f} %" for u in undone) + f" | {probability} |")


if __name__ == "__main__":
    main()
