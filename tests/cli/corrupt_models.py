#!/usr/bin/python3
"""Feeds corrupted variants of the real model files to `lithium run`.

Each variant must end with exit code 2 and one line on stderr starting with
"lithium: " that names the file: never a crash, a hang, or a success.
Variants: truncations at many offsets (every cut lies before the end of the
last tensor's data), and overwrites of structural fields (magic, version,
counts, string lengths, value types, array counts, tensor dims, types and
offsets) located by parsing the file.

usage: corrupt_models.py LITHIUM_BINARY SHARED_DIR [MIN_VARIANTS]   (exit 77: skipped)
"""
import os
import struct
import subprocess
import sys
import tempfile

SCALAR_SIZE = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


def structural_fields(data):
    """Returns (offset, size, label) of every structural field."""
    fields = [(0, 4, "magic"), (4, 4, "version"), (8, 8, "tensor count"), (16, 8, "kv count")]
    p = 24
    n_tensors, n_kv = struct.unpack_from("<QQ", data, 8)

    def skip_value(t, p, depth):
        if t == 8:
            n = struct.unpack_from("<Q", data, p)[0]
            if depth == 0:
                fields.append((p, 8, "string length"))
            return p + 8 + n
        if t == 9:
            et, n = struct.unpack_from("<IQ", data, p)
            fields.append((p, 4, "array element type"))
            fields.append((p + 4, 8, "array count"))
            p += 12
            if et == 8:
                for _ in range(n):
                    p = skip_value(8, p, depth + 1)
                return p
            return p + n * SCALAR_SIZE[et]
        return p + SCALAR_SIZE[t]

    for _ in range(n_kv):
        klen = struct.unpack_from("<Q", data, p)[0]
        fields.append((p, 8, "key length"))
        p += 8 + klen
        t = struct.unpack_from("<I", data, p)[0]
        fields.append((p, 4, "value type"))
        p = skip_value(t, p + 4, 0)
    data_end = 0
    for _ in range(n_tensors):
        nlen = struct.unpack_from("<Q", data, p)[0]
        fields.append((p, 8, "tensor name length"))
        p += 8 + nlen
        nd = struct.unpack_from("<I", data, p)[0]
        fields.append((p, 4, "n_dims"))
        p += 4
        for i in range(nd):
            fields.append((p, 8, "dim %d" % i))
            p += 8
        fields.append((p, 4, "tensor type"))
        fields.append((p + 4, 8, "tensor offset"))
        p += 12
    return fields, p


def variants(data):
    fields, header_end = structural_fields(data)
    out = []
    for off, size, label in fields:
        # Overwrite the field with all-ones: absurd counts, lengths, types,
        # dims and offsets, and an impossible magic or version.
        out.append((data[:off] + b"\xff" * size + data[off + size:], "%s at %d = all ones" % (label, off)))
        if size >= 4 and label not in ("magic",):
            # And a subtler change: +1 in the lowest byte (a count or length
            # off by one, which shifts everything after it). Type fields are
            # left out: type + 1 can be another valid type (F32 -> F16,
            # uint32 -> int32) that reads the same bytes without error.
            v = bytearray(data)
            v[off] = (v[off] + 1) & 0xFF
            if label in ("kv count", "version", "tensor name length", "key length", "string length",
                         "n_dims", "tensor count", "array count"):
                out.append((bytes(v), "%s at %d + 1" % (label, off)))
    size = len(data)
    cuts = sorted(set([0, 1, 3, 4, 7, 8, 15, 16, 23, 24, 25, header_end - 1, header_end, size - 1] +
                      [int(size * k / 60) for k in range(1, 60)]))
    for c in cuts:
        if 0 <= c < size:
            out.append((data[:c], "truncated to %d of %d bytes" % (c, size)))
    return out


def main():
    lithium, shared = sys.argv[1], sys.argv[2]
    minimum = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    models = [os.path.join(shared, "models", m) for m in ("stories260K.gguf", "llama-2-tiny-random.gguf")]
    if not all(os.path.exists(m) for m in models):
        print("SKIP: shared models not found under " + shared)
        return 77
    total = failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            data = open(m, "rb").read()
            for i, (blob, what) in enumerate(variants(data)):
                path = os.path.join(tmp, "variant-%d.gguf" % i)
                with open(path, "wb") as f:
                    f.write(blob)
                try:
                    r = subprocess.run([lithium, "run", "-m", path, "-p", "Once", "-n", "2", "--temp", "0"],
                                       capture_output=True, text=True, timeout=60)
                    lines = [l for l in r.stderr.splitlines() if l.strip()]
                    ok = (r.returncode == 2 and len(lines) == 1 and lines[0].startswith("lithium: ") and
                          "variant-" in lines[0])
                    detail = "exit %d, stderr %r" % (r.returncode, r.stderr[-300:])
                except subprocess.TimeoutExpired:
                    ok, detail = False, "timed out"
                total += 1
                if not ok:
                    failures += 1
                    print("FAIL %s: %s: %s" % (os.path.basename(m), what, detail))
    print("%d corrupted variants: %d passed, %d failed" % (total, total - failures, failures))
    print("%d passed, %d failed" % (total - failures, failures))
    if total < minimum:
        print("too few variants: %d < %d" % (total, minimum))
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
