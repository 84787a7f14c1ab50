#!/usr/bin/env bash
# Instructions per 32-weight block of the quantized matmul kernels, counted
# by callgrind: a figure that does not depend on how busy the machine is
# (the timings of kernels_bench and lithium bench do). One benchmark
# iteration of bench/kernels_bench.cc per type (4864 rows x 896 columns,
# 1024 for K-quants), for one token (decode) and for 64 tokens (prefill);
# TOKENS="1 4 64" adds other token counts (2, 4 and 8 are registered: a
# decode step of several concurrent sequences).
#
# usage: bench/kernel_instructions.sh [BUILD_DIR] [TARGET]
#   BUILD_DIR: a build configured with -DLITHIUM_BUILD_BENCH=ON (default build-bench)
#   TARGET: kernel target name (default avx2)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-bench}
T=${2:-avx2}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[ -x "$B/bench/kernels_bench" ] || {
  echo "build first: cmake -S . -B $B -G Ninja -DCMAKE_BUILD_TYPE=Release -DLITHIUM_BUILD_BENCH=ON && cmake --build $B --target kernels_bench" >&2
  exit 2
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| type | tokens | instructions | blocks x tokens | instructions per block and token |"
echo "|---|---|---|---|---|"
for type in ${TYPES:-q8_0 q4_0 q4_1 q5_0 q5_1 q4_k q5_k q6_k}; do
  case $type in q4_k|q5_k|q6_k) cols=1024 ;; *) cols=896 ;; esac
  for tokens in ${TOKENS:-1 64}; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$B/bench/kernels_bench" \
      --benchmark_filter="BM_MatmulQ/$type/$T/$tokens\$" --benchmark_min_time=0.000001 >/dev/null 2>&1
    # Inclusive cost of the benchmark body's matmul_q calls: the kernel
    # functions of this target (matmul and its helpers).
    ir=$(callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg" 2>/dev/null |
      awk -v t="N_$(echo "$T" | tr a-z A-Z)::" 'index($0, t) && /MatmulQ\(|MatmulQX86T|MatmulQWasm/ {gsub(",", "", $1); if ($1 > m) m = $1} END {print m + 0}')
    blocks=$(( 4864 * cols / 32 * tokens ))
    awk -v ty="$type" -v tk="$tokens" -v ir="$ir" -v b="$blocks" \
      'BEGIN { printf "| %s | %d | %d | %d | %.1f |\n", ty, tk, ir, b, ir / b }'
  done
done
