#!/usr/bin/python3
"""`lithium run --batch` and `lithium replay`, checked on the real binary.

- run --batch with 8 requests (different lengths, greedy and seeded
  sampling, stop strings, a JSON Schema) prints, line for line, the result
  `lithium run --format json` prints for each request alone (timings aside).
- bad lines give an error line each without losing the others (exit 2).
- replay: exit 0 on an untouched result (also one from --batch), 1 on a
  changed token, a changed fingerprint character or another model file,
  2 on bad input.

usage: batch_replay.py LITHIUM_BINARY SHARED_DIR   (exit 77: skipped)
"""
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


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def comparable(j):
    """A result without what legitimately differs between runs."""
    j = dict(j)
    j.pop("timings", None)
    if j.get("constraint"):
        c = dict(j["constraint"])
        # A line's schema object is recorded re-serialized, a file's as written.
        for k in ("source", "mask_ms", "text"):
            c.pop(k, None)
        j["constraint"] = c
    return j


SCHEMA = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 8}, "age": {"type": "integer"}},
          "required": ["name", "age"]}

# (batch line, the equivalent `lithium run` flags)
REQUESTS = [
    ({"prompt": "Once upon a time", "n_predict": 20, "temperature": 0}, ["-p", "Once upon a time", "-n", "20", "--temp", "0"]),
    ({"prompt": "The cat", "n_predict": 33, "seed": 5}, ["-p", "The cat", "-n", "33", "--seed", "5"]),
    ({"prompt": "Lily had a big red ball and a small blue kite", "max_tokens": 12, "seed": 7, "temperature": 1.0},
     ["-p", "Lily had a big red ball and a small blue kite", "-n", "12", "--seed", "7", "--temp", "1.0"]),
    ({"prompt_tokens": [1, 403, 407], "n_predict": 40, "seed": 9, "top_k": 5}, ["--prompt-tokens", "1,403,407", "-n", "40", "--seed", "9", "--top-k", "5"]),
    ({"prompt": "Once upon a time, there was", "n_predict": 25, "temperature": 0.9, "seed": 3, "top_p": 0.8},
     ["-p", "Once upon a time, there was", "-n", "25", "--temp", "0.9", "--seed", "3", "--top-p", "0.8"]),
    ({"prompt": "Once upon a time", "n_predict": 30, "stop": ["girl"], "seed": 1}, ["-p", "Once upon a time", "-n", "30", "--stop", "girl", "--seed", "1"]),
    ({"prompt": "Tom", "n_predict": 3, "seed": 2, "no_bos": True, "repeat_penalty": 1.3}, ["-p", "Tom", "-n", "3", "--seed", "2", "--no-bos", "--repeat-penalty", "1.3"]),
    ({"prompt": "A person:", "n_predict": 40, "seed": 4, "json_schema": SCHEMA}, ["-p", "A person:", "-n", "40", "--seed", "4", "--json-schema", "SCHEMA"]),
]


def main():
    lithium, shared = sys.argv[1], sys.argv[2]
    model = os.path.join(shared, "models", "stories260K.gguf")
    if not os.path.exists(model):
        print("SKIP: %s not found; the shared test data is absent" % model)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        schema_file = os.path.join(tmp, "schema.json")
        json.dump(SCHEMA, open(schema_file, "w"))
        batch = os.path.join(tmp, "requests.jsonl")
        with open(batch, "w") as f:
            for line, _ in REQUESTS:
                f.write(json.dumps(line) + "\n")
        common = ["-m", model, "-t", "2"]
        r = run([lithium, "run"] + common + ["--batch", batch, "--parallel", "3", "--ubatch", "4"])
        check(r.returncode == 0, "run --batch exit %d: %s" % (r.returncode, r.stderr))
        lines = r.stdout.splitlines()
        check(len(lines) == len(REQUESTS), "run --batch printed %d lines for %d requests" % (len(lines), len(REQUESTS)))
        results = [json.loads(l) for l in lines]
        for i, (_, flags) in enumerate(REQUESTS):
            flags = [schema_file if a == "SCHEMA" else a for a in flags]
            alone = run([lithium, "run"] + common + ["--ubatch", "4", "--format", "json"] + flags)
            check(alone.returncode == 0, "request %d alone: %s" % (i, alone.stderr))
            if alone.returncode != 0 or i >= len(results):
                continue
            a, b = comparable(json.loads(alone.stdout)), comparable(results[i])
            check(a == b, "request %d: batched result differs from alone:\n  %s\n  %s" % (i, json.dumps(b), json.dumps(a)))

        # Bad lines: each gets its own error; the good ones still run.
        bad = os.path.join(tmp, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"prompt": "Once upon a time", "n_predict": 5, "temperature": 0}\n')
            f.write("not json\n")
            f.write('{"prompt": "x", "temprature": 0.5}\n')
            f.write('{"prompt_tokens": [], "n_predict": 3}\n')
            f.write('{"prompt": "x", "n_predict": -1}\n')
            f.write('[1, 2]\n')
            f.write('{"prompt_tokens": [1, 99999999]}\n')
            f.write('{"prompt": "x", "json_schema": {"type": "nonsense"}}\n')
            f.write('\n{"prompt": "The cat", "n_predict": 4, "seed": 5}\n')
        r = run([lithium, "run"] + common + ["--batch", bad])
        check(r.returncode == 2, "bad lines: exit %d, want 2" % r.returncode)
        out = [json.loads(l) for l in r.stdout.splitlines()]
        check(len(out) == 9, "bad lines: %d result lines, want 9" % len(out))
        if len(out) == 9:
            check("tokens" in out[0] and "tokens" in out[8], "good lines around bad ones still have results")
            for k in range(1, 8):
                check("error" in out[k] and out[k].get("line") == k + 1, "line %d: error result: %s" % (k + 1, out[k]))
            check("temprature" in out[2].get("error", ""), "unknown field is named: %s" % out[2])
            check(out[8].get("tokens") == results[1]["tokens"][:4], "the last good line is unaffected")
        check(r.stderr.count("lithium: ") >= 7, "each bad line is reported on stderr")
        check("Traceback" not in r.stderr and "terminate" not in r.stderr, "no crash on bad lines")
        r = run([lithium, "run"] + common + ["--batch", os.path.join(tmp, "missing.jsonl")])
        check(r.returncode == 2, "missing batch file: exit 2")
        r = run([lithium, "run"] + common + ["--batch", batch, "-p", "x"])
        check(r.returncode == 2, "--batch with -p: exit 2")
        r = run([lithium, "run"] + common + ["--batch", batch, "--parallel", "0"])
        check(r.returncode == 2, "--parallel 0: exit 2")

        # Replay.
        res = os.path.join(tmp, "result.json")
        r = run([lithium, "run"] + common + ["-p", "Once upon a time", "-n", "24", "--seed", "8", "--format", "json"])
        check(r.returncode == 0, "run for replay")
        open(res, "w").write(r.stdout)
        j = json.loads(r.stdout)
        r = run([lithium, "replay", res, "-t", "1"])
        check(r.returncode == 0, "replay of an untouched result: exit %d %s" % (r.returncode, r.stderr))
        for i, line in enumerate(lines):
            p = os.path.join(tmp, "batch%d.json" % i)
            open(p, "w").write(line)
            r = run([lithium, "replay", p])
            check(r.returncode == 0, "replay of batch result %d: exit %d %s" % (i, r.returncode, r.stderr))

        def replay_of(mutated, extra=()):
            p = os.path.join(tmp, "mutated.json")
            open(p, "w").write(mutated if isinstance(mutated, str) else json.dumps(mutated))
            return run([lithium, "replay", p] + list(extra))

        t = json.loads(json.dumps(j))
        t["tokens"][7] = (t["tokens"][7] + 1) % 512
        r = replay_of(t)
        check(r.returncode == 1 and "step 7" in r.stderr, "tampered token: exit %d %s" % (r.returncode, r.stderr))
        t = json.loads(json.dumps(j))
        fp = t["fingerprint"]
        t["fingerprint"] = fp[:20] + ("0" if fp[20] != "0" else "1") + fp[21:]
        r = replay_of(t)
        check(r.returncode == 1 and "fingerprint" in r.stderr, "tampered fingerprint: exit %d %s" % (r.returncode, r.stderr))
        other = os.path.join(tmp, "other.gguf")
        q = run([lithium, "quantize", model, other, "q8_0"])
        check(q.returncode == 0, "quantize for a different model file")
        r = replay_of(j, ["-m", other])
        check(r.returncode == 1 and "sha256" in r.stderr, "different model file: exit %d %s" % (r.returncode, r.stderr))
        t = json.loads(json.dumps(j))
        t["model"]["path"] = other
        r = replay_of(t)
        check(r.returncode == 1, "recorded path now holds another file: exit %d" % r.returncode)

        bad_inputs = ["{", "[]", "{}", json.dumps(dict(j, tokens="x")), json.dumps(dict(j, prompt_tokens=["a"])),
                      json.dumps(dict(j, fingerprint="abc")), json.dumps(dict(j, params={})),
                      json.dumps(dict(j, params=dict(j["params"], ubatch=0))),
                      json.dumps(dict(j, prompt_tokens=[1, 10 ** 6])), json.dumps(dict(j, model={"path": model}))]
        for k, text in enumerate(bad_inputs):
            r = replay_of(text)
            check(r.returncode == 2 and r.stderr.startswith("lithium") and r.stderr.count("\n") == 1,
                  "bad input %d: exit %d, stderr %r" % (k, r.returncode, r.stderr))
        r = run([lithium, "replay", os.path.join(tmp, "nope.json")])
        check(r.returncode == 2, "missing result file: exit 2")
        r = run([lithium, "replay"])
        check(r.returncode == 2, "no argument: exit 2")
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
