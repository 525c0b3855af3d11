#!/usr/bin/env bash
# Issue 19 item 6: the G-effect paper's comparisons on a real pretrained LM fine-tuned on real TOFU.
#
#   notebooks-scripts/reproduce/geffect_paper_tofu_smollm2.sh
#   TIME_LIMIT=7200 notebooks-scripts/reproduce/geffect_paper_tofu_smollm2.sh   # one sitting of the fine-tunes
#
# 1. tofu_smollm2_finetune.sh: SmolLM2-135M-Instruct fine-tuned on TOFU `full` (the target) and on
#    `retain99` (the retain model of forget quality); resumable, TIME_LIMIT ends a sitting there.
# 2. The sweep data/sweeps/geffect-paper-tofu-smollm2.yaml (11 objectives × 3 seeds on forget01,
#    the paper's unlearning recipe; see the file), run JOBS at a time (resumable: run the script
#    again after a kill; a killed run starts over), and collected.
# 3. TOFU's metric suite, once for the target (runs/tofu-smollm2/target/eval) and once for each
#    run's final checkpoint (RUN/eval), with forget quality against the retain99 model; an
#    evaluation that wrote its summary.json is kept.
# 4. Figures into plots/sweeps/geffect-paper-tofu-smollm2 (G-effect bands) and two tables: the
#    seed means of every objective, and the paper's comparisons beside the tiny synthetic model's
#    sweep (runs/sweeps/geffect-paper, from data/sweeps/geffect-paper-synthetic.yaml) when it is
#    there.
#
# Environment: GSCOPE (.build/release/gscope), THREADS (2 per run), JOBS (1), TIME_LIMIT (none),
# DATA (../shared/data/tofu).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
DATA=${DATA:-../shared/data/tofu}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
R=runs/tofu-smollm2
start=$(date +%s)
evaluate() {  # CHECKPOINT OUT: TOFU's suite on forget01, unless OUT/summary.json is there
  [ -f "$2/summary.json" ] && return 0
  echo "== evaluating $1 -> $2"
  $GSCOPE eval --model "$1" --tokenizer $MODEL --data "$DATA" --forget-split forget01 \
    --retain-model $R/retain99/checkpoint --threads "$THREADS" --out "$2"
}
THREADS=$THREADS notebooks-scripts/reproduce/tofu_smollm2_finetune.sh
for model in target retain99; do
  if [ ! -f $R/$model/checkpoint/model.safetensors ]; then
    echo "$R/$model is not fine-tuned yet (TIME_LIMIT ended the sitting): run this script again"
    exit 0
  fi
done

out=runs/sweeps/geffect-paper-tofu-smollm2 plots=plots/sweeps/geffect-paper-tofu-smollm2
$GSCOPE sweep plan data/sweeps/geffect-paper-tofu-smollm2.yaml --out $out
$GSCOPE sweep run $out --jobs "${JOBS:-1}" --threads "$THREADS"
$GSCOPE sweep collect $out
evaluate $R/target/checkpoint $R/target/eval
for run in $out/runs/*/; do  # a diverged run has no final checkpoint to evaluate
  if [ -f ${run}checkpoint/model.safetensors ]; then evaluate ${run}checkpoint ${run}eval; fi
done
$GSCOPE plot $out/sweep.h5 --figure geffect-bands --out $plots
python3 notebooks-scripts/reproduce/sweep_table.py $out/sweep.csv \
  forget_nll_after-forget_nll_before retain_nll_after-retain_nll_before \
  ratio:retain_nll_after-retain_nll_before/forget_nll_after-forget_nll_before e_forget e_retain
tiny=(); [ -f runs/sweeps/geffect-paper/sweep.csv ] && tiny=(tiny=runs/sweeps/geffect-paper)
python3 notebooks-scripts/reproduce/geffect_comparisons.py "${tiny[@]}" SmolLM2=$out
echo "finished in $(( $(date +%s) - start )) s"
