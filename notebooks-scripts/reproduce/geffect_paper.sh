#!/usr/bin/env bash
# The G-effect paper's figures (REFERENCE §1–2), one command, on the synthetic benchmark or, with
# TOFU=DIR, on the real TOFU:
#
#   notebooks-scripts/reproduce/geffect_paper.sh                          # synthetic, forget01
#   TOFU=path/to/tofu FORGET=forget05 notebooks-scripts/reproduce/geffect_paper.sh
#
# Target model (notebooks-scripts/prepare_models.sh; reused when it exists), then one unlearning
# run per objective with G-effects at every step: GA, WGA, NPO, TNPO, PO (refusal tuning on "I
# don't know" answers), RMU, and the regularisers GA+GD, GA+KL, GA+RR. Figures go to
# plots/geffect-paper/BENCH-FORGET/:
#   objectives/compare     e_forget and e_retain of GA, WGA, NPO, TNPO on the same axes (Fig. 3a, 4, 6);
#   others/compare         PO and RMU, whose G-effects have another scale;
#   regularisers/compare   GA alone and with each retain term (Fig. 7);
#   RUN/geffect, layers, blocks (cumulative too)   where in the network each objective acts;
#   npo/instances, npo/weights   NPO's PG-effect scatter by weight band at steps 5, 10, 15, and
#                                its instance weights vs step (Fig. 5b, 5a).
# A last table lists every run's NLLs and G-effects.
#
# Environment: GSCOPE, THREADS (2), TOFU (a TOFU directory; default: the synthetic benchmark),
# FORGET (forget01), STEPS (the configs' 20), MODE (exact, or paper: the paper's micro-batch
# protocol, REFERENCE §1), OBJECTIVES (the list above, by config name: ga wga npo tnpo po rmu
# ga_gd ga_kl ga_rr).
set -euo pipefail
cd "$(dirname "$0")/../.."
GSCOPE=${GSCOPE:-.build/release/gscope}
THREADS=${THREADS:-2}
FORGET=${FORGET:-forget01}
MODE=${MODE:-exact}
OBJECTIVES=${OBJECTIVES:-ga wga npo tnpo po rmu ga_gd ga_kl ga_rr}
start=$(date +%s)
stage() { echo; echo "== [$(( $(date +%s) - start ))s] $*"; }

if [ -n "${TOFU:-}" ]; then
  BENCH=tofu DATA=$TOFU R=runs/tofu CONFIGS=data/configs/tofu/$FORGET
  export BLOCK=${BLOCK:-160}
else
  BENCH=synthetic DATA=runs/synthetic/data R=runs/synthetic CONFIGS=data/configs/synthetic
  if [ ! -f $DATA/full.json ]; then
    stage "data: the synthetic benchmark (200 authors) -> $DATA"
    $GSCOPE data synth --out $DATA --authors 200 --seed 0
  fi
fi
OUT=runs/geffect-paper/$BENCH-$FORGET
PLOTS=plots/geffect-paper/$BENCH-$FORGET

stage "models: tokenizer and target model for $BENCH in $R"
GSCOPE=$GSCOPE THREADS=$THREADS TARGET_ONLY=1 bash notebooks-scripts/prepare_models.sh "$DATA" $R "$FORGET"

declare -A RUN; ordered=()
for name in $OBJECTIVES; do
  # ga_kl and ga_rr are GA with another retain term than the config file's.
  config=$name retain=()
  case $name in ga_kl) config=ga_gd retain=(--retain kl) ;; ga_rr) config=ga_gd retain=(--retain rr) ;; esac
  [ -f $CONFIGS/$config.yaml ] || { echo "$0: no config $CONFIGS/$config.yaml for '$name'" >&2; exit 2; }
  stage "unlearn $FORGET with $name (G-effects at every step, $MODE mode)"
  $GSCOPE unlearn --config $CONFIGS/$config.yaml "${retain[@]}" --data "$DATA" --model $R/target/checkpoint \
    --tokenizer $R/tokenizer.json --forget-split "$FORGET" --threads "$THREADS" --geffect-mode "$MODE" \
    ${STEPS:+--steps $STEPS} --set name=$BENCH-$FORGET-$name --quiet --force --out $OUT/$name
  RUN[$name]=$OUT/$name/run.h5; ordered+=("${RUN[$name]}")
done

# The runs of `names` that exist, with their labels.
group() { files=(); labels=(); for n in "$@"; do [ -n "${RUN[$n]:-}" ] && files+=("${RUN[$n]}") && labels+=(--label "$n"); done; }
stage "figures -> $PLOTS"
for spec in "objectives:ga wga npo tnpo" "others:po rmu" "regularisers:ga ga_gd ga_kl ga_rr"; do
  group ${spec#*:}
  [ ${#files[@]} -ge 2 ] && $GSCOPE plot "${files[@]}" "${labels[@]}" --figure compare --out $PLOTS/${spec%%:*}
done
for name in $OBJECTIVES; do
  for figure in geffect layers blocks; do
    $GSCOPE plot "${RUN[$name]}" --figure $figure --out $PLOTS/$name
  done
  $GSCOPE plot "${RUN[$name]}" --figure geffect --cumulative --out $PLOTS/$name/cumulative
done
if [ -n "${RUN[npo]:-}" ] && [ "$MODE" = exact ]; then
  $GSCOPE plot "${RUN[npo]}" --figure instances --steps 5,10,15 --out $PLOTS/npo
  $GSCOPE plot "${RUN[npo]}" --figure weights --out $PLOTS/npo
fi

stage "summary"
$GSCOPE inspect --table "${ordered[@]}"
echo; echo "finished in $(( $(date +%s) - start )) s"
