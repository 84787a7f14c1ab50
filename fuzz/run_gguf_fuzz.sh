#!/usr/bin/env bash
# Builds the GGUF libFuzzer target with clang-16 and runs it.
# Usage: fuzz/run_gguf_fuzz.sh [SECONDS] [extra libFuzzer flags...]
# New inputs go to build-fuzz/corpus-gguf; the committed seeds in
# fuzz/corpus/gguf are only read. Crashes land in build-fuzz/crashes/.
set -euo pipefail
seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${LITHIUM_FUZZ_BUILD_DIR:-$root/build-fuzz}"

if [[ ! -f "$build/build.ninja" ]]; then
  CC="${CC:-clang-16}" CXX="${CXX:-clang++-16}" cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLITHIUM_FUZZ=ON -DLITHIUM_BUILD_TESTS=OFF
fi
cmake --build "$build" --target gguf_fuzz -j"${JOBS:-2}"

mkdir -p "$build/corpus-gguf" "$build/crashes"
exec "$build/fuzz/gguf_fuzz" "$build/corpus-gguf" "$root/fuzz/corpus/gguf" \
  -dict="$root/fuzz/gguf.dict" -max_total_time="$seconds" -max_len=8192 \
  -rss_limit_mb=2048 -artifact_prefix="$build/crashes/" -print_final_stats=1 "$@"
