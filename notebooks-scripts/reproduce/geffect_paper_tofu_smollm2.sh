#!/usr/bin/env bash
# Issue 19 item 6: the G-effect paper's comparisons on a real pretrained LM fine-tuned on real TOFU,
# scaled to one sitting of about three hours on two CPU cores (see data/sweeps/geffect-paper-tofu-smollm2.yaml).
#
#   notebooks-scripts/reproduce/geffect_paper_tofu_smollm2.sh
#   EVALUATE=1 notebooks-scripts/reproduce/geffect_paper_tofu_smollm2.sh   # also forget quality and model utility
#
# 1. The target: SmolLM2-135M-Instruct fine-tuned on TOFU `retain10,forget01` (22 authors, 440
#    items; tofu_smollm2_finetune.sh, 3 epochs, 84 steps), resumable. The fine-tune is
#    bit-reproducible: its model.safetensors' SHA-256 is printed, to compare with the README's.
# 2. The sweep's 12 runs, seed by seed (so that a sitting cut short leaves whole seeds), each as
#    `gscope sweep task` (a finished run is skipped, a killed one redone), then collected.
# 3. With EVALUATE=1: the retain model (`retain10`, the same recipe) and TOFU's metric suite on
#    the target (runs/tofu-smollm2/target22/eval) and on each run's final checkpoint (RUN/eval),
#    forget quality against the retain model; an evaluation that wrote its summary.json is kept.
# 4. The G-effect bands into plots/sweeps/geffect-paper-tofu-smollm2, the seed-mean table, and the
#    paper's comparisons beside the tiny synthetic model's sweep (runs/sweeps/geffect-paper, from
#    data/sweeps/geffect-paper-synthetic.yaml) when it is there.
#
# Environment: GSCOPE (.build/release/gscope), THREADS (2), EVALUATE (0), DATA (../shared/data/tofu).
set -euo pipefail
cd "$(dirname "$0")/../.."
export GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
DATA=${DATA:-../shared/data/tofu}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
R=runs/tofu-smollm2
start=$(date +%s)
splits="retain10,forget01"; [ "${EVALUATE:-0}" = 1 ] && splits="retain10,forget01 retain10"
SPLITS=$splits EPOCHS=3 WARMUP=14 THREADS=$THREADS notebooks-scripts/reproduce/tofu_smollm2_finetune.sh
[ -f $R/target22/checkpoint/model.safetensors ] || { echo "$R/target22 is not fine-tuned yet: run this script again"; exit 0; }
sha256sum $R/target22/checkpoint/model.safetensors

out=runs/sweeps/geffect-paper-tofu-smollm2 plots=plots/sweeps/geffect-paper-tofu-smollm2
[ -f $out/manifest.jsonl ] || $GSCOPE sweep plan data/sweeps/geffect-paper-tofu-smollm2.yaml --out $out
mkdir -p $out/logs
order='import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
for r in sorted(runs, key=lambda r: (int(r["axes"]["seed"]), r["index"])): print(r["index"], r["id"])'
python3 -c "$order" $out/manifest.jsonl | while read -r i id; do  # seed by seed, in plan order within a seed
  echo "== $(date +%T) run $i: $id"
  $GSCOPE sweep task $out "$i" --threads "$THREADS" >> "$out/logs/$id.log" 2>&1 < /dev/null
  tail -1 "$out/logs/$id.log"
done
$GSCOPE sweep collect $out

if [ "${EVALUATE:-0}" = 1 ]; then
  evaluate() {  # CHECKPOINT OUT: TOFU's suite on forget01, unless OUT/summary.json is there
    [ -f "$2/summary.json" ] && return 0
    echo "== evaluating $1 -> $2"
    $GSCOPE eval --model "$1" --tokenizer $MODEL --data "$DATA" --forget-split forget01 \
      --retain-model $R/retain10/checkpoint --threads "$THREADS" --out "$2"
  }
  evaluate $R/target22/checkpoint $R/target22/eval
  for run in $out/runs/*/; do  # a diverged run has no final checkpoint to evaluate
    if [ -f ${run}checkpoint/model.safetensors ]; then evaluate ${run}checkpoint ${run}eval; fi
  done
fi
$GSCOPE plot $out/sweep.h5 --figure geffect-bands --out $plots
python3 notebooks-scripts/reproduce/sweep_table.py $out/sweep.csv \
  forget_nll_after-forget_nll_before retain_nll_after-retain_nll_before \
  ratio:retain_nll_after-retain_nll_before/forget_nll_after-forget_nll_before e_forget e_retain
tiny=(); [ -f runs/sweeps/geffect-paper/sweep.csv ] && tiny=(tiny=runs/sweeps/geffect-paper)
python3 notebooks-scripts/reproduce/geffect_comparisons.py "${tiny[@]}" SmolLM2=$out
echo "finished in $(( $(date +%s) - start )) s"
