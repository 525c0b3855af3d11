#!/usr/bin/env bash
# Compares training-step time of gscope against the PyTorch reference GPT, model by model.
#
#   notebooks-scripts/bench/compare_torch.sh
#   MODELS="tiny small" THREADS=1 notebooks-scripts/bench/compare_torch.sh
#
# For each model in $MODELS (default: tiny small medium) it runs
#   python3 notebooks-scripts/bench/torch_bench.py --model M --batch B --seq T --steps N --warmup W --threads K --json
#   $GSCOPE bench --size M --mode train --batch B --seq T --steps N --threads K --json
# and prints a table: model, seq, torch ms/step, gscope ms/step, ratio gscope/torch, and both GFLOP/s.
#
# With BASELINE=<another gscope binary> (e.g. one built from an earlier commit) the table also times
# it, interleaved with this one, and prints baseline ms/step and gscope/baseline: the cost of a change
# measured against its peer in the same run (a baseline older than --size is given --model M).
#
# Then (unless LLAMA=0) SmolLM2-135M, issue 8's target, beside transformers' LlamaForCausalLM:
#   python3 notebooks-scripts/bench/torch_llama_bench.py --batch LB --seq LT --steps LN --warmup LW --threads K --json
#   $GSCOPE bench --model $GGUF --mode train --batch LB --seq LT --steps LN --warmup LW --threads K --json
#   (or --arch llama --size smollm2 in place of --model $GGUF)
# both on the weights of $GGUF when it exists (random weights of the same shape otherwise), and
# prints torch and gscope ms/step, the ratio gscope/torch and both tokens/s.
#
# Then (unless DECODE=0) SmolLM2's greedy decoding at batch 1 and 8 (DECODE_BATCHES), 64 new tokens,
# beside transformers' generate with its key/value cache:
#   python3 notebooks-scripts/bench/torch_generate_bench.py --batch B --new-tokens 64 --steps 3 --warmup 1 ...
#   $GSCOPE bench --mode generate --model $GGUF --batch B --new-tokens 64 --steps 3 --warmup 1 ...
# and prints both in new tokens per second, with gscope/torch (above 1: gscope is faster).
#
# Then (unless GEFFECT=0) the instrumentation on the small model, beside
#   python3 notebooks-scripts/bench/torch_geffect_bench.py --mode geffect|pg ...
# geffect: one fully instrumented NPO step (gscope: per-tensor, per-instance and per-token values;
# PyTorch: totals only, three backward passes); pg: PG-effects of 32 instances (gscope: forward-mode
# passes; PyTorch: one backward per instance, and one batched forward+backward for comparison).
#
# Then (unless GEFFECT_LLAMA=0) the same instrumented NPO step on SmolLM2-135M's shape (random weights)
# with TOFU's lengths (tofu-smollm2-lengths.json: forget01's 40 items, 16 retain items, in chunks of 16):
#   python3 notebooks-scripts/bench/torch_geffect_bench.py --model smollm2 --mode geffect --lengths F ...
#   $GSCOPE bench --mode geffect --arch llama --size smollm2 --lengths F ...
# both computing every per-tensor, per-instance and per-token value (PyTorch with torch.func.jvp).
#
# Environment: MODELS (a blank value skips the GPT table), BATCH (16), SEQ (128, capped at each model's block size), STEPS (20),
# WARMUP (3, torch only), THREADS (2), GSCOPE (default <repo>/.build/release/gscope; build it with
# `swift build -c release`), PYTHON (python3), JSONL (if set, every JSON line is appended to it);
# for SmolLM2: LLAMA (1), LLAMA_BATCH (4), LLAMA_SEQ (128), LLAMA_STEPS (5), LLAMA_WARMUP (2),
# GGUF (default <repo>/models/SmolLM2-135M-Instruct.Q4_1.gguf; fetch it with `make model`);
# for decoding: DECODE (1), DECODE_BATCHES ("1 8");
# for the SmolLM2 instrumented step: GEFFECT_LLAMA (1), LLAMA_GEFFECT_STEPS (2), LLAMA_GEFFECT_WARMUP (1),
# LENGTHS (default notebooks-scripts/bench/tofu-smollm2-lengths.json).
# Both programs print one JSON line with the keys impl, model, params, batch, seq, threads, steps,
# ms_per_step_median, tokens_per_s, gflops. A missing or failing gscope leaves its column "n/a".
set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODELS=${MODELS-tiny small medium}
BATCH=${BATCH:-16}
SEQ=${SEQ:-128}
STEPS=${STEPS:-20}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-2}
GSCOPE=${GSCOPE:-$ROOT/.build/release/gscope}
PYTHON=${PYTHON:-python3}
JSONL=${JSONL:-}
BASELINE=${BASELINE:-}
LLAMA=${LLAMA:-1}
LLAMA_BATCH=${LLAMA_BATCH:-4}
LLAMA_SEQ=${LLAMA_SEQ:-128}
LLAMA_STEPS=${LLAMA_STEPS:-5}
LLAMA_WARMUP=${LLAMA_WARMUP:-2}
GGUF=${GGUF:-$ROOT/models/SmolLM2-135M-Instruct.Q4_1.gguf}

# Prints the value of key $1 from the last JSON object line on stdin, or "n/a".
field() {
    "$PYTHON" -c '
import json, sys
key, obj = sys.argv[1], None
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        try:
            obj = json.loads(line)
        except ValueError:
            pass
v = obj.get(key) if obj else None
print("n/a" if v is None else (f"{v:.2f}" if isinstance(v, float) else v))
' "$1"
}

# Prints $2 / $1 with two decimals, or "n/a".
ratio() {
    "$PYTHON" -c '
import sys
try:
    print(f"{float(sys.argv[2]) / float(sys.argv[1]):.2f}")
except (ValueError, ZeroDivisionError):
    print("n/a")
' "$1" "$2"
}

# Prints the last JSON object line of $1 (a file), if any.
json_line() { grep '^{' "$1" | tail -n 1; }

# Times the training step of model $2 with the gscope binary $1 (called $3 in messages) and prints
# its JSON line, or nothing (and its last words on stderr) when it fails.
gscope_train() {
    [ -x "$1" ] || return 0
    echo "== $2: $3" >&2
    # A model size is --size NAME; a baseline built before issue 16 knows only --model NAME.
    local size_option=--size
    "$1" bench --help 2>/dev/null | grep -q -- '--size' || size_option=--model
    if "$1" bench "$size_option" "$2" --mode train --batch "$BATCH" --seq "$SEQ" --steps "$STEPS" \
            --threads "$THREADS" --json >"$tmp/$3.out" 2>"$tmp/$3.err"; then
        json_line "$tmp/$3.out"
    else
        echo "$3 bench failed for $2; its last words:" >&2
        tail -n 5 "$tmp/$3.err" "$tmp/$3.out" >&2
    fi
}

have_gscope=1
if [ ! -x "$GSCOPE" ]; then
    echo "note: gscope binary not found at $GSCOPE (build it with 'swift build -c release' or set GSCOPE=...);" >&2
    echo "      only the torch column will be filled." >&2
    have_gscope=0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
rows=()
for model in $MODELS; do
    echo "== $model: torch" >&2
    if ! "$PYTHON" "$HERE/torch_bench.py" --model "$model" --batch "$BATCH" --seq "$SEQ" --steps "$STEPS" \
            --warmup "$WARMUP" --threads "$THREADS" --json >"$tmp/torch.out" 2>"$tmp/torch.err"; then
        echo "torch bench failed for $model:" >&2
        tail -n 5 "$tmp/torch.err" >&2
    fi
    torch_json="$(json_line "$tmp/torch.out")"

    gscope_json="$(gscope_train "$GSCOPE" "$model" gscope)"
    base_json=""
    [ -n "$BASELINE" ] && base_json="$(gscope_train "$BASELINE" "$model" baseline)"
    if [ -n "$JSONL" ]; then
        [ -n "$torch_json" ] && echo "$torch_json" >>"$JSONL"
        [ -n "$gscope_json" ] && echo "$gscope_json" >>"$JSONL"
    fi

    t_ms=$(echo "$torch_json" | field ms_per_step_median)
    g_ms=$(echo "$gscope_json" | field ms_per_step_median)
    seq=$(echo "$torch_json" | field seq)
    t_gf=$(echo "$torch_json" | field gflops)
    g_gf=$(echo "$gscope_json" | field gflops)
    ratio=$(ratio "$t_ms" "$g_ms")
    row="$model $seq $t_ms $g_ms $ratio $t_gf $g_gf"
    if [ -n "$BASELINE" ]; then
        b_ms=$(echo "$base_json" | field ms_per_step_median)
        row="$row $b_ms $(ratio "$b_ms" "$g_ms")"
    fi
    rows+=("$row")
done

if [ "${#rows[@]}" -gt 0 ]; then
    echo
    echo "batch $BATCH, steps $STEPS, threads $THREADS"
    header=(model seq "torch ms/step" "gscope ms/step" "gscope/torch" "torch GFLOP/s" "gscope GFLOP/s")
    format='%-8s %5s %15s %16s %14s %13s %14s'
    if [ -n "$BASELINE" ]; then header+=("baseline ms/step" "gscope/baseline"); format="$format %16s %15s"; fi
    # shellcheck disable=SC2059
    printf "$format\n" "${header[@]}"
    for row in "${rows[@]}"; do
        # shellcheck disable=SC2086,SC2059
        printf "$format\n" $row
    done
fi

# Runs the PyTorch peer $1 (a script beside this one) with the arguments up to "--" and `$GSCOPE
# bench` with those after it (both with --threads and --json), appends both JSON lines to $JSONL if
# set, and leaves them in t_json and g_json (empty when a side failed; its last words go to stderr).
pair() {
    local script=$1 torch_args=()
    shift
    while [ "$1" != "--" ]; do torch_args+=("$1"); shift; done
    shift
    "$PYTHON" "$HERE/$script" "${torch_args[@]}" --threads "$THREADS" --json >"$tmp/t.out" 2>"$tmp/t.err" \
        || tail -n 3 "$tmp/t.err" >&2
    t_json="$(json_line "$tmp/t.out")"
    g_json=""
    if [ "$have_gscope" = 1 ]; then
        "$GSCOPE" bench "$@" --threads "$THREADS" --json >"$tmp/g.out" 2>"$tmp/g.err" || tail -n 3 "$tmp/g.err" >&2
        g_json="$(json_line "$tmp/g.out")"
    fi
    if [ -n "$JSONL" ]; then
        [ -n "$t_json" ] && echo "$t_json" >>"$JSONL"
        [ -n "$g_json" ] && echo "$g_json" >>"$JSONL"
    fi
}

# SmolLM2 with the weights of $GGUF when it exists, else random weights of its shape (both sides).
smollm2_args=(--arch llama --size smollm2)
weights=random
if [ -f "$GGUF" ]; then
    smollm2_args=(--model "$GGUF")
    weights="$(basename "$GGUF")"
elif [ "$LLAMA" = 1 ] || [ "${DECODE:-1}" = 1 ]; then
    echo "note: $GGUF not found (make model); both sides time random weights" >&2
fi

if [ "$LLAMA" = 1 ]; then
    echo "== smollm2 training step" >&2
    common=(--batch "$LLAMA_BATCH" --seq "$LLAMA_SEQ" --steps "$LLAMA_STEPS" --warmup "$LLAMA_WARMUP")
    pair torch_llama_bench.py --model smollm2 --gguf "$GGUF" "${common[@]}" -- --mode train "${smollm2_args[@]}" "${common[@]}"
    t_ms=$(echo "$t_json" | field ms_per_step_median)
    g_ms=$(echo "$g_json" | field ms_per_step_median)
    echo
    echo "SmolLM2-135M (Llama), batch $LLAMA_BATCH, seq $LLAMA_SEQ, steps $LLAMA_STEPS, threads $THREADS, weights $weights"
    printf '%-8s %15s %16s %14s %15s %16s\n' model "torch ms/step" "gscope ms/step" "gscope/torch" "torch tokens/s" "gscope tokens/s"
    printf '%-8s %15s %16s %14s %15s %16s\n' smollm2 "$t_ms" "$g_ms" "$(ratio "$t_ms" "$g_ms")" \
        "$(echo "$t_json" | field tokens_per_s)" "$(echo "$g_json" | field tokens_per_s)"
fi

if [ "${DECODE:-1}" = 1 ]; then
    echo
    echo "greedy decoding, SmolLM2-135M, 64 new tokens, threads $THREADS (new tokens/s, median of 3 runs)"
    printf '%-8s %12s %12s %14s\n' batch torch gscope gscope/torch
    for b in ${DECODE_BATCHES:-1 8}; do
        common=(--batch "$b" --new-tokens 64 --steps 3 --warmup 1)
        echo "== smollm2 decoding, batch $b" >&2
        pair torch_generate_bench.py --gguf "$GGUF" "${common[@]}" -- --mode generate "${smollm2_args[@]}" "${common[@]}"
        t_tps=$(echo "$t_json" | field tokens_per_s)
        g_tps=$(echo "$g_json" | field cached_tokens_per_s)
        printf '%-8s %12s %12s %14s\n' "$b" "$t_tps" "$g_tps" "$(ratio "$t_tps" "$g_tps")"
    done
fi

if [ "${GEFFECT:-1}" = 1 ]; then
    echo
    echo "instrumentation, small model, batch $BATCH, seq $SEQ, threads $THREADS (ms, median)"
    printf '%-8s %12s %12s %14s %s\n' mode torch gscope gscope/torch "torch batched fwd+bwd (pg)"
    for mode in geffect pg; do
        common=(--mode "$mode" --batch "$BATCH" --seq "$SEQ" --instances 32 --steps 5 --warmup 1)
        pair torch_geffect_bench.py "${common[@]}" --model small -- "${common[@]}" --size small
        t_ms=$(echo "$t_json" | field ms_median)
        g_ms=$(echo "$g_json" | field ms_median)
        printf '%-8s %12s %12s %14s %s\n' "$mode" "$t_ms" "$g_ms" "$(ratio "$t_ms" "$g_ms")" \
            "$(echo "$t_json" | field batched_fwd_bwd_ms)"
    done
fi

[ "${GEFFECT_LLAMA:-1}" = 1 ] || exit 0
LENGTHS=${LENGTHS:-$HERE/tofu-smollm2-lengths.json}
G_STEPS=${LLAMA_GEFFECT_STEPS:-2}
G_WARMUP=${LLAMA_GEFFECT_WARMUP:-1}
echo "== smollm2 instrumented step (several minutes a step on each side)" >&2
common=(--mode geffect --lengths "$LENGTHS" --batch 16 --steps "$G_STEPS" --warmup "$G_WARMUP")
pair torch_geffect_bench.py "${common[@]}" --model smollm2 -- "${common[@]}" --arch llama --size smollm2
t_ms=$(echo "$t_json" | field ms_median)
g_ms=$(echo "$g_json" | field ms_median)
echo
echo "instrumented NPO step, SmolLM2-135M shape, TOFU lengths ($(basename "$LENGTHS")), chunks of 16, threads $THREADS (ms, median of $G_STEPS)"
printf '%-8s %12s %12s %14s\n' mode torch gscope gscope/torch
printf '%-8s %12s %12s %14s\n' geffect "$t_ms" "$g_ms" "$(ratio "$t_ms" "$g_ms")"
