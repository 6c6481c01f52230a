#!/usr/bin/env bats
# formats.bats - the formats of gantools-formats(5) against NumPy and
# PyTorch: numpy reads what the tools write and the other way round, and
# the Python printed in the man page really works.

load helper

setup() { scratch; }

FORMATS_MAN="$BATS_TEST_DIRNAME/../man/gantools-formats.5"

# snippet NAME: the Python lines between ".\" snippet NAME" and
# ".\" end snippet" in gantools-formats(5), mdoc requests left out.
snippet() {
	awk -v name="$1" '$0 == ".\\\" snippet " name { on = 1; next }
		$0 == ".\\\" end snippet" { on = 0 } on && !/^\./' "$FORMATS_MAN"
}

@test "numpy reads gan-data's records: np.load, version 1.0, 64-byte aligned" {
	gan-data gaussian2d -n 7 --seed 5 -o x.npy
	make_idx img 3 4 5
	gan-data mnist img -o m.npy
	py '
import struct
for p, dt, shape in (("x.npy", np.float32, (7, 2)), ("m.npy", np.uint8, (3, 1, 4, 5))):
    a = np.load(p)
    assert a.dtype == dt and a.shape == shape, (p, a.dtype, a.shape)
    raw = open(p, "rb").read()
    assert raw[:8] == b"\x93NUMPY\x01\x00"
    hl = struct.unpack("<H", raw[8:10])[0]
    assert (10 + hl) % 64 == 0 and raw[9 + hl:10 + hl] == b"\n"
    assert len(raw) == 10 + hl + a.nbytes
m = np.load("m.npy")
want = (np.arange(3)[:, None, None] * 7 + np.arange(20).reshape(4, 5)) % 256
assert np.array_equal(m[:, 0], want)'
}

@test "the tools read numpy-written records, versions 1.0, 2.0 and 3.0" {
	py '
np.save("f.npy", np.arange(6, dtype="<f4").reshape(3, 2) - 1)
np.save("u.npy", np.full((2, 3, 4, 4), 200, np.uint8))
np.save("i.npy", np.array([3, 1, 4], np.int64))
with open("v.npy", "wb") as f:
    np.lib.format.write_array(f, np.ones((2, 2), "<f4"), version=(2, 0))
    np.lib.format.write_array(f, np.ones(3, "<f8"), version=(3, 0))'
	run gan-info f.npy u.npy i.npy v.npy
	[ "$status" -eq 0 ]
	[ "$output" = "f.npy:
record 1: x f32 3x2 min -1 mean 1.5 max 4
  column 0: min -1 mean 1 max 3
  column 1: min 0 mean 2 max 4

u.npy:
record 1: x u8 2x3x4x4 min 200 max 200

i.npy:
record 1: x i64 3 min 1 max 4

v.npy:
record 1: x f32 2x2 min 1 mean 1 max 1
  column 0: min 1 mean 1 max 1
  column 1: min 1 mean 1 max 1
record 2: f64 3 min 1 mean 1 max 1" ]
}

@test "a cat of records is a stream; the man page's five lines read it from a pipe" {
	snippet read-stream > read.py
	[ "$(wc -l < read.py)" -eq 5 ]
	grep -q "sys.stdin.buffer" read.py
	grep -q 'np.lib.format.read_array' read.py
	make_idx img 20 3 3
	make_idx lab 20
	gan-data gaussian2d -n 4 > g.npy
	run bash -c "gan-data mnist img --labels lab | cat - g.npy | $PY read.py"
	[ "$status" -eq 0 ]
	[ "$output" = "uint8 (20, 1, 3, 3)
int64 (20,)
float32 (4, 2)" ]
	run bash -c "gan-data mnist img --labels lab | gan-info"
	[ "$output" = "record 1: x u8 20x1x3x3 min 0 max 141
record 2: y i64 20 min 0 max 9" ]
}

@test "the man page's PyTorch recipe loads a gaussian2d checkpoint's G" {
	"$PY" -c 'import torch' 2>/dev/null || skip "python3-torch not installed"
	gan-init gaussian2d --seed 4 -o ckpt.st
	snippet torch-load > load.py
	grep -q 'load_state_dict' load.py
	want=$(sh "$ROOT/tests/safetensors_py.sh" ckpt.st | awk -F'\t' '$2 == "G.0.weight" { print $5 }')
	cat >> load.py <<'EOF'
assert abs(float(G[0].weight.double().sum()) - float(sys.argv[1])) < 1e-6
assert meta["format"] == "gantools-checkpoint-1" and "[G]" in meta["model"]
print(G(torch.zeros(1, 2)).shape)
EOF
	run "$PY" -c "import sys; exec(open('load.py').read())" "$want"
	[ "$status" -eq 0 ]
	[ "$output" = "torch.Size([1, 2])" ]
}

@test "a dcgan-mnist checkpoint loads into the equivalent nn.Sequential" {
	"$PY" -c 'import torch' 2>/dev/null || skip "python3-torch not installed"
	gan-init dcgan-mnist --seed 1 > ckpt.st
	snippet torch-load | head -n -2 > load.py
	cat >> load.py <<'EOF'
nn = torch.nn
G = nn.Sequential(nn.Linear(100, 128 * 7 * 7), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
                  nn.Unflatten(1, (128, 7, 7)),
                  nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                  nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
                  nn.Flatten(), nn.Linear(6272, 1))
G.load_state_dict({k[2:]: t for k, t in sd.items() if k.startswith("G.")})
D.load_state_dict({k[2:]: t for k, t in sd.items() if k.startswith("D.")})
G.eval()
x = G(sd["noise.fixed"][:2])
print(tuple(x.shape), tuple(D(x).shape))
EOF
	run "$PY" load.py
	[ "$status" -eq 0 ]
	[ "$output" = "(2, 1, 28, 28) (2, 1)" ]
}

@test "man pages of gan-data, gan-info and gantools-formats render cleanly" {
	for m in man/gan-data.1 man/gan-info.1 man/gantools-formats.5; do
		run man -l "$ROOT/$m"
		[ "$status" -eq 0 ]
		run bash -c "man -l '$ROOT/$m' 2>&1 >/dev/null"
		[ -z "$output" ]
		for s in NAME SYNOPSIS DESCRIPTION EXAMPLES "SEE ALSO"; do
			[ "$m" = man/gantools-formats.5 ] && [ "$s" = SYNOPSIS ] && continue
			grep -q "^\.Sh $s\$" "$ROOT/$m"
		done
		if command -v mandoc >/dev/null; then
			run bash -c "mandoc -T lint -W warning '$ROOT/$m'"
			[ -z "$output" ]
		fi
	done
	usage=$(gan-info --help | head -n 1)
	[ "$usage" = "usage: gan-info [--stats] [FILE ...]" ]
}
