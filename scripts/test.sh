#!/usr/bin/env bash
# Builds and runs every test: unit tests, the determinism matrix, the
# reference comparisons and the corrupted-file test. With --asan, the same
# tests run in an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=default
if [ "${1:-}" = "--asan" ]; then preset=asan; shift; fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
ctest --preset "$preset" -j"$(nproc)" "$@"
