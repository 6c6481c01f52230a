#!/bin/sh
# make-corpus.sh - (re)generates the seed corpora under fuzz/corpus/<harness>:
# small valid and invalid inputs for every parser. Needs /usr/bin/python3
# with numpy; checkpoints come from build/bin/gan-init when it is built.
# Reproducers saved from fuzzing runs (crash-*, repro-*) are kept.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
c=$root/fuzz/corpus
for h in npy safetensors idx png model tsvlog; do
	mkdir -p "$c/$h"
	find "$c/$h" -type f ! -name 'crash-*' ! -name 'repro-*' -delete
done

/usr/bin/python3 - "$c" <<'PY'
import gzip, io, json, struct, sys, zlib
import numpy as np
c = sys.argv[1]

def put(h, name, data):
    if isinstance(data, str):
        data = data.encode()
    open("%s/%s/%s" % (c, h, name), "wb").write(data)

# --- .npy records and streams -------------------------------------------
def npy(a):
    b = io.BytesIO(); np.save(b, a); return b.getvalue()
def npy_raw(header, data=b"", ver=(1, 0)):
    h = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    if ver[0] == 1:
        pre = b"\x93NUMPY" + bytes(ver) + struct.pack("<H", len(h))
    else:
        pre = b"\x93NUMPY" + bytes(ver) + struct.pack("<I", len(h))
    return pre + h.encode() + data
def hdr(descr, shape, fortran="False"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
put("npy", "ok-u8.npy", npy(np.arange(6, dtype=np.uint8).reshape(2, 3)))
put("npy", "ok-f32.npy", npy(np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2)))
put("npy", "ok-i8.npy", npy(np.array([1, -2, 3], dtype=np.int64)))
put("npy", "ok-f64-scalar.npy", npy(np.float64(2.5)))
put("npy", "ok-bool.npy", npy(np.array([True, False])))
put("npy", "ok-f16.npy", npy(np.array([1.5, -0.25], dtype=np.float16)))
put("npy", "ok-empty.npy", npy(np.zeros((0, 3), dtype=np.float32)))
put("npy", "ok-rank8.npy", npy(np.zeros((1,) * 8, dtype=np.uint8)))
put("npy", "ok-stream-xy.npy",
    npy(np.arange(8, dtype=np.uint8).reshape(2, 1, 2, 2)) + npy(np.array([3, 7], dtype=np.int64)))
put("npy", "ok-v2.npy", npy_raw(hdr("'<f4'", "(2,)"), b"\0" * 8, (2, 0)))
put("npy", "ok-v3.npy", npy_raw(hdr("'|u1'", "(3,)"), b"abc", (3, 0)))
put("npy", "ok-py2-long.npy", npy_raw(hdr("'|u1'", "(2L, 1L)"), b"ab"))
put("npy", "ok-dquote.npy", npy_raw('{"descr": "<i4", "fortran_order": False, "shape": (1,)}', b"\1\0\0\0"))
put("npy", "bad-empty.npy", b"")
put("npy", "bad-magic.npy", b"\x93NUMPZ\x01\x00" + b"\0" * 60)
put("npy", "bad-trunc-magic.npy", b"\x93NUM")
put("npy", "bad-version.npy", npy_raw(hdr("'|u1'", "(1,)"), b"a", (4, 0)))
put("npy", "bad-hlen.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 20000) + b" " * 64)
put("npy", "bad-trunc-header.npy", npy(np.zeros(2, np.uint8))[:40])
put("npy", "bad-trunc-data.npy", npy(np.zeros(20, np.float32))[:-3])
put("npy", "bad-nul.npy", npy_raw(hdr("'|u1'", "(1,)").replace(" ", "\0", 1), b"a"))
put("npy", "bad-fortran.npy", npy_raw(hdr("'<f4'", "(2, 2)", "True"), b"\0" * 16))
put("npy", "bad-bigendian.npy", npy_raw(hdr("'>f4'", "(1,)"), b"\0" * 4))
put("npy", "bad-object.npy", npy_raw(hdr("'|O'", "(1,)"), b"\0" * 8))
put("npy", "bad-structured.npy", npy_raw(hdr("[('a', '<f4')]", "(1,)"), b"\0" * 4))
put("npy", "bad-rank9.npy", npy_raw(hdr("'|u1'", "(1, 1, 1, 1, 1, 1, 1, 1, 1)"), b"a"))
put("npy", "bad-negative.npy", npy_raw(hdr("'|u1'", "(-1,)")))
put("npy", "bad-overflow.npy", npy_raw(hdr("'<f8'", "(4611686018427387904, 4)")))
put("npy", "bad-dim-too-large.npy", npy_raw(hdr("'|u1'", "(99999999999999999999,)")))
put("npy", "bad-huge-declared.npy", npy_raw(hdr("'<f4'", "(1099511627776,)"), b"\0" * 16))
put("npy", "bad-1tuple.npy", npy_raw(hdr("'|u1'", "(3)"), b"abc"))
put("npy", "bad-dupkey.npy", npy_raw("{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (1,)}", b"a"))
put("npy", "bad-unknown-key.npy", npy_raw("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), 'x': 1}", b"a"))
put("npy", "bad-missing-key.npy", npy_raw("{'descr': '|u1', 'shape': (1,)}", b"a"))
put("npy", "bad-trailing-text.npy", npy_raw(hdr("'|u1'", "(1,)") + " x", b"a"))
put("npy", "bad-stream-garbage.npy", npy(np.zeros(2, np.uint8)) + b"garbage")

# --- safetensors ---------------------------------------------------------
def st(header, data=b"", pad=True):
    h = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data
f32 = np.array([1, 2, 3, 4], dtype=np.float32).tobytes()
put("safetensors", "ok-one.st", st({"__metadata__": {"format": "pt"},
    "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, f32))
put("safetensors", "ok-empty.st", st({}))
put("safetensors", "ok-dtypes.st", st({
    "a": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3]},
    "b": {"dtype": "I64", "shape": [1], "data_offsets": [3, 11]},
    "c": {"dtype": "F16", "shape": [2], "data_offsets": [11, 15]},
    "d": {"dtype": "F64", "shape": [], "data_offsets": [15, 23]},
    "e": {"dtype": "BOOL", "shape": [0, 4], "data_offsets": [23, 23]}},
    b"abc" + struct.pack("<q", -5) + np.array([1, 2], np.float16).tobytes() + struct.pack("<d", 0.5)))
put("safetensors", "ok-out-of-order.st", st({
    "y": {"dtype": "U8", "shape": [2], "data_offsets": [2, 4]},
    "x": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]}}, b"abcd"))
w1 = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
put("safetensors", "bad-trunc-len.st", b"\x10\0\0")
put("safetensors", "bad-hlen-huge.st", struct.pack("<Q", 1 << 40) + b"{}")
put("safetensors", "bad-hlen-short.st", struct.pack("<Q", 100) + b"{}")
put("safetensors", "bad-json.st", st(b'{"w": {"dtype": "F32",', pad=False))
put("safetensors", "bad-dupkey.st", st(b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"z"))
put("safetensors", "bad-not-object.st", st(b"[1, 2]"))
put("safetensors", "bad-dtype.st", st({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4))
put("safetensors", "bad-shape.st", st({"w": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 1]}}, b"a"))
put("safetensors", "bad-rank.st", st({"w": {"dtype": "U8", "shape": [1] * 9, "data_offsets": [0, 1]}}, b"a"))
put("safetensors", "bad-overflow.st", st({"w": {"dtype": "F64", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}}, b"\0" * 8))
put("safetensors", "bad-length.st", st({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}, f32[:12]))
put("safetensors", "bad-gap.st", st({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [4, 20]}}, b"\0" * 4 + f32))
put("safetensors", "bad-overlap.st", st({
    "a": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},
    "b": {"dtype": "U8", "shape": [2], "data_offsets": [1, 3]}}, b"abc"))
put("safetensors", "bad-begin-after-end.st", st({"w": {"dtype": "U8", "shape": [0], "data_offsets": [3, 2]}}, b"abc"))
put("safetensors", "bad-trunc-data.st", st(w1, f32[:10]))
put("safetensors", "bad-trailing.st", st(w1, f32 + b"xx"))
put("safetensors", "bad-nan.st", st(w1, np.array([1, np.nan, 3, 4], np.float32).tobytes()))
put("safetensors", "bad-inf-f16.st", st({"w": {"dtype": "F16", "shape": [1], "data_offsets": [0, 2]}}, b"\x00\x7c"))
put("safetensors", "bad-meta.st", st({"__metadata__": {"step": 3}}))
put("safetensors", "bad-meta-not-object.st", st({"__metadata__": "x"}))
put("safetensors", "bad-empty-name.st", st({"": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}, b"a"))
put("safetensors", "bad-utf8.st", st(b'{"\xff\xfe":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"a"))
put("safetensors", "bad-extra-key.st", st({"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1], "x": 1}}, b"a"))
put("safetensors", "bad-missing-offsets.st", st({"w": {"dtype": "U8", "shape": [1]}}, b"a"))
put("safetensors", "bad-huge-declared.st", st({"w": {"dtype": "U8", "shape": [1 << 33], "data_offsets": [0, 1 << 33]}}, b"abc"))

# --- IDX, raw and gzip ---------------------------------------------------
def idx(a, code=8):
    return b"\0\0" + bytes([code, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape) + a.tobytes()
img = (np.arange(18) * 7 % 256).astype(np.uint8).reshape(2, 3, 3)
lab = np.array([1, 7, 3], dtype=np.uint8)
gz = lambda b: gzip.compress(b, mtime=0)
put("idx", "ok-images.idx", idx(img))
put("idx", "ok-labels.idx", idx(lab))
put("idx", "ok-4d.idx", idx(np.zeros((1, 1, 2, 2), np.uint8)))
put("idx", "ok-images.idx.gz", gz(idx(img)))
put("idx", "ok-labels.idx.gz", gz(idx(lab)))
put("idx", "ok-two-members.idx.gz", gz(idx(lab)[:6]) + gz(idx(lab)[6:]))
put("idx", "bad-empty.idx", b"")
put("idx", "bad-magic.idx", b"\1\0\x08\x01\0\0\0\1a")
put("idx", "bad-type.idx", b"\0\0\x0d\x01\0\0\0\1abcd")
put("idx", "bad-ndim0.idx", b"\0\0\x08\x00")
put("idx", "bad-ndim5.idx", b"\0\0\x08\x05" + b"\0\0\0\1" * 5 + b"a")
put("idx", "bad-dim0.idx", b"\0\0\x08\x02\0\0\0\0\0\0\0\2")
put("idx", "bad-trunc-header.idx", idx(img)[:9])
put("idx", "bad-trunc-data.idx", idx(img)[:-1])
put("idx", "bad-trailing.idx", idx(img) + b"x")
put("idx", "bad-too-large.idx", b"\0\0\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")
put("idx", "bad-trunc-data.idx.gz", gz(idx(img)[:-2]))
put("idx", "bad-cut-trailer.idx.gz", gz(idx(img))[:-4])
bad = bytearray(gz(idx(img))); bad[14] ^= 0x55
put("idx", "bad-corrupt.idx.gz", bytes(bad))

# --- PNG -------------------------------------------------------------------
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
def png(w, h, depth, ctype, rows, extra=b"", interlace=0):
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace))
            + extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
rng = np.random.default_rng(1)
def rnd(h, w, ch, dt=np.uint8):
    hi = 256 if dt == np.uint8 else 65536
    return rng.integers(0, hi, size=(h, w, ch)).astype(dt)
a = rnd(3, 4, 1); put("png", "ok-grey.png", png(4, 3, 8, 0, [r.tobytes() for r in a]))
a = rnd(3, 4, 3); put("png", "ok-rgb.png", png(4, 3, 8, 2, [r.tobytes() for r in a]))
a = rnd(2, 5, 4); put("png", "ok-rgba.png", png(5, 2, 8, 6, [r.tobytes() for r in a]))
a = rnd(3, 3, 2); put("png", "ok-grey-alpha.png", png(3, 3, 8, 4, [r.tobytes() for r in a]))
a = rnd(2, 3, 1, np.uint16).astype(">u2"); put("png", "ok-grey16.png", png(3, 2, 16, 0, [r.tobytes() for r in a]))
a = rnd(2, 2, 4, np.uint16).astype(">u2"); put("png", "ok-rgba16.png", png(2, 2, 16, 6, [r.tobytes() for r in a]))
put("png", "ok-grey1.png", png(9, 2, 1, 0, [b"\xa5\x80", b"\x5a\x00"]))
plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9])) + chunk(b"tRNS", b"\x00\x80")
put("png", "ok-palette-trns.png", png(4, 2, 2, 3, [b"\x1b", b"\xe4"], plte))
put("png", "ok-grey-trns.png", png(2, 1, 8, 0, [b"\x10\x20"], chunk(b"tRNS", b"\x00\x10")))
# Adam7: a 3x3 RGB image, passes (x0, y0, dx, dy) in order.
a = rnd(3, 3, 3)
rows = []
for x0, y0, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
    for y in range(y0, 3, dy):
        xs = list(range(x0, 3, dx))
        if xs:
            rows.append(b"".join(a[y, x].tobytes() for x in xs))
put("png", "ok-interlaced.png", png(3, 3, 8, 2, rows, interlace=1))
ok = png(4, 3, 8, 2, [r.tobytes() for r in rnd(3, 4, 3)])
put("png", "bad-empty.png", b"")
put("png", "bad-not-png.png", b"GIF89a" + b"\0" * 20)
put("png", "bad-trunc-sig.png", ok[:5])
put("png", "bad-trunc.png", ok[:len(ok) // 2])
bad = bytearray(ok); bad[-20] ^= 1
put("png", "bad-crc.png", bytes(bad))
put("png", "bad-zero-width.png", png(0, 3, 8, 2, [b""] * 3))
put("png", "bad-huge.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16384, 16384, 8, 6, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))
put("png", "bad-too-large.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0))
    + chunk(b"IEND", b""))
put("png", "bad-depth.png", png(2, 2, 7, 2, [b"\0" * 6] * 2))
put("png", "bad-no-idat.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)) + chunk(b"IEND", b""))

# --- TSV training logs -----------------------------------------------------
H = "# step\tepoch\tloss_D\tloss_G\tD_x\tD_G_z\texamples_per_s\n"
put("tsvlog", "ok-log.tsv", H + "125\t1\t0.693100\t0.701000\t0.510000\t0.490000\t81234.5\n"
    "250\t2\t0.690000\t0.699000\t0.500000\t0.500000\t80000.0\n")
put("tsvlog", "ok-crlf.tsv", H.replace("\n", "\r\n") + "1\t0\t1\t2\t3\t4\t5\r\n")
put("tsvlog", "ok-nan.tsv", "1\t0\tnan\tinf\t-inf\t0.5\t1e3\n2\t0\t1e-3\t-0\t0x1p3\t5\t6")
put("tsvlog", "ok-comments.tsv", "# a\n\n# b\n3\t1\t.5\t.5\t.5\t.5\t100\n#end")
put("tsvlog", "bad-empty.tsv", "")
put("tsvlog", "bad-only-comments.tsv", H + "# nothing\n")
put("tsvlog", "bad-fields.tsv", "1\t0\t0.5\t0.5\t0.5\n")
put("tsvlog", "bad-extra-fields.tsv", "1\t0\t1\t2\t3\t4\t5\t6\t7\n")
put("tsvlog", "bad-number.tsv", "1\t0\tabc\t2\t3\t4\t5\n")
put("tsvlog", "bad-empty-field.tsv", "1\t0\t\t2\t3\t4\t5\n")
put("tsvlog", "bad-step.tsv", "-1\t0\t1\t2\t3\t4\t5\n")
put("tsvlog", "bad-epoch-nan.tsv", "1\tnan\t1\t2\t3\t4\t5\n")
put("tsvlog", "bad-long-line.tsv", "1\t0\t1\t2\t3\t4\t" + "5" * 5000 + "\n")
put("tsvlog", "bad-long-field.tsv", "1\t0\t" + "1" * 100 + "\t2\t3\t4\t5\n")
put("tsvlog", "bad-nul.tsv", "1\t0\t1\x002\t2\t3\t4\t5\n")
PY

# --- model files: the presets and broken variants -----------------------
m=$c/model
for f in "$root"/models/*.model; do
	[ -f "$f" ] && cp "$f" "$m/ok-${f##*/}"
done
g2=$root/models/gaussian2d.model
if [ -f "$g2" ]; then
	sed 's/^linear 2 2 .*/linear 2 3/' "$g2" > "$m/bad-g-output.model"
	sed 's/^linear 5 3 .*/linear 4 3/' "$g2" > "$m/bad-d-chain.model"
	sed 's/^batch = 8/batch = 0/' "$g2" > "$m/bad-batch.model"
	sed 's/^lr_d = 0.05/lr_d = fast/' "$g2" > "$m/bad-lr.model"
	sed 's/^data = 2/data = 2\ndata = 2/' "$g2" > "$m/bad-dup-key.model"
	sed 's/^\[D\]/[X]/' "$g2" > "$m/bad-section.model"
	sed '/^\[G\]/,/^\[D\]/{/^linear/d}' "$g2" > "$m/bad-empty-g.model"
	{ cat "$g2"; printf '# %04000d\n' 0; } > "$m/bad-long-line.model"
fi
printf '' > "$m/bad-empty.model"
printf '[model]\ndata = 1x28x28\nlatent = 100\n[G]\nlinear 100 784\nunflatten 1 28 28\n[D]\nconv2d 1 8 k=4 s=2 p=1\nflatten\nlinear 1568 1\n' > "$m/ok-small-conv.model"
printf '[model]\ndata = 1x4x4\nlatent = 2\n[G]\nlinear 2 16\nunflatten 1 4 4\n[D]\nconv2d 1 1 k=9 s=1 p=0\nflatten\n' > "$m/bad-conv-too-big.model"
printf '[model]\ndata = 2\nlatent = 2\n[G]\nlinear 2 2\n[D]\nlinear 2 1\nwidget 3\n' > "$m/bad-layer.model"
printf '[model]\ndata = 65536x65536x65536\nlatent = 1\n[G]\nlinear 1 1\n[D]\nlinear 1 1\n' > "$m/bad-huge-shape.model"

# --- checkpoints from the tools, when built ------------------------------
bin=$root/build/bin
if [ -x "$bin/gan-init" ]; then
	"$bin/gan-init" --seed 1 -o "$c/safetensors/ok-gaussian2d.st" gaussian2d
	"$bin/gan-init" --seed 1 -o "$c/safetensors/ok-gaussian1d.st" gaussian1d
fi
for h in npy safetensors idx png model tsvlog; do
	printf '%s: %s inputs\n' "$h" "$(ls "$c/$h" | wc -l)"
done
