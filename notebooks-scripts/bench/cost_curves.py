"""Cost curves of the instrumented step: gscope and its PyTorch peer against the number of forget
instances, the sequence length, the model size and the thread count; one figure.

    python3 notebooks-scripts/bench/cost_curves.py                 # run the grid, then draw
    python3 notebooks-scripts/bench/cost_curves.py --plot-only     # draw from the stored JSON lines

Every point is one `gscope bench --mode geffect` and one `torch_geffect_bench.py` run (median of
--steps steps after --warmup), one after the other on the same machine:

- instances: the small GPT, sequences of 64 tokens, forget = retain = N for N in 8 … 256;
- sequence length: the small GPT with its block size raised to 512, 8 instances, T in 32 … 512;
- model size: tiny, small, medium (8 × 64) and SmolLM2-135M's shape (random weights; 8 forget and
  8 retain samples of 65 ids whose last 33 are the answer, given to both sides as a lengths
  file), each on the 8 · 64 = 512 tokens of the forget set;
- threads: the small GPT at 16 × 64 on 1 and 2 threads.

The GPT peer computes totals only (three backward passes: both risk gradients and NPO's); the
SmolLM2 peer computes the same quantities as gscope (per-token shares and PG-effects by
torch.func.jvp), so the size axis changes peer at its last point, and says so in the figure.

Writes plots/bench/cost-curves.jsonl (every JSON line, with the axis and value added),
plots/bench/cost-curves.dat (one table per axis) and plots/bench/cost-curves.png, and prints each
curve's log-log slope (least squares over its points): 1 means time proportional to the axis.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "plots", "bench")

INSTANCES = [8, 16, 32, 64, 128, 256]
SEQS = [32, 64, 128, 256, 512]
SIZES = ["tiny", "small", "medium", "smollm2"]
THREADS = [1, 2]


def grid():
    """(axis, value, gscope arguments, torch arguments) of every point."""
    for n in INSTANCES:
        yield "instances", n, ["--size", "small", "--batch", str(n), "--seq", "64"], \
            ["--model", "small", "--batch", str(n), "--seq", "64"]
    for t in SEQS:
        yield "seq", t, ["--size", "small", "--block-size", "512", "--batch", "8", "--seq", str(t)], \
            ["--model", "small", "--block-size", "512", "--batch", "8", "--seq", str(t)]
    for size in SIZES:
        if size == "smollm2":
            yield "size", size, ["--arch", "llama", "--size", "smollm2", "--batch", "8", "--lengths", "{lengths}"], \
                ["--model", "smollm2", "--batch", "8", "--lengths", "{lengths}"]
        else:
            yield "size", size, ["--size", size, "--batch", "8", "--seq", "64"], \
                ["--model", size, "--batch", "8", "--seq", "64"]
    for k in THREADS:
        yield "threads", k, ["--size", "small", "--batch", "16", "--seq", "64", "--threads", str(k)], \
            ["--model", "small", "--batch", "16", "--seq", "64", "--threads", str(k)]


def with_defaults(args, threads):
    return args if "--threads" in args else args + ["--threads", str(threads)]


def run(command):
    """The last JSON line `command` prints, or None (its last words on stderr) when it fails."""
    done = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-600:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1])


def measure(args) -> None:
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, open(os.path.join(OUT, "cost-curves.jsonl"), "w") as out:
        lengths = os.path.join(scratch, "lengths-8x64.json")
        sample = [65, 33]  # [ids, answer ids]: 64 input positions, the last 32 predicting the answer
        with open(lengths, "w") as f:
            json.dump({"forget": [sample] * 8, "retain": [sample] * 8}, f)
        for axis, value, g_args, t_args in grid():
            g_args = [a.replace("{lengths}", lengths) for a in g_args]
            t_args = [a.replace("{lengths}", lengths) for a in t_args]
            steps = ["--steps", str(args.steps), "--warmup", str(args.warmup), "--json"]
            for impl, command in (
                ("torch", [args.python, os.path.join(HERE, "torch_geffect_bench.py"), "--mode", "geffect"]
                 + with_defaults(t_args, args.threads) + steps),
                ("gscope", [args.gscope, "bench", "--mode", "geffect"] + with_defaults(g_args, args.threads) + steps),
            ):
                print(f"== {axis} {value}: {impl}", file=sys.stderr, flush=True)
                line = run(command)
                if line is not None:
                    line.update(axis=axis, value=value, impl=impl)
                    out.write(json.dumps(line) + "\n")
                    out.flush()


def slope(points):
    """Least-squares slope of log(ms) against log(x) over (x, ms) points."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def draw() -> None:
    with open(os.path.join(OUT, "cost-curves.jsonl")) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    ms = {(r["axis"], r["value"], r["impl"]): r["ms_median"] for r in lines}
    params = {r["value"]: r["params"] for r in lines if r["axis"] == "size" and r["impl"] == "gscope" and "params" in r}
    dat = os.path.join(OUT, "cost-curves.dat")
    with open(dat, "w") as f:
        f.write("# instrumented NPO step, median ms; written by notebooks-scripts/bench/cost_curves.py\n")
        for axis, values in (("instances", INSTANCES), ("seq", SEQS), ("size", SIZES), ("threads", THREADS)):
            f.write(f"# {axis}: x  gscope_ms  torch_ms" + ("  label" if axis == "size" else "") + "\n")
            for v in values:
                x = params.get(v, float("nan")) if axis == "size" else v
                g, t = ms.get((axis, v, "gscope"), float("nan")), ms.get((axis, v, "torch"), float("nan"))
                f.write(f"{x} {g} {t}" + (f" {v}" if axis == "size" else "") + "\n")
            f.write("\n\n")
    slopes = {}
    for axis, values in (("instances", INSTANCES), ("seq", SEQS), ("size", SIZES)):
        for impl in ("gscope", "torch"):
            pts = [(params.get(v, 0) if axis == "size" else v, ms[(axis, v, impl)]) for v in values
                   if (axis, v, impl) in ms]
            if len(pts) >= 2:
                slopes[(axis, impl)] = slope(pts)
                print(f"{axis:9s} {impl:6s} log-log slope {slopes[(axis, impl)]:.2f} over {len(pts)} points")

    def title(axis, impl, name):
        return f"{name}, slope {slopes[(axis, impl)]:.2f}" if (axis, impl) in slopes else name

    gnuplot = f"""
set terminal pngcairo size 1400,1000 font "DejaVu Sans,11"
set output "{os.path.join(OUT, 'cost-curves.png')}"
set multiplot layout 2,2 title "Instrumented NPO step (gscope: every per-tensor, per-instance and per-token value; 2-core machine)"
set logscale xy
set grid
set key top left
set ylabel "ms per step (median)"
set title "Forget instances (small GPT, 64 tokens; retain = forget)"
set xlabel "instances"
set xrange [6:340]
plot "{dat}" index 0 using 1:2 with linespoints lw 2 title "{title('instances', 'gscope', 'gscope')}", \\
     "" index 0 using 1:3 with linespoints lw 2 title "{title('instances', 'torch', 'PyTorch, totals only')}"
set title "Sequence length (small GPT, block size 512, 8 instances)"
set xlabel "tokens per sequence"
set xrange [24:680]
plot "{dat}" index 1 using 1:2 with linespoints lw 2 title "{title('seq', 'gscope', 'gscope')}", \\
     "" index 1 using 1:3 with linespoints lw 2 title "{title('seq', 'torch', 'PyTorch, totals only')}"
set title "Model size (8 × 64 tokens; SmolLM2 peer: the same quantities by torch.func.jvp)"
set xlabel "parameters"
set xrange [5e5:3e8]
plot "{dat}" index 2 using 1:2 with linespoints lw 2 title "{title('size', 'gscope', 'gscope')}", \\
     "" index 2 using 1:3 with linespoints lw 2 title "{title('size', 'torch', 'PyTorch (GPT: totals only)')}", \\
     "" index 2 using 1:2:4 with labels offset 0,1 notitle
unset logscale x
set xrange [0.5:2.5]
set xtics 1
set title "Threads (small GPT, 16 × 64)"
set xlabel "threads"
plot "{dat}" index 3 using 1:2 with linespoints lw 2 title "gscope", \\
     "" index 3 using 1:3 with linespoints lw 2 title "PyTorch, totals only"
unset multiplot
"""
    subprocess.run(["gnuplot"], input=gnuplot, text=True, check=True)
    print(f"wrote {os.path.join(OUT, 'cost-curves.png')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gscope", default=os.path.join(ROOT, ".build", "release", "gscope"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--threads", type=int, default=2, help="threads of every point off the threads axis")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--plot-only", action="store_true", help="draw from plots/bench/cost-curves.jsonl")
    args = ap.parse_args()
    if not args.plot_only:
        measure(args)
    draw()


if __name__ == "__main__":
    main()
