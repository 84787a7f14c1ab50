#!/usr/bin/env bash
# Writes the real-shape benchmark models, runs `lithium bench` on each and,
# when LLAMA_BENCH names a llama-bench binary, runs it on the same files in
# the same run and prints the ratios. Also prints the decode limit implied by
# memory bandwidth (bytes read per token / measured read bandwidth).
#
# usage: bench/run_bench.sh [OUT_DIR]   (env: THREADS=2, REPS=3, LLAMA_BENCH=...,
#        LITHIUM=path/to/lithium, LITHIUM_GENMODEL=path/to/lithium-genmodel)
# Slow (minutes) and never run in CI. Models are written to OUT_DIR
# (default /tmp/lithium-bench), about 2.5 GB in all.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/lithium-bench}
THREADS=${THREADS:-2}
REPS=${REPS:-3}
SHARED=${LITHIUM_SHARED_DIR:-../shared}
L=${LITHIUM:-./build/tools/lithium/lithium}
G=${LITHIUM_GENMODEL:-./build/tools/genmodel/lithium-genmodel}
mkdir -p "$OUT"
[ -x "$L" ] && [ -x "$G" ] || { echo "build first: cmake --preset default && cmake --build --preset default" >&2; exit 2; }

make_model() {  # name arch shape vocab [extra genmodel flags]
  local f="$OUT/$1-f16.gguf"
  [ -f "$f" ] || "$G" --arch "$2" --shape "$3" --vocab "$SHARED/vocab/ggml-vocab-$4.gguf" --type f16 --seed 1 --out "$f" "${@:5}"
}
quantize() {  # src type dst
  [ -f "$3" ] || "$L" quantize "$1" "$3" "$2" 2>/dev/null
}

make_model qwen05b qwen2 qwen2.5-0.5b qwen2
make_model llama1b llama llama-3.2-1b llama-bpe --llama3-rope
for t in q8_0 q4_0 q4_k_m; do quantize "$OUT/qwen05b-f16.gguf" $t "$OUT/qwen05b-$t.gguf"; done
quantize "$OUT/llama1b-f16.gguf" q4_0 "$OUT/llama1b-q4_0.gguf"

BW=$("$L" bench --membw -t "$THREADS" 2>/dev/null | awk '/read bandwidth/ {print $3}')
echo "measured read bandwidth: $BW GB/s ($THREADS threads)"
printf "\n| model | lithium pp512 | lithium tg128 | llama.cpp pp512 | llama.cpp tg128 | pp ratio | tg ratio | tg limit (bandwidth) | tg / limit |\n"
printf "|---|---|---|---|---|---|---|---|---|\n"
for m in qwen05b-f16 qwen05b-q8_0 qwen05b-q4_0 qwen05b-q4_k_m llama1b-q4_0; do
  f="$OUT/$m.gguf"
  j=$("$L" bench -m "$f" -p 512 -n 128 -t "$THREADS" -r "$REPS" --format json)
  pp=$(echo "$j" | /usr/bin/python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["pp"]["tokens_per_s"])')
  tg=$(echo "$j" | /usr/bin/python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["tg"]["tokens_per_s"])')
  bytes=$(echo "$j" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["model_bytes"])')
  limit=$(/usr/bin/python3 -c "print('%.1f' % ($BW * 1e9 / $bytes))")
  lpp=-; ltg=-; rpp=-; rtg=-
  if [ -n "${LLAMA_BENCH:-}" ]; then
    lj=$("$LLAMA_BENCH" -m "$f" -p 512 -n 128 -t "$THREADS" -r "$REPS" -o json 2>/dev/null)
    lpp=$(echo "$lj" | /usr/bin/python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["n_prompt"]>0]; print("%.1f" % r[0]["avg_ts"])')
    ltg=$(echo "$lj" | /usr/bin/python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["n_gen"]>0]; print("%.1f" % r[0]["avg_ts"])')
    rpp=$(/usr/bin/python3 -c "print('%.2f' % ($pp / $lpp))")
    rtg=$(/usr/bin/python3 -c "print('%.2f' % ($tg / $ltg))")
  fi
  frac=$(/usr/bin/python3 -c "print('%.0f%%' % (100 * $tg / $limit))")
  echo "| $m | $pp | $tg | $lpp | $ltg | $rpp | $rtg | $limit | $frac |"
done
