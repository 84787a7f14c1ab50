#!/usr/bin/python3
"""Independent numpy dequantization of ggml's block formats, written from the
format descriptions (block layouts of ggml-common.h), sharing no code with
lithium. Used to check lithium's dequantization on files that llama.cpp's
quantizer wrote.

usage: dequant_ref.py LITHIUM MODEL.gguf [MODEL.gguf ...]
For each quantized tensor, compares `lithium`'s dequantized rows (via
`lithium quantize MODEL OUT f32`, which dequantizes every tensor) with this
module's; exits 1 on any difference beyond float rounding.
"""
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_ref  # noqa: E402  (its GGUF metadata reader)

BLOCK = {8: (32, 34), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 12: (256, 144), 13: (256, 176), 14: (256, 210)}


def f16(b, off):
    return np.frombuffer(b, dtype="<f2", count=1, offset=off)[0].astype(np.float32)


def scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def dequant_block(t, b):
    b = bytes(b)
    q = np.frombuffer(b, dtype=np.uint8)
    if t == 8:  # Q8_0
        return f16(b, 0) * q[2:34].view(np.int8).astype(np.float32)
    if t in (2, 3):  # Q4_0, Q4_1
        off = 2 if t == 2 else 4
        nib = np.concatenate([q[off:off + 16] & 15, q[off:off + 16] >> 4]).astype(np.float32)
        return (nib - 8) * f16(b, 0) if t == 2 else nib * f16(b, 0) + f16(b, 2)
    if t in (6, 7):  # Q5_0, Q5_1
        hoff = 2 if t == 6 else 4
        qh = struct.unpack_from("<I", b, hoff)[0]
        qs = q[hoff + 4:hoff + 20]
        hi = np.array([(qh >> j) & 1 for j in range(32)], dtype=np.uint8) << 4
        v = (np.concatenate([qs & 15, qs >> 4]) | hi).astype(np.float32)
        return (v - 16) * f16(b, 0) if t == 6 else v * f16(b, 0) + f16(b, 2)
    if t in (12, 13):  # Q4_K, Q5_K
        d, dmin = f16(b, 0), f16(b, 2)
        sc = q[4:16]
        qh = q[16:48] if t == 13 else None
        ql = q[48:176] if t == 13 else q[16:144]
        out = []
        for j in range(8):
            s, m = scale_min_k4(j, sc)
            v = (ql[32 * (j // 2):32 * (j // 2) + 32] >> (4 * (j & 1))) & 15
            if qh is not None:
                v = v + (((qh >> j) & 1) << 4)
            out.append(np.float32(d * np.float32(s)) * v.astype(np.float32) - np.float32(dmin * np.float32(m)))
        return np.concatenate(out)
    if t == 14:  # Q6_K
        ql, qh, sc, d = q[0:128], q[128:192], q[192:208].view(np.int8), f16(b, 208)
        out = np.zeros(256, dtype=np.float32)
        for h in range(2):
            for k in range(4):
                lo = ql[64 * h + (32 if k & 1 else 0):][:32]
                v = ((lo >> (4 if k >= 2 else 0)) & 15) | (((qh[32 * h:32 * h + 32] >> (2 * k)) & 3) << 4)
                v = v.astype(np.int32) - 32
                for l in range(32):
                    out[128 * h + 32 * k + l] = np.float32(d * np.float32(sc[8 * h + 2 * k + l // 16])) * np.float32(v[l])
        return out
    raise ValueError("type %d" % t)


def tensors(path):
    data = open(path, "rb").read()
    r = llama_ref.Reader(data)
    r.take("<I"); r.take("<I")
    nt, nkv = r.take("<Q"), r.take("<Q")
    kv = {}
    for _ in range(nkv):
        k = r.string()
        kv[k] = r.value(r.take("<I"))
    infos = []
    for _ in range(nt):
        name = r.string()
        dims = [r.take("<Q") for _ in range(r.take("<I"))]
        infos.append((name, dims, r.take("<I"), r.take("<Q")))
    align = kv.get("general.alignment", 32)
    base = (r.p + align - 1) // align * align
    return data, base, infos


def main():
    lithium = sys.argv[1]
    failures = checked = 0
    for path in sys.argv[2:]:
        data, base, infos = tensors(path)
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "f32.gguf")
            subprocess.run([lithium, "quantize", path, out, "f32"], check=True, capture_output=True)
            _, base2, infos2 = tensors(out)
            data2 = open(out, "rb").read()
        by_name = {i[0]: i for i in infos2}
        types = set()
        for name, dims, t, off in infos:
            if t not in BLOCK:
                continue
            be, bb = BLOCK[t]
            n = int(np.prod(dims))
            nblocks = min(n // be, 64)  # the first 64 blocks of each tensor
            ref = np.concatenate([dequant_block(t, data[base + off + i * bb: base + off + (i + 1) * bb])
                                  for i in range(nblocks)])
            _, _, _, off2 = by_name[name]
            ours = np.frombuffer(data2, dtype="<f4", count=nblocks * be, offset=base2 + off2)
            ok = np.array_equal(ours, ref.astype(np.float32))
            checked += 1
            types.add(t)
            if not ok:
                failures += 1
                print("FAIL %s %s type %d: max diff %g" % (os.path.basename(path), name, t, np.max(np.abs(ours - ref))))
        print("%s: types %s checked" % (os.path.basename(path), sorted(types)))
    print("%d passed, %d failed" % (checked - failures, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
