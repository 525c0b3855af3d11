"""Prints a summary of a gscope run file (the same as `gscope inspect RUN.h5`), with h5py.

    python3 notebooks-scripts/read_run.py runs/synthetic-npo/run.h5

The layout is documented in docs/run-file.md. Opened without HDF5's file lock, so it also reads a
run that is still going.
"""

import sys

import h5py
import numpy as np


def first_last(x):
    return f"{x[0]:+.4g} -> {x[-1]:+.4g}"


def summary(path):
    with h5py.File(path, "r", locking=False) as f:
        a = f.attrs
        print(f"{path}: gscope {a['gscope_version']}, objective {a['objective']}, seed {a['seed']}, "
              f"{a['blas_threads']} BLAS threads")
        names = f["model/tensor_names"].asstr()[:]
        blocks = f["model/tensor_block"][:]
        tokens = f["data/forget/tokens"]
        print(f"model: {len(names)} tensors in {int(blocks.max()) + 1} blocks; "
              f"forget set: {tokens.shape[0]} instances x {tokens.shape[1]} positions, "
              f"{int(f['data/forget/mask'][:].sum())} answer tokens")
        train = f["train/step"][:]
        print(f"updates: {len(train)}" + (f", loss on the batch {first_last(f['train/loss/total'][:])}" if len(train) else ""))
        if "steps" not in f:
            print("no G-effects recorded (run.record_every = 0)")
            return
        steps = f["steps"][:]
        mode = f.attrs.get("geffect_mode", "exact")
        print(f"recorded steps: {len(steps)} ({steps[0]} ... {steps[-1]}), {mode} G-effects; objective "
              f"{first_last(f['loss/total'][:])}")
        for name in f["risk"]:
            r, g = f[f"risk/{name}"], f[f"geffect/{name}"]
            groups = g["group"].attrs["names"]
            last = g["group"][-1]
            print(f"  {name:7s} R {first_last(r['value'][:])}   e {first_last(g['total'][:])}   "
                  f"last e by group: " + ", ".join(f"{n} {v:+.3g}" for n, v in zip(groups, last)))
            u = f[f"update_effect/{name}/total"][:] if "update_effect" in f else np.array([np.nan])
            if np.isfinite(u).any():
                print(f"          update effect {first_last(u[np.isfinite(u)])}   "
                      f"PG-effect mean {first_last(f[f'pgeffect/{name}/instance'][:].mean(axis=1))}")
        w = f["weights/instance"][:]
        print(f"instance weights: mean {first_last(np.nanmean(w, axis=1))}; "
              f"instance NLL mean {first_last(np.nanmean(f['instance_nll'][:], axis=1))}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    summary(sys.argv[1])
