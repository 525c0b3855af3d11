#!/usr/bin/env bash
# The real-LM setting of the G-effect paper, scaled down: SmolLM2-135M-Instruct (GGUF, from
# `make model`) fine-tuned on real TOFU `full` (the target) and on `retain99` (the retain model
# that forget quality compares with), in its chat format with the answer-only loss.
#
#   notebooks-scripts/reproduce/tofu_smollm2_finetune.sh            # both models
#   SPLITS=full notebooks-scripts/reproduce/tofu_smollm2_finetune.sh
#   SPLITS=retain10,forget01 EPOCHS=3 WARMUP=14 notebooks-scripts/reproduce/tofu_smollm2_finetune.sh  # 22 authors
#
# TOFU's recipe (Maini et al. 2024) fine-tunes Phi-1.5 and Llama-2-7B for 5 epochs at lr 1e-5 to
# 2e-5, effective batch 16–32, weight decay 0.01, one epoch of linear warm-up. Scaled to this
# model and to two CPU cores: 2 epochs (500 steps of 16; one step of 16 × 161 tokens takes
# 25–40 s here, so 5 epochs would be ~10 h per model), lr 1e-4 (a 10× smaller model, and the rate
# at which SmolLM2 learned 20 synthetic authors in 2 epochs in smollm2_unlearn.sh), warm-up of half
# an epoch (125 steps), weight decay 0.01, linear decay.
#
# Output: runs/tofu-smollm2/target for `full`, target22 for `retain10,forget01` (the first 20
# authors, which hold every retain_perturbed item, and forget01's two: a target that one sitting of
# three hours can fine-tune and unlearn; geffect_paper_tofu_smollm2.sh), else the split's name.
#
# Each fine-tune is resumable: it saves a snapshot every 25 steps into OUT/resume, and running this
# script again goes on from there to the same bits (TIME_LIMIT=S stops each sitting at the first
# snapshot after S seconds). Finished models are kept.
#
# Environment: GSCOPE (.build/release/gscope), THREADS (2), SPLITS (full retain99), DATA
# (../shared/data/tofu), EPOCHS (2), BATCH (16), LR (1e-4), WARMUP (125), TIME_LIMIT (none).
set -euo pipefail
cd "$(dirname "$0")/../.."
GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
SPLITS=${SPLITS:-full retain99}
DATA=${DATA:-../shared/data/tofu}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
R=runs/tofu-smollm2
[ -f "$MODEL" ] || $GSCOPE model fetch --dir models
limit=(); [ -n "${TIME_LIMIT:-}" ] && limit=(--time-limit "$TIME_LIMIT")
for split in $SPLITS; do
  case $split in full) out=$R/target ;; retain10,forget01) out=$R/target22 ;; *) out=$R/$split ;; esac
  if [ -f $out/checkpoint/model.safetensors ]; then echo "== $out is finished"; continue; fi
  echo "== fine-tune SmolLM2 on TOFU $split -> $out"
  $GSCOPE train --model $MODEL --tokenizer $MODEL --data "$DATA" --split "$split" \
    --epochs "${EPOCHS:-2}" --batch "${BATCH:-16}" --lr "${LR:-1e-4}" --schedule linear --warmup "${WARMUP:-125}" \
    --weight-decay 0.01 --threads "$THREADS" --log-every 5 --save-every 25 "${limit[@]}" --out $out
done
