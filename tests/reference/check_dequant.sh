#!/usr/bin/env bash
# lithium's dequantization of every quantized type against the independent
# numpy reference (dequant_ref.py), on files written by `lithium quantize`
# and, when LLAMA_QUANTIZE names llama.cpp's llama-quantize, on files written
# by it too.   usage: check_dequant.sh LITHIUM GENMODEL SHARED_DIR
set -euo pipefail
L=$1 G=$2 SHARED=$3
[ -d "$SHARED/vocab" ] || { echo "SKIP: shared vocabularies not found"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$G" --arch llama --shape small --vocab "$SHARED/vocab/ggml-vocab-llama-spm.gguf" --type f32 --out "$T/f32.gguf"
files=()
for t in q8_0 q4_0 q4_1 q5_0 q5_1 q4_k_m q5_k_m q6_k; do
  "$L" quantize "$T/f32.gguf" "$T/lithium-$t.gguf" $t 2>/dev/null
  files+=("$T/lithium-$t.gguf")
done
if [ -n "${LLAMA_QUANTIZE:-}" ]; then
  for t in Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K_M Q5_K_M Q6_K; do
    "$LLAMA_QUANTIZE" "$T/f32.gguf" "$T/llama-$t.gguf" $t >/dev/null 2>&1
    files+=("$T/llama-$t.gguf")
    "$L" run -m "$T/llama-$t.gguf" -p "Hello" -n 4 --temp 0 >/dev/null 2>&1 || { echo "FAIL: llama.cpp $t file does not run"; exit 1; }
  done
fi
exec /usr/bin/python3 "$(dirname "$0")/dequant_ref.py" "$L" "${files[@]}"
