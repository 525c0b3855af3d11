#!/usr/bin/env bash
# The end-to-end demo (`make demo`): the synthetic TOFU-shaped benchmark, a tokenizer, the target
# model (all authors) and the retain model (without the forget01 authors), six unlearning runs with
# G-effects at every step and TOFU's metric suite every 10 steps, every figure into plots/, and a
# summary table. Paths follow data/configs/synthetic/.
#
#   notebooks-scripts/demo.sh            # GSCOPE, THREADS, OBJECTIVES may be set
set -euo pipefail
cd "$(dirname "$0")/.."
GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
OBJECTIVES=${OBJECTIVES:-ga npo simnpo wga tnpo npo_kl}
S=runs/synthetic
start=$(date +%s)
stage() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

stage "data: 200 synthetic authors (forget01: the last 2), holdout authors for membership inference"
$GSCOPE data synth --out $S/data --authors 200 --seed 0 --force
stage "tokenizer, target model (full) and retain model (retain99), tiny, 4 epochs each"
GSCOPE=$GSCOPE THREADS=$THREADS FRESH=1 bash notebooks-scripts/prepare_models.sh $S/data $S forget01

runs=()
for objective in $OBJECTIVES; do
  stage "unlearn forget01 with $objective (G-effects every step, evaluation at steps 0, 10, 20)"
  $GSCOPE unlearn --config data/configs/synthetic/$objective.yaml --threads "$THREADS" --quiet --force \
    --eval-every 10 --retain-model $S/retain99/checkpoint --set eval.holdout_split=holdout01 --out runs/demo/$objective
  runs+=(runs/demo/$objective/run.h5)
done

stage "figures -> plots/demo"
for objective in $OBJECTIVES; do
  $GSCOPE plot runs/demo/$objective/run.h5 --figure all --out plots/demo/$objective
done
$GSCOPE plot "${runs[@]}" --figure compare --out plots/demo
$GSCOPE plot "${runs[@]}" --figure tradeoff --out plots/demo

stage "summary (answer NLL before → after of the forget set and of the first 200 retain items; e_forget, e_retain: the last recorded G-effects)"
$GSCOPE inspect --table "${runs[@]}"
echo; echo "demo finished in $(( $(date +%s) - start )) s"
