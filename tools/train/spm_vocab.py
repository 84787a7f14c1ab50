"""A small SentencePiece-style ("llama" GGUF type) vocabulary for the triage
model, and an encoder that gives exactly the ids lithium's SPM tokenizer gives
(src/tokenizer/spm_tokenizer.cc):

  1. A space is prepended to the text (the dummy prefix) and every space is
     written as U+2581 "▁".
  2. The text starts as one symbol per UTF-8 character; repeatedly the
     adjacent pair whose concatenation is a token with the highest score is
     merged (ties: the leftmost pair).
  3. A symbol that is a token gives its id; any other gives its bytes as
     <0xNN> byte tokens.

The vocabulary is learned from the training texts by byte-pair merging over
chunks, so every multi-character piece can be built by merges of pieces that
are in the vocabulary, and its score is minus its merge rank (earlier merges
win). Digits are never merged: every number is read digit by digit, which
lets a small model compare amounts by their length and leading digits.

Glue pieces (`glue_pieces`) are the one exception, appended after the learned
merges (so they merge last): an hour with its colon ("02:") and a merchant
category code with the key before it ("mcc=6051", "MCC>6051") become one token
each. A small model reads "0", "2", ":" digit by digit poorly (the unusual-hour
rule was its most frequent miss), and 5944 vs 5947 differ in the last digit
only. The chains that build them ("2:" then "02:"; "mcc=6", "mcc=60", ...)
match nowhere else in the prompts: a digit is followed by ":" only in a time,
and "mcc=" / "MCC>" only precede the code, so amounts stay digit by digit.
"""

import heapq
import json
import re
from collections import Counter

SPACE = "\u2581"
SPECIALS = ["<unk>", "<s>", "</s>"]
UNK, BOS, EOS = 0, 1, 2
N_BYTES = 256
FIRST_PIECE = len(SPECIALS) + N_BYTES
# Chunks merges stay inside: a word with an optional leading "▁" and
# trailing punctuation, a single digit, a lone "▁", a newline, or a run of
# other punctuation. No chunk has "▁" after its first character, which keeps
# lithium's word-at-a-time fast path valid.
_CHUNK = re.compile(SPACE + r"?[A-Za-z_]+[^A-Za-z_0-9\s" + SPACE + r"]*|[0-9]|" + SPACE +
                    r"|\n|[^A-Za-z_0-9\s" + SPACE + r"]+")


def escape(text):
    return SPACE + text.replace(" ", SPACE)


def train(texts, n_merges):
    """Returns the list of pieces: base characters, then merged pieces in
    merge order."""
    words = Counter()
    for t in texts:
        words.update(_CHUNK.findall(escape(t)))
    chars = sorted({c for w in words for c in w} | {SPACE})
    seqs = {w: list(w) for w in words}
    pieces = list(chars)
    known = set(pieces)
    for _ in range(n_merges):
        pairs = Counter()
        for w, f in words.items():
            s = seqs[w]
            for a, b in zip(s, s[1:]):
                if not (a.isdigit() or b.isdigit()):
                    pairs[(a, b)] += f
        if not pairs:
            break
        # Most frequent pair; ties by the pair's text so the result never
        # depends on dict order.
        (a, b), f = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if f < 2:
            break
        m = a + b
        for w in words:
            s = seqs[w]
            i, out = 0, []
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(m)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
        if m not in known:
            known.add(m)
            pieces.append(m)
    return pieces


def glue_pieces(prefixes, codes):
    """Pieces that make each hour "HH:" and each `prefix + code` one token,
    in an order where every piece is a merge of two earlier ones."""
    out = []
    for d in "0123456789":
        out.append(d + ":")
    for h in range(24):
        out.append("%02d:" % h)
    for p in prefixes:
        for code in codes:
            for i in range(1, len(code) + 1):
                out.append(p + code[:i])
    seen, res = set(), []
    for x in out:
        if x not in seen:
            seen.add(x)
            res.append(x)
    return res


class Vocab:
    def __init__(self, pieces):
        self.n_chars = sum(1 for p in pieces if len(p) == 1)
        self.tokens = list(SPECIALS) + ["<0x%02X>" % b for b in range(N_BYTES)] + list(pieces)
        self.types = [2, 3, 3] + [6] * N_BYTES + [1] * len(pieces)
        # Characters can never be the result of a merge, so their score is
        # irrelevant; merged pieces score minus their rank.
        self.scores = [0.0] * FIRST_PIECE
        rank = 0
        for p in pieces:
            if len(p) == 1:
                self.scores.append(0.0)
            else:
                rank += 1
                self.scores.append(-float(rank))
        self.index = {t: i for i, t in enumerate(self.tokens)}
        assert len(self.index) == len(self.tokens), "duplicate piece"
        self._cache = {}

    def __len__(self):
        return len(self.tokens)

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"pieces": self.tokens[FIRST_PIECE:]}, f, ensure_ascii=False, indent=0)

    @staticmethod
    def load(path):
        with open(path) as f:
            return Vocab(json.load(f)["pieces"])

    def _encode_word(self, w):
        hit = self._cache.get(w)
        if hit is not None:
            return hit
        syms = list(w)
        # The symbols live in a linked list; the heap holds candidate merges
        # as (-score, left index, right index, merged text).
        nxt = list(range(1, len(syms))) + [-1]
        prv = list(range(-1, len(syms) - 1))
        alive = [True] * len(syms)
        heap = []

        def push(l, r):
            if l < 0 or r < 0:
                return
            m = syms[l] + syms[r]
            i = self.index.get(m)
            if i is not None:
                heapq.heappush(heap, (-self.scores[i], l, r, m))

        for i in range(len(syms) - 1):
            push(i, i + 1)
        while heap:
            _, l, r, m = heapq.heappop(heap)
            # Stale when either side was merged since the pair was queued.
            if not (alive[l] and alive[r]) or nxt[l] != r or syms[l] + syms[r] != m:
                continue
            syms[l] = m
            alive[r] = False
            nxt[l] = nxt[r]
            if nxt[r] >= 0:
                prv[nxt[r]] = l
            push(prv[l], l)
            push(l, nxt[l])
        # Symbol 0 always survives (merges keep the left symbol).
        ids = []
        i = 0 if syms else -1
        while i != -1:
            t = self.index.get(syms[i])
            if t is not None and self.types[t] == 1:
                ids.append(t)
            else:
                ids.extend(FIRST_PIECE - N_BYTES + b for b in syms[i].encode("utf-8"))
            i = nxt[i]
        self._cache[w] = ids
        return ids

    def encode(self, text, prefix=True):
        """Ids of `text` as lithium encodes it with no BOS. prefix=False
        skips the dummy prefix: used for the answer, which the model writes
        after the prompt rather than as a new text."""
        s = escape(text) if prefix else text.replace(" ", SPACE)
        # Words start at each "▁" (see the module comment).
        out = []
        for w in re.findall(SPACE + "[^" + SPACE + "]*|[^" + SPACE + "]+", s):
            out.extend(self._encode_word(w))
        return out

    def decode(self, ids):
        b = bytearray()
        for i in ids:
            t = self.tokens[i]
            if self.types[i] == 6:
                b.append(int(t[3:5], 16))
            elif self.types[i] == 1:
                b.extend(t.replace(SPACE, " ").encode("utf-8"))
        return b.decode("utf-8", errors="replace")
