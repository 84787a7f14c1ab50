"""Checks that lithium's tokenizer gives exactly the ids the trainer's
encoder (spm_vocab.py) gives, on held-out prompts and answers.

  python3 tools/train/check_tokenizer.py LITHIUM MODEL.gguf VOCAB.json [N]
"""

import json
import subprocess
import sys

import spm_vocab
import txgen


def main():
    lithium, model, vocab_path = sys.argv[1:4]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 90
    v = spm_vocab.Vocab.load(vocab_path)
    bad = 0
    for _, prompt, answer, _ in txgen.dataset(2, n):
        for text, want, extra in ((prompt, [spm_vocab.BOS] + v.encode(prompt), []),
                                  (answer, v.encode(answer), ["--no-bos"])):
            # A standalone text gets the dummy prefix in both; in training
            # the answer is the same merges on the text without it.
            p = subprocess.run([lithium, "tokenize", "-m", model, "-p", text] + extra,
                               capture_output=True, text=True, check=True)
            if json.loads(p.stdout) != want:
                bad += 1
                print("mismatch:", repr(text[:60]))
    print("%d mismatches in %d texts" % (bad, 2 * n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
