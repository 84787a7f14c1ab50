#!/usr/bin/env bash
# Sets everything up and runs the main job: installs the Debian packages,
# builds lithium (release, ccache) and triages a sample payment with the
# embedded default model (models/fraud-triage-q8_0.gguf, no download):
# decoding is constrained to the decision schema, the decision is verified
# against the fraud policy's rules (Z3), and the run prints its confidence
# and fingerprint. Extra arguments go to `lithium run` (e.g. --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)"
EX=examples/fraud-triage
echo
echo "transaction: $(cat "$EX/sample.txt")"
echo "decision:"
./build/tools/lithium/lithium run -f "$EX/sample.txt" --temp 0 \
  --json-schema "$EX/schema.json" --policy "$EX/policy.yaml" --policy-input "$EX/sample.json" "$@"
