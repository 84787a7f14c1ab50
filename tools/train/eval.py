"""Evaluates a triage model through the lithium binary on held-out generated
transactions (data seed 2; training uses seed 1).

  python3 tools/train/eval.py --lithium build/tools/lithium/lithium \
      [-m MODEL.gguf] [-n 1200] [--jobs 2] [--report models/fraud-triage.eval.md]
      [--min-accuracy 0.95]

Each case runs `lithium run --temp 0 --json-schema examples/fraud-triage/schema.json
--policy examples/fraud-triage/policy.yaml --policy-input CASE.json --format json`
(decoding constrained to the schema, then verified against the rules) and is compared with the label the
rules give. Reports: decision accuracy overall and by surface form, exact
match of the whole answer, schema validity, and how many wrong decisions the
policy caught. Exit 1 when accuracy is under --min-accuracy or any output is
invalid. Standard library only, so CI needs no extra packages.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import txgen  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
POLICY = os.path.join(ROOT, "examples", "fraud-triage", "policy.yaml")
SCHEMA = os.path.join(ROOT, "examples", "fraud-triage", "schema.json")
EVAL_SEED = 2


def schema_valid(doc, schema):
    """The few JSON Schema keywords schema.json uses, checked independently
    of lithium (valijson inside lithium is the first opinion)."""
    if not isinstance(doc, dict) or set(doc) != set(schema["required"]):
        return False
    p = schema["properties"]
    codes = doc["reason_codes"]
    if not isinstance(codes, list) or len(codes) > p["reason_codes"]["maxItems"]:
        return False
    if any(c not in p["reason_codes"]["items"]["enum"] for c in codes):
        return False
    s = doc["risk_score"]
    if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s <= 99:
        return False
    return doc["decision"] in p["decision"]["enum"]


def run_case(lithium, model, tmp, i, case):
    form, prompt, _, t = case
    path = os.path.join(tmp, "input-%d.json" % i)
    with open(path, "w") as f:
        json.dump(txgen.policy_input(t), f)
    # --json-schema keeps the schema file's property order (the order the
    # model writes); --policy then verifies against the rules.
    cmd = [lithium, "run", "-p", prompt, "--temp", "0", "-n", "96", "-t", "1",
           "--json-schema", SCHEMA, "--policy", POLICY, "--policy-input", path,
           "--format", "json"]
    if model:
        cmd += ["-m", model]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return {"error": p.stderr.strip() or "exit %d" % p.returncode}
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lithium", default=os.path.join(ROOT, "build", "tools", "lithium", "lithium"))
    ap.add_argument("-m", "--model", help="GGUF file (default: the binary's embedded model)")
    ap.add_argument("-n", type=int, default=1200, help="cases (a third per surface form)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--report", help="write a Markdown report here")
    ap.add_argument("--min-accuracy", type=float, default=0.0)
    args = ap.parse_args()
    with open(SCHEMA) as f:
        schema = json.load(f)

    cases = txgen.dataset(EVAL_SEED, args.n)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            results = list(ex.map(lambda ic: run_case(args.lithium, args.model, tmp, *ic),
                                  enumerate(cases)))
    wall = time.time() - t0

    by_form = collections.defaultdict(lambda: [0, 0])
    confusion = collections.Counter()
    n_ok = n_exact = n_valid = n_pass = n_err = 0
    wrong = wrong_caught = 0
    correct_flagged = 0
    conf_right, conf_wrong = [], []
    errors = []
    for (form, _, expected_text, t), r in zip(cases, results):
        if "error" in r:
            n_err += 1
            errors.append(r["error"])
            by_form[form][1] += 1
            continue
        expected = json.loads(expected_text)
        try:
            out = json.loads(r["text"])
        except ValueError:
            out = None
        valid = out is not None and schema_valid(out, schema)
        n_valid += valid
        decision = out.get("decision") if isinstance(out, dict) else None
        ok = decision == expected["decision"]
        n_ok += ok
        n_exact += out == expected
        by_form[form][0] += ok
        by_form[form][1] += 1
        confusion[(expected["decision"], decision)] += 1
        passed = r.get("verification", {}).get("passed", False)
        n_pass += passed
        c = r.get("confidence", {}).get("min", 0.0)
        (conf_right if ok else conf_wrong).append(c)
        if not ok:
            wrong += 1
            wrong_caught += not passed
        elif not passed:
            correct_flagged += 1

    n = len(cases)
    acc = n_ok / n
    lines = []
    lines.append("| measure | value |")
    lines.append("|---|---|")
    lines.append("| cases (held-out, data seed %d) | %d |" % (EVAL_SEED, n))
    lines.append("| decision accuracy | %.2f%% (%d/%d) |" % (100 * acc, n_ok, n))
    lines.append("| exact answer (codes, score and decision) | %.2f%% |" % (100 * n_exact / n))
    lines.append("| schema-valid outputs | %d/%d |" % (n_valid, n))
    lines.append("| passed the policy | %d/%d |" % (n_pass, n))
    lines.append("| wrong decisions | %d |" % wrong)
    lines.append("| wrong decisions the policy caught | %d/%d |" % (wrong_caught, wrong))
    lines.append("| right decisions the policy flagged (wrong codes or score) | %d |" % correct_flagged)
    if conf_right:
        lines.append("| mean min-token confidence, right / wrong | %.3f / %s |" % (
            sum(conf_right) / len(conf_right),
            "%.3f" % (sum(conf_wrong) / len(conf_wrong)) if conf_wrong else "-"))
    lines.append("| runs that failed | %d |" % n_err)
    lines.append("| wall time (%d jobs) | %.0f s |" % (args.jobs, wall))
    lines.append("")
    lines.append("| surface form | accuracy |")
    lines.append("|---|---|")
    for form in txgen.FORMS:
        k, m = by_form[form]
        if m:
            lines.append("| %s | %.2f%% (%d/%d) |" % (form, 100 * k / m, k, m))
    lines.append("")
    lines.append("| expected \\ model | " + " | ".join(["APPROVE", "REVIEW", "DECLINE", "other"]) + " |")
    lines.append("|---|---|---|---|---|")
    for e in ["APPROVE", "REVIEW", "DECLINE"]:
        row = [confusion[(e, d)] for d in ["APPROVE", "REVIEW", "DECLINE"]]
        row.append(sum(v for (ee, d), v in confusion.items()
                       if ee == e and d not in ("APPROVE", "REVIEW", "DECLINE")))
        lines.append("| %s | " % e + " | ".join(str(x) for x in row) + " |")
    text = "\n".join(lines)
    print(text)
    for e in errors[:3]:
        print("error:", e, file=sys.stderr)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text + "\n")
    bad = acc < args.min_accuracy or n_valid != n - n_err or n_err > 0
    if bad:
        print("eval: FAILED (accuracy %.4f, minimum %.4f; %d invalid; %d errors)" % (
            acc, args.min_accuracy, n - n_err - n_valid, n_err), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
