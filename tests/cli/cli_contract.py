#!/usr/bin/python3
"""The CLI contract of DESIGN.md, checked on the real binary.

- `tokenize` reproduces the tokenizer test vectors of ../shared/vocab
  (inputs without BOS) for the SentencePiece vocabularies.
- `run --format json` prints the documented fields; --simd and LITHIUM_SIMD
  choose the target and it is reported; --dump-logits writes one row per
  fingerprinted step.
- bad input and usage: exit 2 and one line on stderr.

usage: cli_contract.py LITHIUM_BINARY SHARED_DIR   (exit 77: skipped)
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

PASSED = FAILED = 0


def check(cond, what):
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL: " + what)


def run(args, env=None, input_text=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, env=e, input=input_text, timeout=120)


def vocab_vectors(lithium, shared, name):
    base = os.path.join(shared, "vocab", "ggml-vocab-%s.gguf" % name)
    inputs = open(base + ".inp", encoding="utf-8").read().split("\n__ggml_vocab_test__\n")
    outputs = open(base + ".out", encoding="utf-8").read().split("\n")
    ok = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(inputs[:46]):
            path = os.path.join(tmp, "in.txt")
            with open(path, "wb") as f:
                f.write(text.encode("utf-8"))
            r = run([lithium, "tokenize", "-m", base, "-f", path, "--no-bos"])
            got = json.loads(r.stdout) if r.returncode == 0 else None
            want = [int(t) for t in outputs[i].split()]
            if got == want:
                ok += 1
            else:
                print("  %s vector %d %r: got %s want %s" % (name, i, text[:40], got, want))
    check(ok == 46, "%s: %d of 46 tokenizer vectors" % (name, ok))
    print("tokenize %s: %d/46 vectors" % (name, ok))


def main():
    lithium, shared = sys.argv[1], sys.argv[2]
    model = os.path.join(shared, "models", "stories260K.gguf")
    if not os.path.exists(model):
        print("SKIP: shared test data not found at " + shared)
        return 77

    for name in ("llama-spm", "phi-3", "llama-bpe", "qwen2", "gpt-2", "deepseek-coder",
                 "deepseek-llm", "falcon", "starcoder", "mpt", "refact"):
        vocab_vectors(lithium, shared, name)

    # run --format json: the documented fields.
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "logits.f32")
        r = run([lithium, "run", "-m", model, "-p", "Once upon a time", "-n", "16", "--temp", "0",
                 "--format", "json", "--dump-logits", dump, "--simd", "scalar", "-t", "1"])
        check(r.returncode == 0, "run --format json exit %d: %s" % (r.returncode, r.stderr))
        j = json.loads(r.stdout)
        for key in ("text", "tokens", "prompt_tokens", "finish_reason", "fingerprint", "model", "params",
                    "simd_target", "threads", "timings"):
            check(key in j, "result has %s" % key)
        check(set(j["model"]) >= {"path", "sha256", "arch"}, "model has path, sha256, arch")
        check(set(j["timings"]) >= {"load_ms", "ttft_ms", "prefill_tokens_per_s", "decode_tokens_per_s"},
              "timings fields")
        check(j["model"]["sha256"] == hashlib.sha256(open(model, "rb").read()).hexdigest(), "model sha256")
        check(j["simd_target"] == "scalar" and j["threads"] == 1, "target and threads reported")
        check(j["prompt_tokens"] == [1, 403, 407, 261, 378], "prompt tokens")
        check(len(j["tokens"]) == 16 and j["finish_reason"] == "length", "16 tokens, finish length")
        # --dump-logits: one float32 row of vocab size per step, hashing to the fingerprint.
        raw = open(dump, "rb").read()
        check(len(raw) == 16 * 512 * 4, "dump has 16 rows of 512 floats (%d bytes)" % len(raw))
        check(hashlib.sha256(raw).hexdigest() == j["fingerprint"], "fingerprint = sha256 of the dumped rows")

    # LITHIUM_SIMD picks the target; the result is the same.
    r2 = run([lithium, "run", "-m", model, "-p", "Once upon a time", "-n", "16", "--temp", "0", "--format",
              "json"], env={"LITHIUM_SIMD": "scalar"})
    j2 = json.loads(r2.stdout)
    check(j2["simd_target"] == "scalar", "LITHIUM_SIMD=scalar reported")
    r3 = run([lithium, "run", "-m", model, "-p", "Once upon a time", "-n", "16", "--temp", "0", "--format", "json"])
    j3 = json.loads(r3.stdout)
    check(j3["fingerprint"] == j["fingerprint"], "best target (%s) fingerprint equals scalar" % j3["simd_target"])

    # Text mode streams the text on stdout and the fingerprint on stderr.
    r4 = run([lithium, "run", "-m", model, "-p", "Once upon a time", "-n", "16", "--temp", "0"])
    check(r4.returncode == 0 and r4.stdout.strip() == j["text"].strip(), "text mode prints the same text")
    check(("fingerprint " + j["fingerprint"]) in r4.stderr, "text mode reports the fingerprint")

    # inspect and tokenize.
    r5 = run([lithium, "inspect", model, "--format", "json"])
    ji = json.loads(r5.stdout)
    check(ji["hparams"]["n_layer"] == 5 and ji["hparams"]["n_head_kv"] == 4, "inspect hparams")
    check(len(ji["tensors"]) == 48, "inspect lists 48 tensors (got %d)" % len(ji["tensors"]))
    r6 = run([lithium, "tokenize", "-m", model, "-p", "Once upon a time"])
    check(json.loads(r6.stdout) == [1, 403, 407, 261, 378], "tokenize with BOS")

    # Errors: exit 2 and one line on stderr naming the problem.
    bad = [
        ([lithium, "run", "-m", "/nonexistent/model.gguf", "-p", "x"], "/nonexistent/model.gguf"),
        ([lithium, "run", "-m", model, "-p", "x", "--simd", "quantum"], "quantum"),
        ([lithium, "run", "-m", model, "-p", "x", "--bogus"], "--bogus"),
        ([lithium, "run", "-m", model, "-p", "x", "-n", "abc"], "abc"),
        ([lithium, "run", "-m", model, "-p", "x", "--top-p", "0"], "top-p"),
        ([lithium, "run", "-m", model, "-p", "x", "-c", "8", "-n", "20"], "context"),
        ([lithium, "run", "-m", model, "-p", "x", "--format", "xml"], "format"),
        ([lithium, "inspect", "/nonexistent.gguf"], "nonexistent"),
        ([lithium, "tokenize", "-m", model], "-p"),
        ([lithium, "frobnicate"], "frobnicate"),
        ([lithium, "run", "-m", os.path.join(shared, "vocab", "ggml-vocab-llama-spm.gguf"), "-p", "x"], "token_embd"),
    ]
    for args, needle in bad:
        r = run(args)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        check(r.returncode == 2 and len(lines) == 1 and lines[0].startswith("lithium") and needle in lines[0],
              "%s -> exit %d, stderr %r" % (" ".join(args[1:]), r.returncode, r.stderr))

    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
