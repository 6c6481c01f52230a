#!/bin/sh
# safetensors_py.sh FILE - reads a safetensors file ("-" for stdin) with
# /usr/bin/python3 (json + numpy only, no project code) for the bats tests.
# Prints one line per tensor in offset order, then one per metadata pair:
#   tensor<TAB>NAME<TAB>DTYPE<TAB>[d0, d1]<TAB>SUM
#   meta<TAB>KEY<TAB>VALUE-AS-JSON-STRING
# SUM is an integer for integer and BOOL tensors, repr(float64) otherwise.
# Exits 1 with a message on stderr on any inconsistency, 2 on usage.
[ $# -eq 1 ] || { echo "usage: safetensors_py.sh file" >&2; exit 2; }
script=$(cat <<'PY'
import json, struct, sys
import numpy as np

DT = {"BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2",
      "U32": "<u4", "I32": "<i4", "U64": "<u8", "I64": "<i8",
      "F16": "<f2", "F32": "<f4", "F64": "<f8"}

def fail(msg):
    sys.stderr.write("safetensors_py: %s: %s\n" % (path, msg))
    sys.exit(1)

def no_dups(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            fail("duplicate key %r" % k)
        d[k] = v
    return d

def uint(v):
    return type(v) is int and v >= 0

path = sys.argv[1]
raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
if len(raw) < 8:
    fail("truncated (%d bytes)" % len(raw))
(hl,) = struct.unpack("<Q", raw[:8])
if hl < 2 or hl > 100 << 20 or 8 + hl > len(raw):
    fail("header length %d out of range (file has %d bytes)" % (hl, len(raw)))
try:
    hdr = json.loads(raw[8:8 + hl].decode("utf-8"), object_pairs_hook=no_dups)
except (UnicodeDecodeError, ValueError) as ex:
    fail("header: %s" % ex)
if type(hdr) is not dict:
    fail("header: not an object")
data = raw[8 + hl:]
meta = hdr.pop("__metadata__", {})
if type(meta) is not dict or any(type(v) is not str for v in meta.values()):
    fail("__metadata__ is not an object of strings")
ents = []
for name, e in hdr.items():
    if not name or len(name.encode()) > 1024:
        fail("bad tensor name %r" % name)
    if type(e) is not dict or set(e) != {"dtype", "shape", "data_offsets"}:
        fail("tensor %r: keys must be dtype, shape, data_offsets" % name)
    if e["dtype"] not in DT:
        fail("tensor %r: unknown dtype %r" % (name, e["dtype"]))
    sh, off = e["shape"], e["data_offsets"]
    if type(sh) is not list or len(sh) > 8 or not all(uint(d) for d in sh):
        fail("tensor %r: bad shape %r" % (name, sh))
    if type(off) is not list or len(off) != 2 or not all(uint(o) for o in off) or off[0] > off[1]:
        fail("tensor %r: bad data_offsets %r" % (name, off))
    dt = np.dtype(DT[e["dtype"]])
    n = 1
    for d in sh:
        n *= d
    if off[1] - off[0] != n * dt.itemsize:
        fail("tensor %r: %d bytes for shape %r (expected %d)" % (name, off[1] - off[0], sh, n * dt.itemsize))
    ents.append((off[0], off[1], name, e["dtype"], sh, dt))
ents.sort(key=lambda t: (t[0], t[1]))
at = 0
for b, e, name, *_ in ents:
    if b != at:
        fail("tensor %r: offsets [%d, %d] not contiguous (expected begin %d)" % (name, b, e, at))
    at = e
if at != len(data):
    fail("data section is %d bytes but tensors end at %d" % (len(data), at))
for b, e, name, dts, sh, dt in ents:
    a = np.frombuffer(data[b:e], dtype=dt).reshape(sh)
    if dt.kind == "f":
        if not np.all(np.isfinite(a)):
            fail("tensor %r: non-finite value" % name)
        s = repr(float(a.astype(np.float64).sum()))
    elif dt.itemsize < 8:
        s = str(int(a.sum(dtype=np.int64)))
    else:
        s = str(sum(int(v) for v in a.ravel().tolist()))
    print("tensor\t%s\t%s\t%s\t%s" % (name, dts, "[" + ", ".join(map(str, sh)) + "]", s))
for k, v in meta.items():
    print("meta\t%s\t%s" % (k, json.dumps(v, ensure_ascii=False)))
PY
)
exec /usr/bin/python3 -c "$script" "$1"
