#!/usr/bin/env bash
# Trains the default model from scratch (one stage since the glue-token vocabulary) and writes models/: the Q8_0 GGUF,
# its sha256, the training configuration and logs. Then run the evaluation:
#   bash tools/train/build_model.sh    # ~77 min on one core of this machine type
#   python3 tools/train/eval.py -n 1200 --report models/fraud-triage.eval.md
# Needs tools/train/setup.sh once, and a built lithium (for quantize).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/lithium-fraud-triage}
LITHIUM=${LITHIUM:-build/tools/lithium/lithium}
mkdir -p "$OUT" models
# One thread everywhere: torch's CPU results depend on the thread count, and
# the committed model was trained with exactly one.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
/usr/bin/python3 tools/train/train.py --config tools/train/config.json --out "$OUT/stage1"
"$LITHIUM" quantize "$OUT/stage1/model-f32.gguf" models/fraud-triage-q8_0.gguf q8_0
(cd models && sha256sum fraud-triage-q8_0.gguf > fraud-triage-q8_0.gguf.sha256)
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
runs = {s: json.load(open("%s/%s/run.json" % (out, s))) for s in ("stage1",)}
json.dump(runs, open("models/fraud-triage.config.json", "w"), indent=1)
PY
cp "$OUT/stage1/train.log" models/fraud-triage.train.log
cp "$OUT/stage1/vocab.json" models/fraud-triage.vocab.json
# lithium must tokenize exactly as the trainer did.
/usr/bin/python3 tools/train/check_tokenizer.py "$LITHIUM" models/fraud-triage-q8_0.gguf models/fraud-triage.vocab.json
cat models/fraud-triage-q8_0.gguf.sha256
