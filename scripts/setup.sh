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
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev
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

