#!/usr/bin/env bash
# The embedded default model (issue 8): the committed file matches its
# sha256, the binary embeds exactly that file, and `lithium run` with no -m
# triages the sample transaction into schema-valid, verified JSON.
# Usage: default_model_test.sh LITHIUM_BINARY SOURCE_DIR
set -euo pipefail
L=$1
SRC=$2
EX=$SRC/examples/fraud-triage
(cd "$SRC/models" && sha256sum --check --quiet fraud-triage-q8_0.gguf.sha256)
want=$(cut -d' ' -f1 "$SRC/models/fraud-triage-q8_0.gguf.sha256")
# Exit 1 means the policy found violations: the run itself worked, and what
# this test checks is the model and the pipeline, not the model's accuracy
# (tools/train/eval.py measures that).
rc=0
out=$("$L" run -f "$EX/sample.txt" --temp 0 -n 64 --json-schema "$EX/schema.json" \
  --policy "$EX/policy.yaml" --policy-input "$EX/sample.json" --format json) || rc=$?
if [ "$rc" -gt 1 ]; then echo "lithium run failed with exit $rc"; exit 1; fi
python3 - "$want" "$out" <<'PY'
import json, sys
want, out = sys.argv[1], json.loads(sys.argv[2])
assert out["model"]["path"] == "embedded:fraud-triage-q8_0.gguf", out["model"]
assert out["model"]["sha256"] == want, (out["model"]["sha256"], want)
d = json.loads(out["text"])
assert list(d) == ["reason_codes", "risk_score", "decision"], d
assert d["decision"] in ("APPROVE", "REVIEW", "DECLINE"), d
assert out["verification"]["schema"]["valid"], out["verification"]
print("embedded model", want[:16], "->", out["text"])
PY
# No model argument: inspect describes the embedded model.
desc=$("$L" inspect)
case "$desc" in
  "embedded:fraud-triage-q8_0.gguf: GGUF v3"*) ;;
  *) echo "lithium inspect: unexpected description: ${desc%%$'\n'*}"; exit 1 ;;
esac
