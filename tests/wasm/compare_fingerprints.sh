#!/usr/bin/env bash
# Native vs WebAssembly: same tokens, fingerprints, tokenize and inspect
# output (the work is in compare_cli.mjs). Registered in the native build;
# exits 77 (ctest SKIP) when node or the wasm build is missing, so a native
# only checkout still passes.
#
# usage: compare_fingerprints.sh NATIVE_LITHIUM SHARED_DIR [NATIVE_KERNELS_TEST]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node not found (apt-get install nodejs)"
  exit 77
fi
wasm="${LITHIUM_WASM:-$repo/build-wasm/tools/lithium/lithium.wasm}"
if [ ! -f "$wasm" ]; then
  echo "SKIP: $wasm not built (cmake --preset wasm && cmake --build --preset wasm)"
  exit 77
fi
exec node "$here/compare_cli.mjs" "$@"
