#!/usr/bin/env bash
# SimNPO's two mixture-of-Markov-chains experiments (REFERENCE §4), one command:
#
#   notebooks-scripts/reproduce/simnpo_markov.sh            # seed 0, about 4 minutes on 2 cores
#   SEEDS="0 1 2" notebooks-scripts/reproduce/simnpo_markov.sh
#
# Per seed and experiment (A: forget2 sequences are short; B: forget2 was never learned): the
# target model is pre-trained (5 epochs), then unlearned for 50 iterations with NPO (β 1) and
# SimNPO (β 1, 2.5, 5), the KL to the true transition rows evaluated after every iteration on
# 256 test sequences per group, G-effects on 64 forget instances and 100 retain sequences every
# RECORD_EVERY iterations. Figures go to plots/markov/seed-S/{A,B}/: `markov` (forget KL vs
# retain KL, the paper's figures), `compare` (G-effects of the four runs) and, per run (-1 … -4 in
# the order npo-b1, simnpo-b1, simnpo-b2.5, simnpo-b5), `weights` and `groups`: the G-effect the
# forget1 and forget2 sequences contribute and their median instance weight, where SimNPO's two
# mechanisms show (A: which sequences carry NPO's update; B: NPO's weights start at 1 for every
# sequence, learned or not, SimNPO's follow the current likelihood).
# A last table lists every run's final KLs.
#
# Environment: GSCOPE (binary), THREADS (2), SEEDS ("0"), RECORD_EVERY (5; 1 records every
# iteration and adds about 40 s), RUNS (runs/markov), PLOTS (plots/markov). A pre-trained
# target is reused when its checkpoint exists; delete RUNS to start over.
set -euo pipefail
cd "$(dirname "$0")/../.."
GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
SEEDS=${SEEDS:-0}
RECORD_EVERY=${RECORD_EVERY:-5}
RUNS=${RUNS:-runs/markov}
PLOTS=${PLOTS:-plots/markov}
start=$(date +%s)
stage() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

# label  objective  β
VARIANTS="npo-b1:npo:1 simnpo-b1:simnpo:1 simnpo-b2.5:simnpo:2.5 simnpo-b5:simnpo:5"

all_runs=()
for seed in $SEEDS; do
  for experiment in A B; do
    dir=$RUNS/seed-$seed/$experiment
    if [ -f $dir/target/checkpoint/model.safetensors ]; then
      stage "seed $seed, experiment $experiment: reusing the pre-trained model in $dir/target"
    else
      stage "seed $seed, experiment $experiment: pre-training the target model (5 epochs)"
      $GSCOPE train --markov $experiment --markov-seed "$seed" --seed "$seed" --threads "$THREADS" \
        --log-every 125 --out $dir/target
    fi

    runs=(); labels=()
    for variant in $VARIANTS; do
      IFS=: read -r label objective beta <<< "$variant"
      stage "seed $seed, experiment $experiment: unlearning with $objective β $beta (50 iterations)"
      $GSCOPE unlearn --config data/configs/markov/${experiment}_$objective.yaml --threads "$THREADS" --quiet --force \
        --seed "$seed" --model $dir/target/checkpoint \
        --set name=markov-$experiment-$label --set data.markov_seed="$seed" --set objective.forget.beta="$beta" \
        --set run.record_every="$RECORD_EVERY" --set run.geffect_forget_size=64 \
        --out $dir/$label
      runs+=($dir/$label/run.h5); labels+=(--label "$label")
    done
    all_runs+=("${runs[@]}")

    stage "seed $seed, experiment $experiment: figures -> $PLOTS/seed-$seed/$experiment"
    out=$PLOTS/seed-$seed/$experiment
    $GSCOPE plot "${runs[@]}" "${labels[@]}" --figure markov --out $out
    $GSCOPE plot "${runs[@]}" "${labels[@]}" --figure compare --out $out
    $GSCOPE plot "${runs[@]}" "${labels[@]}" --figure weights --out $out
    $GSCOPE plot "${runs[@]}" "${labels[@]}" --figure groups --out $out
  done
done

stage "final KL per run (nats/token; forget higher = more forgotten, retain lower = better kept)"
$GSCOPE inspect --table "${all_runs[@]}"
echo; echo "finished in $(( $(date +%s) - start )) s"
