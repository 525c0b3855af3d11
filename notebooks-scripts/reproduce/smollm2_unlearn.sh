#!/usr/bin/env bash
# Unlearning on a real pretrained model: SmolLM2-135M-Instruct (GGUF, from `make model`) is
# fine-tuned on 20 synthetic authors in its chat format, then unlearns the last 2 of them
# (forget10) with each objective, with G-effects and TOFU's metrics during the run, and every
# figure is drawn.
#
#   notebooks-scripts/reproduce/smollm2_unlearn.sh
#   OBJECTIVES="npo simnpo ga_gd npo_kl" RETAIN=1 notebooks-scripts/reproduce/smollm2_unlearn.sh
#
# Stages (what exists is kept unless FRESH=1):
#   1. models/SmolLM2-135M-Instruct.Q4_1.gguf (gscope model fetch) and runs/smollm2/data
#      (`gscope data synth --authors 20`: forget10 = the last 2 authors, retain90 = the other 18,
#      holdout10 = 2 authors the model never sees).
#   2. runs/smollm2/target: SmolLM2 fine-tuned on all 20 authors (EPOCHS passes, batch 4, AdamW
#      LR with linear warm-up and decay; answer-only loss in the chat format). With RETAIN=1 also
#      runs/smollm2/retain90 (the same on the 18 retained authors), which gives forget quality.
#   3. For each objective: gscope unlearn --config data/configs/smollm2/<objective>.yaml into
#      runs/smollm2/unlearn/<objective> (10 steps at lr 5e-5, G-effects every 2, evaluation at 0 and 10).
#   4. Figures into plots/smollm2/<objective>/ and plots/smollm2/ (compare, tradeoff), then a table.
#
# Environment: GSCOPE (.build/release/gscope), THREADS (2), OBJECTIVES (npo ga_gd; empty: fine-tune only), EPOCHS (2),
# LR (1e-4), RETAIN (0), FRESH (0), STEPS (overrides run.steps of every objective).
set -euo pipefail
cd "$(dirname "$0")/../.."
GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
OBJECTIVES=${OBJECTIVES-npo ga_gd}
EPOCHS=${EPOCHS:-2}
LR=${LR:-1e-4}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
R=runs/smollm2
start=$(date +%s)
stage() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

[ -f "$MODEL" ] || { stage "fetching $MODEL"; $GSCOPE model fetch --dir models; }
[ "${FRESH:-0}" = 1 ] && rm -rf $R/data $R/target $R/retain90
if [ ! -f $R/data/full.json ]; then
  stage "data: 20 synthetic authors (forget10: the last 2; holdout10: 2 more, never trained on)"
  $GSCOPE data synth --out $R/data --authors 20 --seed 0 --force
fi

splits="full"; [ "${RETAIN:-0}" = 1 ] && splits="full retain90"
for split in $splits; do
  out=$R/target; [ $split = full ] || out=$R/$split
  if [ -f $out/checkpoint/model.safetensors ]; then
    echo "== reusing $out (FRESH=1 fine-tunes again)"
    continue
  fi
  stage "fine-tune SmolLM2 on $split, $EPOCHS epochs, lr $LR -> $out"
  $GSCOPE train --data $R/data --split $split --tokenizer $MODEL --model $MODEL --epochs "$EPOCHS" --batch 4 \
    --lr "$LR" --schedule linear --warmup 10 --threads "$THREADS" --log-every 20 --out $out
done

extra=(); [ "${RETAIN:-0}" = 1 ] && extra+=(--retain-model $R/retain90/checkpoint)
[ -n "${STEPS:-}" ] && extra+=(--set run.steps="$STEPS")
runs=()
for objective in $OBJECTIVES; do
  stage "unlearn forget10 with $objective (G-effects every 2 steps, evaluation at 0 and 10)"
  $GSCOPE unlearn --config data/configs/smollm2/$objective.yaml --threads "$THREADS" --force \
    --out $R/unlearn/$objective "${extra[@]}"
  runs+=($R/unlearn/$objective/run.h5)
done
[ ${#runs[@]} -gt 0 ] || { echo "no objective given: stopping after fine-tuning"; exit 0; }

stage "figures -> plots/smollm2"
for objective in $OBJECTIVES; do
  $GSCOPE plot $R/unlearn/$objective/run.h5 --figure all --out plots/smollm2/$objective
done
$GSCOPE plot "${runs[@]}" --figure compare --out plots/smollm2
# The tradeoff figure needs forget quality, which needs the retain model.
[ "${RETAIN:-0}" = 1 ] && $GSCOPE plot "${runs[@]}" --figure tradeoff --out plots/smollm2

stage "summary"
$GSCOPE inspect --table "${runs[@]}"
echo; echo "finished in $(( $(date +%s) - start )) s"
