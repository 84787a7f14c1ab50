"""Trains the fraud-triage model and exports it as an F32 GGUF.

  /usr/bin/python3 tools/train/train.py --config tools/train/config.json --out /tmp/triage
  # a continuation stage (a config with "init_from"; the committed model has none):
  /usr/bin/python3 tools/train/train.py --config STAGE2.json --init-from /tmp/triage --out /tmp/triage/stage2

writes OUT/vocab.json, OUT/model.pt, OUT/model-f32.gguf and OUT/train.log.
Stage 2 continues stage 1's weights (same vocabulary) on fresh data at a
lower learning rate.
Then `lithium quantize OUT/model-f32.gguf models/fraud-triage-q8_0.gguf q8_0`
(tools/train/build_model.sh does all of it).

Reproducible: every random choice comes from the config's seed (the data from
Python's random.Random, the weights and batch order from torch's generator),
torch runs with deterministic algorithms and a fixed thread count, so the same
config on the same machine type gives the same weights.
"""

import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_write  # noqa: E402
import spm_vocab  # noqa: E402
import txgen  # noqa: E402
from model import Llama  # noqa: E402


def encode_example(vocab, prompt, output):
    """(ids, number of prompt ids including BOS). The answer is encoded
    without the dummy prefix: at run time the model writes it right after
    the prompt, token by token."""
    p = [spm_vocab.BOS] + vocab.encode(prompt)
    return p + vocab.encode(output, prefix=False) + [spm_vocab.EOS], len(p)


def make_batches(examples, batch, rng):
    """Batches of similar length (less padding): shuffle, sort within
    windows of 32 batches, then shuffle the batches."""
    idx = list(range(len(examples)))
    rng.shuffle(idx)
    out = []
    win = batch * 32
    for s in range(0, len(idx), win):
        w = sorted(idx[s:s + win], key=lambda i: len(examples[i][0]))
        out += [w[j:j + batch] for j in range(0, len(w) - batch + 1, batch)]
    rng.shuffle(out)
    return out


def collate(examples, ids):
    T = max(len(examples[i][0]) for i in ids) - 1
    x = torch.zeros((len(ids), T), dtype=torch.long)
    y = torch.zeros((len(ids), T), dtype=torch.long)
    m = torch.zeros((len(ids), T), dtype=torch.float32)
    for r, i in enumerate(ids):
        seq, n_prompt = examples[i]
        n = len(seq) - 1
        x[r, :n] = torch.tensor(seq[:-1])
        y[r, :n] = torch.tensor(seq[1:])
        # Loss on the answer and EOS only: the prompt is input, not a target.
        m[r, n_prompt - 1:n] = 1.0
    return x, y, m


def export_gguf(model, vocab, c, path):
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    md = {
        "general.architecture": "llama",
        "general.name": c["name"],
        "general.description": c["description"],
        # The context the runtime allows: rope extends past the training
        # lengths, and a prompt plus lithium's default 128 new tokens fits.
        "llama.context_length": c.get("context_length", c["max_seq_len"]),
        "llama.embedding_length": c["dim"],
        "llama.feed_forward_length": c["hidden_dim"],
        "llama.block_count": c["n_layers"],
        "llama.attention.head_count": c["n_heads"],
        "llama.attention.head_count_kv": c["n_heads"],
        "llama.rope.dimension_count": c["dim"] // c["n_heads"],
        "llama.rope.freq_base": float(c["rope_base"]),
        "llama.attention.layer_norm_rms_epsilon": float(c["norm_eps"]),
        "tokenizer.ggml.model": "llama",
        "tokenizer.ggml.tokens": vocab.tokens,
        "tokenizer.ggml.scores": vocab.scores,
        "tokenizer.ggml.token_type": ("i32", vocab.types),
        "tokenizer.ggml.bos_token_id": spm_vocab.BOS,
        "tokenizer.ggml.eos_token_id": spm_vocab.EOS,
        "tokenizer.ggml.unknown_token_id": spm_vocab.UNK,
        "tokenizer.ggml.add_bos_token": True,
        "tokenizer.ggml.add_space_prefix": True,
    }
    t = [("token_embd.weight", sd["tok.weight"])]
    for i in range(c["n_layers"]):
        p = "layers.%d." % i
        b = "blk.%d." % i
        t += [(b + "attn_norm.weight", sd[p + "attn_norm.weight"]),
              (b + "attn_q.weight", sd[p + "wq.weight"]),
              (b + "attn_k.weight", sd[p + "wk.weight"]),
              (b + "attn_v.weight", sd[p + "wv.weight"]),
              (b + "attn_output.weight", sd[p + "wo.weight"]),
              (b + "ffn_norm.weight", sd[p + "ffn_norm.weight"]),
              (b + "ffn_gate.weight", sd[p + "w_gate.weight"]),
              (b + "ffn_up.weight", sd[p + "w_up.weight"]),
              (b + "ffn_down.weight", sd[p + "w_down.weight"])]
    t.append(("output_norm.weight", sd["norm.weight"]))
    gguf_write.write(path, md, t)


@torch.no_grad()
def exact_match(model, examples):
    """Share of held-out answers whose every token is the argmax under
    teacher forcing: a cheap stand-in for greedy decoding."""
    model.eval()
    ok = 0
    for s in range(0, len(examples), 64):
        ids = list(range(s, min(s + 64, len(examples))))
        x, y, m = collate(examples, ids)
        pred = model(x).argmax(-1)
        wrong = ((pred != y).float() * m).sum(1)
        ok += int((wrong == 0).sum())
    model.train()
    return ok / len(examples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, help="override the config (smoke tests)")
    ap.add_argument("--init-from", help="a continuation stage starts from this earlier OUT")
    ap.add_argument("--export-only", action="store_true",
                    help="re-export OUT/model.pt with OUT/vocab.json (metadata changes only)")
    args = ap.parse_args()
    with open(args.config) as f:
        c = json.load(f)
    if args.steps:
        c["steps"] = args.steps
    if args.init_from:
        c["init_from"] = args.init_from
    elif c.get("init_from"):
        ap.error("this config continues an earlier stage: give --init-from STAGE1_OUT")
    if args.export_only:
        with open(os.path.join(args.out, "run.json")) as f:
            trained = json.load(f)["config"]
        for k in ("vocab_size", "max_seq_len"):
            c[k] = trained[k]
        vocab = spm_vocab.Vocab.load(os.path.join(args.out, "vocab.json"))
        model = Llama(c)
        model.load_state_dict(torch.load(os.path.join(args.out, "model.pt")))
        export_gguf(model, vocab, c, os.path.join(args.out, "model-f32.gguf"))
        return
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "train.log"), "w")

    def say(*a):
        s = " ".join(str(x) for x in a)
        print(s, flush=True)
        log.write(s + "\n")
        log.flush()

    torch.manual_seed(c["seed"])
    torch.set_num_threads(c["threads"])
    torch.use_deterministic_algorithms(True)
    t0 = time.time()

    n_train = c["steps"] * c["batch_size"] // c["epochs"]
    train = txgen.dataset(c["data_seed"], n_train)
    # Held-out: the evaluation's seed (2), never a training seed.
    held = txgen.dataset(2, 384)
    if c.get("init_from"):
        # A continuation stage: the vocabulary and weights of an earlier run.
        vocab = spm_vocab.Vocab.load(os.path.join(c["init_from"], "vocab.json"))
    else:
        pieces = spm_vocab.train(
            [p for _, p, _, _ in train[:c["vocab_texts"]]] +
            [o for _, _, o, _ in train[:c["vocab_texts"]]], c["n_merges"])
        if c.get("glue"):
            # Hours and merchant codes as single tokens (see spm_vocab).
            prefixes = c["glue"]
            missing = [p for p in prefixes if p not in pieces]
            if missing:
                sys.exit("glue prefixes are not learned pieces: %s" % missing)
            pieces += [g for g in spm_vocab.glue_pieces(prefixes, [m for _, m in txgen.MERCHANTS])
                       if g not in pieces]
        vocab = spm_vocab.Vocab(pieces)
    vocab.save(os.path.join(args.out, "vocab.json"))
    c["vocab_size"] = len(vocab)
    enc = [encode_example(vocab, p, o) for _, p, o, _ in train]
    held_enc = [encode_example(vocab, p, o) for _, p, o, _ in held]
    c["max_seq_len"] = max(c["max_seq_len"], max(len(e[0]) for e in enc))
    say("data: %d train, vocab %d, mean len %.1f, max %d, %.1fs" % (
        len(enc), len(vocab), sum(len(e[0]) for e in enc) / len(enc),
        max(len(e[0]) for e in enc), time.time() - t0))

    model = Llama(c)
    if c.get("init_from"):
        model.load_state_dict(torch.load(os.path.join(c["init_from"], "model.pt")))
    n_params = sum(p.numel() for p in model.parameters())
    say("params: %d" % n_params)
    opt = torch.optim.AdamW(model.parameters(), lr=c["lr"], betas=(0.9, 0.95),
                            weight_decay=c["weight_decay"])
    rng = random.Random(c["seed"])
    batches = []
    while len(batches) < c["steps"]:
        batches += make_batches(enc, c["batch_size"], rng)
    t_train = time.time()
    for step in range(c["steps"]):
        lr = c["lr"] * min(1.0, (step + 1) / c["warmup"])
        prog = step / max(1, c["steps"] - 1)
        lr *= 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * prog))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y, m = collate(enc, batches[step])
        sel = m > 0
        loss = F.cross_entropy(model(x, sel), y[sel])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 25 == 0 or step == c["steps"] - 1:
            msg = "step %d loss %.4f lr %.2e %.1fs" % (step, loss.item(), lr, time.time() - t_train)
            if step % c["eval_every"] == 0 or step == c["steps"] - 1:
                msg += " heldout-exact %.3f" % exact_match(model, held_enc)
            say(msg)
    train_s = time.time() - t_train
    say("trained %d steps in %.1f s" % (c["steps"], train_s))
    torch.save(model.state_dict(), os.path.join(args.out, "model.pt"))
    export_gguf(model, vocab, c, os.path.join(args.out, "model-f32.gguf"))
    with open(os.path.join(args.out, "run.json"), "w") as f:
        json.dump({"config": c, "params": n_params, "train_seconds": round(train_s, 1),
                   "total_seconds": round(time.time() - t0, 1),
                   "torch": torch.__version__}, f, indent=1)
    say("wrote", args.out)


if __name__ == "__main__":
    main()
