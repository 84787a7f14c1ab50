#!/usr/bin/python3
"""Compares lithium's logits with the independent numpy forward pass.

lithium sums in float32 in its canonical order; the reference computes in
float64. They legitimately differ in the last bits, so the comparison uses a
tolerance: max |difference| <= 1e-4 * (1 + max |logit|).

usage: compare_logits.py LITHIUM_BINARY SHARED_DIR   (exit 77: skipped)
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402

CASES = [
    ("models/stories260K.gguf", "Once upon a time"),
    ("models/stories260K.gguf", "The little dog ran to the park and saw a big red ball."),
    ("models/llama-2-tiny-random.gguf", "Hello world, this is a test"),
    ("models/llama-2-tiny-random.gguf", "Ünïcödé text with émojis 🎉 and numbers 12345"),
]


def main():
    lithium, shared = sys.argv[1], sys.argv[2]
    if not os.path.isdir(shared):
        print("SKIP: shared test data not found at " + shared)
        return 77
    failures = 0
    for rel, prompt in CASES:
        path = os.path.join(shared, rel)
        ids = subprocess.run([lithium, "tokenize", "-m", path, "-p", prompt], check=True,
                             capture_output=True, text=True).stdout
        tokens = [int(t) for t in ids.strip().strip("[]").split(",")]
        with tempfile.NamedTemporaryFile(suffix=".f32") as dump:
            subprocess.run([lithium, "run", "-m", path, "-p", prompt, "-n", "1", "--temp", "0",
                            "--dump-logits", dump.name], check=True, capture_output=True)
            ours = np.fromfile(dump.name, dtype="<f4").astype(np.float64)
        kv, tensors = llama_ref.load(path)
        ref = llama_ref.forward(kv, tensors, tokens)
        diff = np.max(np.abs(ours - ref))
        tol = 1e-4 * (1 + np.max(np.abs(ref)))
        ok = ours.shape == ref.shape and diff <= tol and np.argmax(ours) == np.argmax(ref)
        print("%-4s %s %r: %d tokens, max |diff| %.3g (tolerance %.3g), argmax %d vs %d" %
              ("ok" if ok else "FAIL", rel, prompt[:30], len(tokens), diff, tol, np.argmax(ours), np.argmax(ref)))
        failures += not ok
    print("%d passed, %d failed" % (len(CASES) - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
