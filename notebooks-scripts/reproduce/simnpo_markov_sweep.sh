#!/usr/bin/env bash
# SimNPO's two Markov experiments with 5 seeds, as one sweep (data/sweeps/simnpo-markov.yaml):
# experiments A and B × NPO β 1 and SimNPO β 1, 2.5, 5 × seeds 0-4 = 40 runs of 50 iterations.
#
#   notebooks-scripts/reproduce/simnpo_markov_sweep.sh            # JOBS=2: two runs at a time
#   JOBS=1 THREADS=2 notebooks-scripts/reproduce/simnpo_markov_sweep.sh
#
# First the 10 pre-trained targets (runs/markov/seed-S/{A,B}/target, 5 epochs each; kept when
# they exist, and shared with simnpo_markov.sh), then plan, run (resumable: run the script again
# after a kill), collect and the figures, into plots/sweeps/simnpo-markov/{A,B}/: `frontier`
# (forget KL against retain KL per iteration, seed means with 95 % bands), `geffect-bands`, and
# `heatmap` of SimNPO's final forget2 KL over β × experiment.
#
# Environment: GSCOPE (binary), JOBS (2), THREADS (per run; default cores / JOBS),
# OUT (runs/sweeps/simnpo-markov), PLOTS (plots/sweeps/simnpo-markov).
set -euo pipefail
cd "$(dirname "$0")/../.."
GSCOPE=${GSCOPE:-.build/release/gscope}
JOBS=${JOBS:-2}
OUT=${OUT:-runs/sweeps/simnpo-markov}
PLOTS=${PLOTS:-plots/sweeps/simnpo-markov}
start=$(date +%s)
stage() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

for seed in 0 1 2 3 4; do
  for experiment in A B; do
    dir=runs/markov/seed-$seed/$experiment
    [ -f $dir/target/checkpoint/model.safetensors ] && continue
    stage "pre-training the target of experiment $experiment, seed $seed (5 epochs)"
    $GSCOPE train --markov $experiment --markov-seed $seed --seed $seed --log-every 625 --out $dir/target
  done
done

stage "plan and run the sweep (JOBS=$JOBS)"
$GSCOPE sweep plan data/sweeps/simnpo-markov.yaml --out $OUT
$GSCOPE sweep run $OUT --jobs $JOBS ${THREADS:+--threads $THREADS}
$GSCOPE sweep collect $OUT

stage "figures -> $PLOTS"
for experiment in A B; do
  $GSCOPE plot $OUT/sweep.h5 --figure frontier --where markov=$experiment --out $PLOTS/$experiment
  $GSCOPE plot $OUT/sweep.h5 --figure geffect-bands --where markov=$experiment --out $PLOTS/$experiment
done
$GSCOPE plot $OUT/sweep.h5 --figure heatmap --metric kl_forget2 --x markov --y beta --where name=simnpo --out $PLOTS
echo; echo "finished in $(( $(date +%s) - start )) s; the final values per run: $OUT/sweep.csv"
