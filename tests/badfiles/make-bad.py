#!/usr/bin/python3
# make-bad.py DIR GOOD.st - writes one crafted bad file per validation rule of
# gantools-formats(5) into DIR (.npy records, safetensors containers and
# checkpoints, IDX, PNG folders, model files), for tests/badfiles.bats.
# GOOD.st is a valid gaussian2d checkpoint from gan-init; checkpoint-level
# files are edits of it. Names are the rule ids listed in RULES.md.
import gzip
import io
import json
import os
import struct
import sys
import zlib

import numpy as np


def npy_bytes(dict_text, version=(1, 0), pad=True):
    """A .npy preamble with this exact header text (padded to 64 bytes)."""
    h = dict_text
    if pad:
        h += " " * (63 - (10 + len(h)) % 64) + "\n"
    return b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(h)) + h.encode()


def npy_hdr(descr="'<f4'", fortran="False", shape="(2,)"):
    return npy_bytes("{'descr': %s, 'fortran_order': %s, 'shape': %s, }"
                     % (descr, fortran, shape))


def good_npy():
    """One valid f32 record of shape (3, 2), as numpy writes it."""
    b = io.BytesIO()
    np.lib.format.write_array(b, np.arange(6, dtype="<f4").reshape(3, 2))
    return b.getvalue()


def npy_files():
    g = good_npy()
    f = {
        "npy-magic": b"\x93NUMPZ\x01\x00" + g[8:],
        "npy-version": b"\x93NUMPY\x09\x00" + g[8:],
        "npy-header-length": b"\x93NUMPY\x01\x00" + struct.pack("<H", 20000)
                             + b" " * 20000,
        "npy-not-dict": npy_bytes("__import__('os').system('touch evaled')"),
        "npy-eval": npy_bytes("{'descr': __import__('os').system('touch evaled'), "
                              "'fortran_order': False, 'shape': (2,), }"),
        "npy-missing-key": npy_bytes("{'descr': '<f4', 'fortran_order': False, }")
                           + b"\0" * 8,
        "npy-duplicate-key": npy_bytes("{'descr': '<f4', 'descr': '<f4', "
                                       "'fortran_order': False, 'shape': (2,), }"),
        "npy-unknown-key": npy_bytes("{'descr': '<f4', 'fortran_order': False, "
                                     "'shape': (2,), 'extra': 1, }"),
        "npy-object": npy_hdr("'|O'") + b"\0" * 16,
        "npy-big-endian": npy_hdr("'>f4'") + b"\0" * 8,
        "npy-dtype": npy_hdr("'<c8'") + b"\0" * 16,
        "npy-rank": npy_hdr(shape="(1, 1, 1, 1, 1, 1, 1, 1, 1)") + b"\0" * 4,
        "npy-negative-dim": npy_hdr(shape="(2, -1)"),
        "npy-overflow": npy_hdr(shape="(4294967296, 4294967296)"),
        "npy-huge-dim": npy_hdr(shape="(99999999999999999999,)"),
        "npy-truncated-header": g[:100],
        "npy-truncated-data": g[:len(g) - 4],
        "npy-trailing": g + b"garbage!",
        "npy-second-record": g + npy_hdr("'|O'") + b"\0" * 16,
        "npy-nul": npy_bytes("{'descr': '<f4',\0 'fortran_order': False, "
                             "'shape': (2,), }") + b"\0" * 8,
        "npy-one-tuple": npy_hdr(shape="(2)") + b"\0" * 8,
        "npy-data-nonfinite": npy_hdr(shape="(4, 2)")
                              + struct.pack("<8f", *([0.5] * 5 + [float("nan")] + [0] * 2)),
    }
    return {k + ".npy": v for k, v in f.items()}


def st_bytes(header, data=b"", hlen=None):
    """A safetensors file with this header (a dict or exact text)."""
    h = header if isinstance(header, (bytes, str)) else json.dumps(header)
    h = h.encode() if isinstance(h, str) else h
    n = len(h) if hlen is None else hlen
    return struct.pack("<Q", n) + h + data


def ent(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def st_files():
    two = {"a": ent("F32", [2], 0, 8), "b": ent("F32", [2], 8, 16)}
    f = {
        "st-header-length-zero": st_bytes("{}", hlen=0),
        "st-header-length-huge": struct.pack("<Q", 1 << 62) + b"{}",
        "st-header-length-past-end": st_bytes('{"a":', hlen=64),
        "st-utf8": st_bytes(b'{"__metadata__":{"k":"\xff\xfe"}}'),
        "st-json": st_bytes('{"a":{"dtype":"F32",'),
        "st-duplicate-key": st_bytes('{"a":' + json.dumps(ent("F32", [1], 0, 4))
                                     + ',"a":' + json.dumps(ent("F32", [1], 0, 4))
                                     + '}', b"\0" * 4),
        "st-not-object": st_bytes("[1, 2]"),
        "st-dtype": st_bytes({"a": ent("Q7", [2], 0, 8)}, b"\0" * 8),
        "st-shape-not-list": st_bytes({"a": ent("F32", 2, 0, 8)}, b"\0" * 8),
        "st-shape-negative": st_bytes({"a": ent("F32", [2, -1], 0, 8)}, b"\0" * 8),
        "st-offsets-not-contiguous": st_bytes(
            {"a": ent("F32", [2], 0, 8), "b": ent("F32", [2], 12, 20)}, b"\0" * 20),
        "st-offsets-overlap": st_bytes(
            {"a": ent("F32", [2], 0, 8), "b": ent("F32", [2], 4, 12)}, b"\0" * 12),
        "st-offsets-gap": st_bytes(
            {"a": ent("F32", [1], 0, 4), "b": ent("F32", [1], 8, 12)}, b"\0" * 12),
        "st-offsets-not-zero": st_bytes({"a": ent("F32", [2], 4, 12)}, b"\0" * 12),
        "st-offsets-not-end": st_bytes(two, b"\0" * 20),
        "st-byte-length": st_bytes({"a": ent("F32", [3], 0, 8)}, b"\0" * 8),
        "st-metadata-value": st_bytes({"__metadata__": {"step": 3},
                                       "a": ent("F32", [1], 0, 4)}, b"\0" * 4),
        "st-nan": st_bytes({"a": ent("F32", [2], 0, 8)},
                           struct.pack("<2f", 1.0, float("nan"))),
        "st-inf": st_bytes({"a": ent("F32", [2], 0, 8)},
                           struct.pack("<2f", float("-inf"), 1.0)),
        "st-truncated-data": st_bytes(two, b"\0" * 12),
    }
    return {k + ".st": v for k, v in f.items()}


def st_load(path):
    """(metadata, [(name, dtype, shape, bytes)]) of a safetensors file."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    data = b[8 + n:]
    meta = h.pop("__metadata__", {})
    ts = [(k, v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]])
          for k, v in h.items()]
    return meta, ts


def st_save(meta, ts):
    """Serialises metadata and tensors with contiguous offsets from 0."""
    h, at, data = {"__metadata__": meta}, 0, b""
    for name, dt, shape, raw in ts:
        h[name] = ent(dt, shape, at, at + len(raw))
        at += len(raw)
        data += raw
    return st_bytes(json.dumps(h), data)


def edit(ts, name, fn):
    """ts with tensor `name` replaced by fn(tensor), or dropped for None."""
    out = []
    for t in ts:
        if t[0] == name:
            t = fn(t)
        if t is not None:
            out.append(t)
    return out


def ckpt_files(good):
    meta, ts = st_load(good)
    f64 = np.frombuffer(dict((t[0], t[3]) for t in ts)["G.0.weight"], "<f4")
    f64 = f64.astype("<f8").tobytes()
    nometa = dict(meta)
    del nometa["step"]
    badmodel = dict(meta, model=meta["model"].replace("linear 2 2", "linear 2 zwei"))
    f = {
        "ck-missing-tensor": st_save(meta, edit(ts, "G.0.bias", lambda t: None)),
        "ck-unexpected-tensor": st_save(meta, ts + [("G.7.weight", "F32", [1], b"\0" * 4)]),
        "ck-shape": st_save(meta, edit(ts, "G.0.weight",
                                       lambda t: (t[0], t[1], [4, 1], t[3]))),
        "ck-dtype": st_save(meta, edit(ts, "G.0.weight",
                                       lambda t: (t[0], "F64", t[2], f64))),
        "ck-metadata-missing": st_save(nometa, ts),
        "ck-model-text": st_save(badmodel, ts),
        "ck-format": st_save(dict(meta, format="someone-elses-format-3"), ts),
        "ck-metadata-value": st_save(dict(meta, lr_d="fast"), ts),
        "ck-seed": st_save(dict(meta, seed="18446744073709551616"), ts),
    }
    return {k + ".st": v for k, v in f.items()}


def idx_bytes(magic_type=0x08, dims=(4, 3, 3), extra=0, cut=0):
    a = (np.arange(int(np.prod(dims))) % 256).astype(np.uint8)
    b = b"\0\0" + bytes([magic_type, len(dims)])
    b += b"".join(struct.pack(">I", d) for d in dims) + a.tobytes() + b"\1" * extra
    return b[:len(b) - cut]


def idx_files():
    gz = gzip.compress(idx_bytes(), mtime=0)
    f = {
        "idx-magic": b"\x1f\x8c" + idx_bytes()[2:],
        "idx-type": idx_bytes(magic_type=0x0D),
        "idx-truncated": idx_bytes(cut=5),
        "idx-trailing": idx_bytes(extra=3),
        "idx-gzip-truncated": gz[:len(gz) - 6],
        "idx-gzip-corrupt": gz[:12] + bytes(b ^ 0x5A for b in gz[12:20]) + gz[20:],
        "idx-dims": idx_bytes(dims=(1, 1, 1, 1, 1)),
    }
    return {k + ".idx": v for k, v in f.items()}


def png_good(w=4, h=3):
    raw = b"".join(b"\0" + bytes(range(y, y + 3 * w)) for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def png_files():
    g = png_good()
    crc = bytearray(g)
    crc[29] ^= 1
    big = g[:16] + struct.pack(">II", 60000, 60000) + g[24:]
    big = big[:29] + struct.pack(">I", zlib.crc32(big[12:29])) + big[33:]
    return {"png-not-png/a.png": b"GIF89a this is not a PNG file\n",
            "png-truncated/a.png": g[:45],
            "png-crc/a.png": bytes(crc),
            "png-too-large/a.png": big}


MODEL = """[model]
data = 2
latent = 2
[optimizer]
type = adam
lr_d = 0.05
lr_g = 0.005
[train]
batch = 8
[G]
linear 2 2
[D]
linear 2 5
tanh
linear 5 1
"""


def model_files():
    f = {
        "model-layer": MODEL.replace("tanh", "tanhh"),
        "model-number": MODEL.replace("lr_d = 0.05", "lr_d = 0.05x"),
        "model-shape": MODEL.replace("linear 5 1", "linear 4 1"),
        "model-section": MODEL[:MODEL.index("[D]")],
        "model-key": MODEL.replace("batch = 8", "batch = 8\nbatch = 9"),
    }
    return {k + ".model": v.encode() for k, v in f.items()}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make-bad.py DIR GOOD.st")
    out, good = sys.argv[1], sys.argv[2]
    files = {}
    for part in (npy_files(), st_files(), ckpt_files(good), idx_files(),
                 png_files(), model_files()):
        files.update(part)
    for name, data in files.items():
        path = os.path.join(out, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)


if __name__ == "__main__":
    main()
