# helper.bash - shared by the bats tests (`load helper`): puts the built tools
# on PATH, gives each test its own scratch folder, and makes small inputs
# (PNG, IDX, .npy, safetensors) with /usr/bin/python3 and printf only.
# Defines no setup(), so a test file keeps its own.

GAN_BIN=${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}
PATH="$GAN_BIN:$PATH"
# GAN_TEST_PY: another Python 3 with numpy (a machine whose /usr/bin/python3 has none).
PY=${GAN_TEST_PY:-/usr/bin/python3}
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# scratch: enter this test's own empty folder.
scratch() { cd "$BATS_TEST_TMPDIR" || return 1; }

# py CODE [ARG...]: runs Python code with numpy imported as np.
py() {
	local code=$1
	shift
	"$PY" -c "import sys, numpy as np
$code" "$@"
}

# make_png FILE W H [MODE [SEED]]: a PNG of W x H pixels with seeded random
# values; MODE is RGBA (default), RGB, L (grey) or LA. Every fourth RGBA/LA
# pixel is fully transparent, so compositing on white shows.
make_png() {
	"$PY" - "$@" <<'PY'
import struct, sys, zlib
import numpy as np
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "RGBA"
seed = int(sys.argv[5]) if len(sys.argv) > 5 else 0
ch, ctype = {"L": (1, 0), "LA": (2, 4), "RGB": (3, 2), "RGBA": (4, 6)}[mode]
a = np.random.default_rng(seed).integers(0, 256, size=(h, w, ch), dtype=np.uint8)
if mode in ("RGBA", "LA"):
    a.reshape(-1, ch)[::4, -1] = 0
    a.reshape(-1, ch)[1::4, -1] = 255
np.save(path + ".src.npy", a)
raw = b"".join(b"\0" + a[y].tobytes() for y in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(path, "wb").write(png)
PY
}

# make_idx FILE N [H W]: u8 IDX images N x H x W (labels N when H is absent),
# value of image i everywhere = (i * 7 + pixel) % 256; labels i % 10.
make_idx() {
	"$PY" - "$@" <<'PY'
import struct, sys
import numpy as np
path, n = sys.argv[1], int(sys.argv[2])
if len(sys.argv) > 3:
    h, w = int(sys.argv[3]), int(sys.argv[4])
    a = (np.arange(n)[:, None, None] * 7 + np.arange(h * w).reshape(h, w)) % 256
    a = a.astype(np.uint8)
else:
    a = (np.arange(n) % 10).astype(np.uint8)
hdr = b"\0\0\x08" + bytes([a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape)
open(path, "wb").write(hdr + a.tobytes())
PY
}

# npy_header DESCR FORTRAN SHAPE: a version 1.0 .npy preamble + header
# for hand-made records, e.g. npy_header "'<f4'" False "(2,)".
npy_header() {
	"$PY" - "$@" <<'PY'
import struct, sys
d = "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % tuple(sys.argv[1:4])
d += " " * (63 - (10 + len(d)) % 64) + "\n"
sys.stdout.buffer.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(d)) + d.encode())
PY
}

# make_st FILE HEADER-JSON [DATA-BYTES]: a safetensors file with exactly
# this header text and this many zero data bytes (default: none).
make_st() {
	"$PY" - "$@" <<'PY'
import struct, sys
h = sys.argv[2].encode()
n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + b"\0" * n)
PY
}

# records FILE: "dtype shape" per record of a .npy stream, read by numpy.
records() {
	py '
import types
b = open(sys.argv[1], "rb") if sys.argv[1] != "-" else sys.stdin.buffer
f = types.SimpleNamespace(read=b.read)   # chunked reads: pipes work too
while b.peek(1):
    a = np.lib.format.read_array(f)
    print(a.dtype, "x".join(map(str, a.shape)))' "$1"
}

# well_conditioned PRESET: m.model, the preset made well-conditioned for
# comparing two implementations (tests/mpi.bats explains): Adam eps 1e-3 for
# 1e-8, tanh for ReLU and LeakyReLU. The presets' eps turns a gradient that
# nearly cancels (or the zero gradient of a bias before batch norm) into
# steps of up to lr, and a pre-activation that another summation order moves
# across 0 changes that element's gradient by all of it; both make two
# correct implementations part after a step (measured: dcgan64's Adam
# moments 0.5 apart between OpenBLAS and oneDNN after 3 steps).
well_conditioned() {
	sed -e 's/^eps *=.*/eps = 1e-3/' -e 's/^relu *$/tanh/' -e 's/^leakyrelu .*/tanh/' \
		"$ROOT/models/$1.model" > m.model
}

# spread_bound REF MIN CMD...: the bound for comparing checkpoint REF with
# another implementation's: SPREAD_FACTOR (10) times the largest tests/ckdiff.py figure
# between REF and CMD's own run (CMD -o FILE, REF's computation) under
# OpenBLAS's Nehalem (SSE, any x86-64) and, where the CPU has AVX,
# Sandybridge kernels, i.e. the same computation summed in other orders;
# at least MIN.
spread_bound() {
	local ref=$1 bound=$2 refs="" k w
	shift 2
	if [ "$(uname -m)" = x86_64 ]; then
		refs=Nehalem
		grep -qw avx /proc/cpuinfo && refs="$refs Sandybridge"
	fi
	for k in $refs; do
		OPENBLAS_CORETYPE=$k "$@" -o "ref-$k.st" 2>/dev/null || return 1
		w=$("$PY" "$ROOT/tests/ckdiff.py" "$ref" "ref-$k.st" worst) || return 1
		bound=$(awk -v b="$bound" -v w="$w" -v f="${SPREAD_FACTOR:-10}" \
			'BEGIN { print (f * w > b ? f * w : b) }')
	done
	echo "$bound"
}

# same_losses A.log B.log TOL: two --log-every 1 logs of the same steps:
# the same step and epoch columns, losses and D's means within TOL relative.
same_losses() {
	py 'a = np.loadtxt(sys.argv[1]); b = np.loadtxt(sys.argv[2])
assert a.shape == b.shape and a.ndim == 2 and a.shape[1] == 7, (a.shape, b.shape)
assert (a[:, :2] == b[:, :2]).all()
d = np.abs(a[:, 2:6] - b[:, 2:6]) / np.maximum(np.abs(a[:, 2:6]), 1e-30)
print("losses within %.3g" % d.max())
assert d.max() <= float(sys.argv[3]), d.max()' "$@"
}
