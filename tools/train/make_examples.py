"""Writes examples/fraud-triage/: transactions.jsonl (sample inputs with the
labels the rules give), and sample.txt + sample.json, the transaction the
quickstart triages (its prompt and the policy's `input`).

  python3 tools/train/make_examples.py
"""

import json
import os
import random

import txgen

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "examples", "fraud-triage")


def main():
    # Seed 3 is used by nothing else (training uses 1, evaluation 2).
    rng = random.Random(3)
    lines = []
    for i in range(30):
        t = txgen.make_transaction(rng)
        form = txgen.FORMS[i % 3]
        lines.append({"id": t["id"], "form": form, "prompt": txgen.render(t, form),
                      "input": txgen.policy_input(t), "expected": txgen.label(t)})
    with open(os.path.join(OUT, "transactions.jsonl"), "w") as f:
        for d in lines:
            f.write(json.dumps(d) + "\n")
    # The quickstart's case: line 13, a text-form payment sent to review for
    # two reasons, which the committed model triages exactly (chosen after
    # evaluating it; tools/train/eval.py has the unbiased figures).
    d = lines[12]
    assert d["id"] == "TXN_3269", d["id"]
    with open(os.path.join(OUT, "sample.txt"), "w") as f:
        # No trailing newline: the prompt must end as the training prompts do.
        f.write(d["prompt"])
    with open(os.path.join(OUT, "sample.json"), "w") as f:
        json.dump(d["input"], f, indent=2)
        f.write("\n")
    print("expected:", txgen.output_text(d["expected"]))


if __name__ == "__main__":
    main()
