#!/usr/bin/env python3
"""CLI contract of `lithium verify` and `lithium run --policy`.

usage: verify_cli_test.py LITHIUM GENMODEL SOURCE_DIR SHARED_DIR
Exit 0 on success, 1 on a failed check, 77 (skip) without the shared vocab.
"""
import json
import os
import subprocess
import sys
import tempfile

LITHIUM, GENMODEL, SOURCE, SHARED = sys.argv[1:5]
POLICIES = os.path.join(SOURCE, "examples", "policies")
failures = []


def run(args, stdin=None):
    p = subprocess.run([LITHIUM] + args, input=stdin, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def strip_volatile(result):
    # Wall-clock figures differ between runs, and the second run uses one
    # thread; everything else must not differ.
    result = dict(result)
    result.pop("timings", None)
    result.pop("threads", None)
    if isinstance(result.get("constraint"), dict):
        result["constraint"] = {k: v for k, v in result["constraint"].items() if k != "mask_ms"}
    return result


with tempfile.TemporaryDirectory() as tmp:
    payment = os.path.join(POLICIES, "payment.yaml")
    example = os.path.join(POLICIES, "payment_example.json")

    # 1. A passing output: exit 0, JSON verdict.
    code, out, err = run(["verify", "--policy", payment, example])
    check(code == 0, f"verify pass: exit {code}, {err}")
    check(json.loads(out)["verdict"] == "pass", "verify pass: verdict")

    # 2. Violations: exit 1, failing ids and the values read.
    doc = json.load(open(example))
    doc["output"]["amount"] = "9999.00"
    code, out, err = run(["verify", "--policy", payment, "-"], stdin=json.dumps(doc))
    check(code == 1, f"verify violation: exit {code}, {err}")
    v = json.loads(out)["verification"]
    check(set(v["violations"]) == {"lines-add-up", "within-daily-limit"}, f"verify violation ids: {v['violations']}")
    reads = [r for r in v["rules"] if r["id"] == "within-daily-limit"][0]["reads"]
    check({"field": "output.amount", "value": "9999.00"} in reads, f"reads: {reads}")

    # 3. Raw model text ("text", as run --format json prints it).
    raw = {"input": doc["input"], "text": "not json at all"}
    code, out, _ = run(["verify", "--policy", payment, "-", "--format", "text"], stdin=json.dumps(raw))
    check(code == 1 and "FAIL" in out and "not JSON" in out, f"verify raw text: exit {code}, {out}")

    # 4. Bad input: exit 2 with one line on stderr.
    bad_policy = os.path.join(tmp, "bad.yaml")
    with open(bad_policy, "w") as f:
        f.write("schema:\n  type: object\n  properties:\n    a: {type: number}\nrules:\n"
                "  - id: r\n    message: m\n    expr: output.a >\n")
    code, _, err = run(["verify", "--policy", bad_policy, example])
    check(code == 2 and err.startswith(f"lithium: {bad_policy}:8:") and "syntax error" in err,
          f"bad policy: exit {code}, {err}")
    check(err.count("\n") == 1, f"bad policy: one line: {err!r}")
    contradictory = os.path.join(tmp, "contra.yaml")
    with open(contradictory, "w") as f:
        f.write("schema:\n  type: object\n  properties:\n    a: {type: number}\n  required: [a]\nrules:\n"
                "  - id: big\n    message: m\n    expr: output.a > 10\n"
                "  - id: small\n    message: m\n    expr: output.a < 5\n")
    code, _, err = run(["verify", "--policy", contradictory, example])
    check(code == 2 and "'big' and 'small'" in err, f"contradiction: exit {code}, {err}")
    code, _, err = run(["verify", "--policy", payment, "-"], stdin="{nope")
    check(code == 2 and "invalid JSON" in err, f"bad document: exit {code}, {err}")
    doc["input"]["daily_limit"] = "lots"
    code, _, err = run(["verify", "--policy", payment, "-"], stdin=json.dumps(doc))
    check(code == 2 and "/daily_limit" in err, f"bad input: exit {code}, {err}")
    code, _, err = run(["verify", example])
    check(code == 2, f"no --policy: exit {code}")

    # 5. run --policy --max-retries on a generated model: every attempt is
    # recorded, and the same command twice gives the same result.
    vocab = os.path.join(SHARED, "vocab", "ggml-vocab-llama-spm.gguf")
    if not os.path.exists(vocab):
        print("skip: no shared vocab", file=sys.stderr)
        sys.exit(77 if not failures else 1)
    model = os.path.join(tmp, "gen.gguf")
    subprocess.run([GENMODEL, "--arch", "llama", "--vocab", vocab, "--out", model], check=True, capture_output=True)
    refund_in = os.path.join(tmp, "refund_input.json")
    with open(refund_in, "w") as f:
        json.dump({"order_total": "49.90", "days_since_delivery": 12}, f)
    # -n must hold the output schema's shortest document (19 tokens here):
    # a smaller budget is a usage error since structured outputs always close.
    cmd = ["run", "-m", model, "-p", "Decide the refund as JSON:", "-n", "24", "--seed", "5", "--temp", "0.9",
           "--policy", os.path.join(POLICIES, "refund.yaml"), "--policy-input", refund_in, "--max-retries", "2",
           "--format", "json"]
    code1, out1, err1 = run(cmd)
    code2, out2, _ = run(cmd + ["-t", "1"])
    check(code1 == 1, f"run --policy: exit {code1} (a random model cannot pass), {err1}")
    r1, r2 = json.loads(out1), json.loads(out2)
    check(len(r1["attempts"]) == 3, f"attempts: {len(r1['attempts'])}")
    seeds = [a["seed"] for a in r1["attempts"]]
    check(seeds[0] == 5 and len(set(seeds)) == 3, f"derived seeds: {seeds}")
    check(all(not a["verification"]["passed"] for a in r1["attempts"]), "attempt verdicts")
    check(len(r1["attempts"][1]["prompt_tokens"]) > len(r1["prompt_tokens"]), "re-ask prompt carries the feedback")
    check(r1["verification"] == r1["attempts"][-1]["verification"], "top-level verification is the last attempt's")
    check(r1["fingerprint"] == r1["attempts"][-1]["fingerprint"], "top-level fingerprint is the last attempt's")
    for key in ("tokens", "min", "mean", "p10", "mean_entropy"):
        check(key in r1["confidence"], f"confidence.{key}")
    check(strip_volatile(r1) == strip_volatile(r2), "run --policy twice: identical results")

sys.exit(1 if failures else 0)
