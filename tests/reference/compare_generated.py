#!/usr/bin/python3
"""Each architecture's forward pass against the independent numpy reference.

Writes seeded random-weight models with real vocabularies (lithium-genmodel)
for llama, llama with Llama 3 rope factors, qwen2 (QKV bias), qwen3 (q/k
norm) and phi3 (fused projections), in F32 and BF16, runs lithium on fixed
token ids and compares the logits with llama_ref.py (float64) within
max |diff| <= 1e-4 * (1 + max |logit|). Also checks that `lithium inspect`
reports each model's hyperparameters.

usage: compare_generated.py LITHIUM GENMODEL SHARED_DIR   (exit 77: skipped)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402

CASES = [  # arch, vocab, type, extra genmodel flags
    ("llama", "llama-spm", "f32", []),
    ("llama", "llama-bpe", "bf16", ["--llama3-rope"]),
    ("qwen2", "qwen2", "f32", []),
    ("qwen3", "qwen2", "f32", []),
    ("qwen3", "qwen2", "bf16", []),
    ("phi3", "phi-3", "f32", []),
]
TOKENS = [1, 450, 4996, 17354, 1701, 432, 29889, 263, 1243, 29892, 10]


def main():
    lithium, genmodel, shared = sys.argv[1:4]
    if not os.path.isdir(os.path.join(shared, "vocab")):
        print("SKIP: shared vocabularies not found under " + shared)
        return 77
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, (arch, vocab, typ, extra) in enumerate(CASES):
            path = os.path.join(tmp, "m%d.gguf" % i)
            subprocess.run([genmodel, "--arch", arch, "--vocab", os.path.join(shared, "vocab", "ggml-vocab-%s.gguf" % vocab),
                            "--type", typ, "--seed", str(7 + i), "--out", path] + extra, check=True)
            dump = os.path.join(tmp, "l%d.f32" % i)
            subprocess.run([lithium, "run", "-m", path, "--prompt-tokens", ",".join(map(str, TOKENS)), "-n", "1",
                            "--temp", "0", "--dump-logits", dump], check=True, capture_output=True)
            ours = np.fromfile(dump, dtype="<f4").astype(np.float64)
            kv, tensors = llama_ref.load(path)
            ref = llama_ref.forward(kv, tensors, TOKENS)
            diff = float(np.max(np.abs(ours - ref)))
            tol = 1e-4 * (1 + float(np.max(np.abs(ref))))
            info = json.loads(subprocess.run([lithium, "inspect", path, "--format", "json"], check=True,
                                             capture_output=True, text=True).stdout)
            hp = info.get("hparams", {})
            hp_ok = hp.get("arch") == arch and hp.get("n_layer") == kv[arch + ".block_count"] and \
                hp.get("n_head_kv") == kv[arch + ".attention.head_count_kv"]
            ok = ours.shape == ref.shape and diff <= tol and hp_ok
            print("%-4s %-6s %-9s %-4s %s: max |diff| %.3g (tolerance %.3g), inspect %s" %
                  ("ok" if ok else "FAIL", arch, vocab, typ, " ".join(extra), diff, tol, "ok" if hp_ok else hp))
            failures += not ok
    print("%d passed, %d failed" % (len(CASES) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
