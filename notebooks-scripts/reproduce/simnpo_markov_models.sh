#!/usr/bin/env bash
# Issue 19 item 5: SimNPO's two Markov experiments on both models under the public code's
# unlearning protocol, 5 seeds each: data/sweeps/simnpo-markov-protocol-{gpt,reference}.yaml
# (A and B × NPO β 1 and SimNPO β 1, 2.5, 5 × seeds 0-4; 40 runs each; with JOBS=2 THREADS=1 on two
# cores shared with one more process, a run took 90-150 s on the reference model, 300-360 s on the
# GPT).
#
#   notebooks-scripts/reproduce/simnpo_markov_models.sh          # MODELS="gpt reference"
#
# First the pre-trained targets that are missing (runs/markov/seed-S/{A,B}/target for the GPT, as
# simnpo_markov_sweep.sh trains them; runs/markov-reference/seed-S/{A,B}/target for SimNPO's model),
# each resumable (--save-every), then each sweep is planned, run (resumable: run the script again
# after a kill) and collected into runs/sweeps/simnpo-markov-protocol-<model>/sweep.{h5,csv}, with
# the frontier figures under plots/sweeps/simnpo-markov-protocol-<model>/{A,B}.
#
# Environment: GSCOPE (binary), JOBS (1), THREADS (per run), MODELS (gpt reference).
set -euo pipefail
cd "$(dirname "$0")/../.."
GSCOPE=${GSCOPE:-.build/release/gscope}
JOBS=${JOBS:-1}
for model in ${MODELS:-gpt reference}; do
  dir=markov; arch=(); [ "$model" = reference ] && { dir=markov-reference; arch=(--model markov-reference); }
  for seed in 0 1 2 3 4; do
    for experiment in A B; do
      target=runs/$dir/seed-$seed/$experiment/target
      [ -f $target/checkpoint/model.safetensors ] && continue
      echo "== pre-training $target"
      $GSCOPE train --markov $experiment "${arch[@]}" --markov-seed $seed --seed $seed --log-every 625 --save-every 100 --out $target
    done
  done
  out=runs/sweeps/simnpo-markov-protocol-$model plots=plots/sweeps/simnpo-markov-protocol-$model
  echo "== the sweep on the $model model -> $out"
  $GSCOPE sweep plan data/sweeps/simnpo-markov-protocol-$model.yaml --out $out
  $GSCOPE sweep run $out --jobs "$JOBS" ${THREADS:+--threads $THREADS}
  $GSCOPE sweep collect $out
  # The axes of the paper's figures (REFERENCE §4), widened in y to show NPO's faster forgetting.
  $GSCOPE plot $out/sweep.h5 --figure frontier --where markov=A --xrange 0:0.25 --yrange 0:1.5 --out $plots/A
  $GSCOPE plot $out/sweep.h5 --figure frontier --where markov=B --xrange 0:0.3 --yrange 0:1.5 --out $plots/B
done
