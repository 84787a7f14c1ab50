"""A minimal GGUF v3 writer (F32 tensors, scalar/string/array metadata): just
what the triage model needs. Layout per the GGUF specification: header,
metadata key/values, tensor infos, padding to the alignment, tensor data with
each tensor's offset a multiple of the alignment."""

import struct

import numpy as np

ALIGN = 32
T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR = 4, 5, 6, 7, 8, 9


def _str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(v):
    """(type id, bytes) for a Python value; ints are u32, floats f32."""
    if isinstance(v, bool):
        return T_BOOL, struct.pack("<B", int(v))
    if isinstance(v, int):
        return T_U32, struct.pack("<I", v)
    if isinstance(v, float):
        return T_F32, struct.pack("<f", v)
    if isinstance(v, str):
        return T_STR, _str(v)
    if isinstance(v, tuple) and v[0] == "i32":  # ("i32", [..]) for signed arrays
        return T_ARR, struct.pack("<IQ", T_I32, len(v[1])) + b"".join(
            struct.pack("<i", x) for x in v[1])
    if isinstance(v, list):
        t, _ = _value(v[0])
        body = b"".join(_value(x)[1] for x in v)
        return T_ARR, struct.pack("<IQ", t, len(v)) + body
    raise TypeError("unsupported metadata value %r" % (v,))


def write(path, metadata, tensors):
    """metadata: ordered dict key -> value; tensors: list of (name, float32
    numpy array in torch row-major layout). GGUF lists dims innermost first,
    so a torch [out, in] matrix is written as dims (in, out)."""
    out = bytearray(b"GGUF")
    out += struct.pack("<IQQ", 3, len(tensors), len(metadata) + 1)
    for k, v in list(metadata.items()) + [("general.alignment", ALIGN)]:
        t, b = _value(v)
        out += _str(k) + struct.pack("<I", t) + b
    offset = 0
    blobs = []
    for name, a in tensors:
        a = np.ascontiguousarray(a, dtype="<f4")
        out += _str(name) + struct.pack("<I", a.ndim)
        for d in reversed(a.shape):
            out += struct.pack("<Q", d)
        out += struct.pack("<IQ", 0, offset)
        blobs.append(a.tobytes())
        offset += (len(blobs[-1]) + ALIGN - 1) // ALIGN * ALIGN
    out += b"\0" * (-len(out) % ALIGN)
    for b in blobs:
        out += b + b"\0" * (-len(b) % ALIGN)
    with open(path, "wb") as f:
        f.write(out)
