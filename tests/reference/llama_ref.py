#!/usr/bin/python3
"""An independent reference forward pass for llama-family GGUF models:
llama (adjacent-pair RoPE, optional rope_freqs), qwen2 (QKV biases, NeoX
RoPE), qwen3 (per-head q/k RMSNorm, NeoX RoPE) and phi3 (fused QKV and
gate-up, NeoX RoPE).

Plain numpy in float64, with its own minimal GGUF parser, sharing no code
with lithium's C++ reader or kernels. Tests run it on the shared and the
generated models and compare lithium's logits within a tolerance.

usage: llama_ref.py MODEL.gguf TOKEN_ID [TOKEN_ID ...] > logits.f32
Writes the logits after the last token as float32 little-endian.
"""
import struct
import sys

import numpy as np

SCALAR = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take("<Q")
        s = self.d[self.p:self.p + n].decode("utf-8", "replace")
        self.p += n
        return s

    def value(self, t):
        if t == 8:
            return self.string()
        if t == 9:
            et, n = self.take("<I"), self.take("<Q")
            return [self.value(et) for _ in range(n)]
        return self.take(SCALAR[t])


def load(path):
    data = open(path, "rb").read()
    r = Reader(data)
    assert r.take("<I") == 0x46554747, "not GGUF"
    assert r.take("<I") in (2, 3)
    n_tensors, n_kv = r.take("<Q"), r.take("<Q")
    kv = {}
    for _ in range(n_kv):
        k = r.string()
        kv[k] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        nd = r.take("<I")
        dims = [r.take("<Q") for _ in range(nd)]
        infos.append((name, dims, r.take("<I"), r.take("<Q")))
    align = kv.get("general.alignment", 32)
    base = (r.p + align - 1) // align * align
    tensors = {}
    for name, dims, typ, off in infos:
        n = int(np.prod(dims))
        if typ == 30:  # BF16: the high half of a float32
            raw = np.frombuffer(data, dtype="<u2", count=n, offset=base + off).astype(np.uint32) << 16
            arr = raw.view(np.float32).astype(np.float64)
        else:
            dt = {0: np.float32, 1: np.float16}[typ]
            arr = np.frombuffer(data, dtype=dt, count=n, offset=base + off).astype(np.float64)
        tensors[name] = arr.reshape(list(reversed(dims)))  # numpy order: rows first
    return kv, tensors


def rmsnorm(x, w, eps):
    return x / np.sqrt(np.mean(x * x) + eps) * w


def forward(kv, t, tokens):
    a = kv["general.architecture"]
    d = kv[a + ".embedding_length"]
    n_layer = kv[a + ".block_count"]
    n_head = kv[a + ".attention.head_count"]
    n_kv = kv.get(a + ".attention.head_count_kv", n_head)
    eps = kv.get(a + ".attention.layer_norm_rms_epsilon", 1e-5)
    base = kv.get(a + ".rope.freq_base", 10000.0)
    hd = kv.get(a + ".attention.key_length", d // n_head)
    n_rot = kv.get(a + ".rope.dimension_count", hd)
    neox = a in ("qwen2", "qwen3", "phi3")
    scale = 1.0
    if kv.get(a + ".rope.scaling.type") == "linear":
        scale = kv[a + ".rope.scaling.factor"]
    T = len(tokens)
    x = t["token_embd.weight"][tokens]  # [T, d]
    pos = np.arange(T)[:, None]
    inv = base ** (-np.arange(0, n_rot, 2) / n_rot)
    ang = pos / scale * inv[None, :]  # [T, n_rot/2]
    if "rope_freqs.weight" in t:
        ang = ang / t["rope_freqs.weight"][None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v):  # v: [T, heads, hd]
        v = v.copy()
        if neox:  # pairs (i, i + n_rot/2)
            i0, i1 = slice(0, n_rot // 2), slice(n_rot // 2, n_rot)
        else:  # adjacent pairs (2i, 2i+1)
            i0, i1 = slice(0, n_rot, 2), slice(1, n_rot, 2)
        a0, a1 = v[:, :, i0].copy(), v[:, :, i1].copy()
        c, s = cos[:, None, :], sin[:, None, :]
        v[:, :, i0] = a0 * c - a1 * s
        v[:, :, i1] = a0 * s + a1 * c
        return v

    def head_norm(v, w):  # RMSNorm over each head: v [T, heads, hd]
        return v / np.sqrt(np.mean(v * v, axis=2, keepdims=True) + eps) * w

    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(n_layer):
        p = "blk.%d." % l
        h = np.stack([rmsnorm(row, t[p + "attn_norm.weight"], eps) for row in x])
        if p + "attn_qkv.weight" in t:
            qkv = h @ t[p + "attn_qkv.weight"].T
            q, k, v = np.split(qkv, [n_head * hd, (n_head + n_kv) * hd], axis=1)
        else:
            q, k, v = (h @ t[p + "attn_%s.weight" % n].T for n in "qkv")
        if p + "attn_q.bias" in t:
            q, k, v = q + t[p + "attn_q.bias"], k + t[p + "attn_k.bias"], v + t[p + "attn_v.bias"]
        q, k, v = q.reshape(T, n_head, hd), k.reshape(T, n_kv, hd), v.reshape(T, n_kv, hd)
        if p + "attn_q_norm.weight" in t:
            q, k = head_norm(q, t[p + "attn_q_norm.weight"]), head_norm(k, t[p + "attn_k_norm.weight"])
        q, k = rope(q), rope(k)
        out = np.zeros((T, n_head, hd))
        for hh in range(n_head):
            kh = hh // (n_head // n_kv)
            s = q[:, hh, :] @ k[:, kh, :].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(axis=1, keepdims=True))
            s /= s.sum(axis=1, keepdims=True)
            out[:, hh, :] = s @ v[:, kh, :]
        x = x + out.reshape(T, -1) @ t[p + "attn_output.weight"].T
        h = np.stack([rmsnorm(row, t[p + "ffn_norm.weight"], eps) for row in x])
        if p + "ffn_gate.weight" in t:
            g, u = h @ t[p + "ffn_gate.weight"].T, h @ t[p + "ffn_up.weight"].T
        else:  # phi3: fused [gate | up]
            g, u = np.split(h @ t[p + "ffn_up.weight"].T, 2, axis=1)
        x = x + (g / (1 + np.exp(-g)) * u) @ t[p + "ffn_down.weight"].T
    last = rmsnorm(x[-1], t["output_norm.weight"], eps)
    out_w = t.get("output.weight", t["token_embd.weight"])
    return out_w @ last


def main():
    kv, tensors = load(sys.argv[1])
    logits = forward(kv, tensors, [int(a) for a in sys.argv[2:]])
    sys.stdout.buffer.write(logits.astype("<f4").tobytes())


if __name__ == "__main__":
    main()
