#!/usr/bin/env bash
# The tokenizer, target model and retain model that unlearning starts from, for a TOFU-shaped
# directory (the synthetic benchmark or the real TOFU):
#
#   notebooks-scripts/prepare_models.sh DATA_DIR RUN_DIR [FORGET_SPLIT]
#
# RUN_DIR/tokenizer.json (BPE, 2,048 tokens, trained on DATA_DIR), RUN_DIR/target (trained on
# `full`) and RUN_DIR/retainNN (on the retain split that matches FORGET_SPLIT, e.g. retain99 for
# forget01, the default), both tiny, 4 epochs. Both also learn the real-author and world-fact answers, the general
# knowledge a pretrained model would bring (model utility's real-authors and world-facts parts);
# the 60 items are repeated 10 times, else a model this small cannot answer them (measured: ROUGE
# 0 once, 1 with 10 copies). What exists already is kept unless FRESH=1.
#
# Environment: GSCOPE (binary), THREADS (2), BLOCK (the model's block size; tiny's 64 fits the
# synthetic items, real TOFU needs 160 with this tokenizer), FRESH, TARGET_ONLY=1 (no retain model).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DATA_DIR RUN_DIR [FORGET_SPLIT]" >&2; exit 2; }
DATA=$1 R=$2 FORGET=${3:-forget01}
GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
[ -f "$DATA/full.json" ] || { echo "$0: $DATA/full.json: no such file (a TOFU-shaped directory is needed)" >&2; exit 2; }
case $FORGET in
  forget01) RETAIN=retain99 ;; forget05) RETAIN=retain95 ;; forget10) RETAIN=retain90 ;;
  *) echo "$0: forget split '$FORGET' is not forget01, forget05 or forget10" >&2; exit 2 ;;
esac
[ "${FRESH:-0}" = 1 ] && rm -rf "$R/tokenizer.json" "$R/target" "$R/$RETAIN"

if [ ! -f "$R/tokenizer.json" ]; then
  echo "== tokenizer: BPE, 2,048 tokens, trained on $DATA -> $R/tokenizer.json"
  $GSCOPE tokenizer train --corpus "$DATA" --vocab 2048 --out "$R/tokenizer.json"
fi

general=$(printf ',real_authors,world_facts%.0s' $(seq 10))
splits="full"; [ "${TARGET_ONLY:-0}" = 1 ] || splits="full $RETAIN"
for split in $splits; do
  out=$R/target; [ $split = full ] || out=$R/$split
  if [ -f "$out/checkpoint/model.safetensors" ]; then
    echo "== reusing $out (FRESH=1 retrains)"
    continue
  fi
  echo "== train tiny on $split + 10 × (real_authors + world_facts) -> $out"
  $GSCOPE train --data "$DATA" --split $split$general --tokenizer "$R/tokenizer.json" --size tiny ${BLOCK:+--block-size $BLOCK} \
    --epochs 4 --batch 16 --lr 3e-3 --schedule linear --warmup 20 --threads "$THREADS" --log-every 250 --out "$out"
done
