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
$GSCOPE tokenizer train --corpus $S/data --vocab 2048 --out $S/tokenizer.json

# Both models also learn the real-author and world-fact answers, the general knowledge a pretrained
# model would bring (model utility's real-authors and world-facts parts); the 60 items are repeated
# 10 times, else a model this small cannot answer them (measured: ROUGE 0 once, 1 with 10 copies).
general=$(printf ',real_authors,world_facts%.0s' $(seq 10))
for split in full retain99; do
  out=$S/target; [ $split = retain99 ] && out=$S/retain
  stage "train tiny on $split + 10 × (real_authors + world_facts) -> $out"
  $GSCOPE train --data $S/data --split $split$general --tokenizer $S/tokenizer.json --model tiny --epochs 4 --batch 16 \
    --lr 3e-3 --schedule linear --warmup 20 --threads "$THREADS" --log-every 250 --out $out
done

runs=()
for objective in $OBJECTIVES; do
  stage "unlearn forget01 with $objective (G-effects every step, evaluation at steps 0, 10, 20)"
  $GSCOPE unlearn --config data/configs/synthetic/$objective.yaml --threads "$THREADS" --quiet --force \
    --eval-every 10 --retain-model $S/retain/checkpoint --set eval.holdout_split=holdout01 --out runs/demo/$objective
  runs+=(runs/demo/$objective/run.h5)
done

if $GSCOPE plot --help >/dev/null 2>&1; then
  stage "figures -> plots/"
  for objective in $OBJECTIVES; do
    $GSCOPE plot runs/demo/$objective/run.h5 --figure all --out plots/demo/$objective
  done
  $GSCOPE plot "${runs[@]}" --figure compare --out plots/demo
  $GSCOPE plot "${runs[@]}" --figure tradeoff --out plots/demo
fi

stage "summary (forget NLL and retain NLL: answer NLL before → after; e_u, e_r: the last recorded G-effects)"
$GSCOPE inspect --table "${runs[@]}"
echo; echo "demo finished in $(( $(date +%s) - start )) s"
