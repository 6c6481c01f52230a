#!/usr/bin/env bats
# gan-sample.bats - gan-sample: seeded and fixed noise, interpolation, PNG
# grids, and error messages.

[ -f "$BATS_TEST_DIRNAME/helper.bash" ] && load helper
PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
PY=/usr/bin/python3

enter() {
	cd "$BATS_TEST_TMPDIR"
	gan-init gaussian2d --seed 3 -o ck.st
}

# Prints the shape of a one-record .npy file.
npy_shape() { $PY -c 'import numpy, sys; print(numpy.load(sys.argv[1]).shape)' "$1"; }

@test "gan-sample: --help, --version, usage errors" {
	run gan-sample --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: gan-sample"* ]]
	run gan-sample --version
	[ "$status" -eq 0 ]
	run gan-sample -n 0 ck.st
	[ "$status" -eq 1 ]
	run gan-sample --device cuda ck.st
	# succeeds where a GPU is present (tests/gpu.bats checks it), else says why
	[ "$status" -eq 0 ] || [ "$output" = "gan-sample: CUDA support not built" ] ||
		[ "$output" = "gan-sample: --device cuda: no CUDA device found" ]
	run gan-sample --seed 1 --fixed ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --seed and --fixed exclude each other" ]
}

@test "gan-sample: f32 record of N x data shape; seeds reproduce" {
	enter
	gan-sample ck.st > a.npy
	[ "$(npy_shape a.npy)" = "(64, 2)" ]
	gan-sample -n 10 --seed 4 ck.st -o b.npy
	gan-sample -n 10 --seed 4 < ck.st > c.npy
	cmp b.npy c.npy
	[ "$(npy_shape b.npy)" = "(10, 2)" ]
	gan-sample -n 10 --seed 5 ck.st > d.npy
	! cmp -s b.npy d.npy
}

@test "gan-sample: --fixed uses the checkpoint's noise" {
	enter
	gan-sample --fixed ck.st > f1.npy
	gan-sample --fixed -n 5 ck.st > f2.npy
	[ "$(npy_shape f1.npy)" = "(64, 2)" ]
	[ "$(npy_shape f2.npy)" = "(5, 2)" ]
	run gan-sample --fixed -n 65 ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: -n 65: the checkpoint holds 64 fixed noise vectors" ]
}

@test "gan-sample: --interpolate K is a straight line through G (linear G)" {
	enter
	gan-sample --interpolate 5 ck.st > i.npy
	run $PY -c '
import numpy as np, sys
x = np.load(sys.argv[1]); assert x.shape == (5, 2)
assert np.allclose(x[2], (x[0] + x[4]) / 2, atol=1e-5), x
print("ok")' i.npy
	[ "$output" = "ok" ]
	run gan-sample --interpolate 5 -n 3 ck.st
	[ "$status" -eq 1 ]
}

@test "gan-sample: PNG grid of images; points refused" {
	enter
	gan-init dcgan-mnist -o m.st
	gan-sample m.st --png g.png --grid 5x5   # -n defaults to 25 tiles
	run $PY -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
print(*struct.unpack(">II", b[16:24]))' g.png
	[ "$output" = "152 152" ]
	run gan-sample ck.st --png p.png
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-sample: --png: model gaussian2d makes point data"* ]]
	gan-sample m.st -n 4 --png g4.png -o s.npy
	[ "$(npy_shape s.npy)" = "(4, 1, 28, 28)" ]
}

@test "gan-sample: bad checkpoint" {
	enter
	head -c 100 ck.st > cut.st
	run gan-sample cut.st
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-sample: cut.st: "* ]]
}

@test "gan-sample: --ema samples from G_ema; --bn batch|running; --batch" {
	cd "$BATS_TEST_TMPDIR"
	cat > ema.model <<'M'
[model]
data = 2
latent = 2
loss = bce-logits mean
[train]
batch = 8
ema = 0.5
[G]
linear 2 4
batchnorm1d 4
relu
linear 4 2
[D]
linear 2 4
tanh
linear 4 1
M
	gan-data gaussian2d -n 64 -o d.npy
	gan-init ema.model --seed 2 -o ck0.st
	gan-sample -n 20 ck0.st > g0.npy
	gan-sample -n 20 --ema ck0.st > e0.npy
	cmp g0.npy e0.npy                    # at step 0 the EMA is G
	gan-step ck0.st --data d.npy --steps 10 -o ck.st 2>/dev/null
	gan-info ck.st | grep -q '^G_ema.1.running_var F32 4$'
	gan-info ck.st | grep -q '^G_ema.1.num_batches_tracked I64 scalar$'
	gan-sample -n 20 ck.st > g.npy
	gan-sample -n 20 --ema ck.st > e.npy
	! cmp -s g.npy e.npy
	# Running statistics: each sample on its own, whatever the batch (to the
	# last bits of the products).
	gan-sample -n 20 --batch 7 ck.st > g7.npy
	$PY -c 'import numpy as np; a, b = np.load("g.npy"), np.load("g7.npy")
assert np.allclose(a, b, rtol=1e-5, atol=1e-6), abs(a - b).max()' 
	# Batch statistics: the batch matters.
	gan-sample -n 20 --bn batch ck.st > b.npy
	gan-sample -n 20 --bn batch --batch 10 ck.st > b10.npy
	! cmp -s g.npy b.npy && ! cmp -s b.npy b10.npy
	# 21 samples in batches of at most 10: three of 7, none a lone sample
	gan-sample -n 21 --bn batch --batch 10 ck.st > b21.npy
	run gan-sample --bn mean ck.st
	[ "$output" = "gan-sample: --bn: expected 'running' or 'batch', got 'mean'" ]
	gan-init gaussian2d -o plain.st
	run gan-sample --ema plain.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --ema: plain.st holds no EMA of G (its model sets no 'ema')" ]
}

# bn.model: G = linear, batchnorm1d, tanh on 1x8x8 images; fresh running
# statistics (mean 0, var 1) are far from any batch's.
make_bn_model() {
	cat > bn.model <<'M'
[model]
data = 1x8x8
latent = 4
noise = normal
loss = bce mean
[optimizer]
type = adam
lr_d = 0.0002
lr_g = 0.0002
[train]
batch = 16
epochs = 1
fixed_samples = 16
[G]
linear 4 64
batchnorm1d 64
unflatten 1 8 8
tanh
[D]
flatten
linear 64 1
sigmoid
M
	gan-init bn.model --seed 1 -o bn.st
}

@test "gan-sample: --bn batch normalises each batch with its own statistics" {
	enter
	make_bn_model
	gan-sample bn.st -n 300 --bn batch -o b.npy
	gan-sample bn.st -n 300 --bn running -o r.npy
	gan-sample bn.st -n 300 -o d.npy
	cmp r.npy d.npy
	# batch mode: 300 samples are two batches of 150; in each, every feature
	# before tanh has mean beta = 0 and (biased) std gamma = 1
	run $PY -c '
import numpy as np, sys
b = np.arctanh(np.load(sys.argv[1]).reshape(300, 64).astype(np.float64))
r = np.arctanh(np.load(sys.argv[2]).reshape(300, 64).astype(np.float64))
for h in (b[:150], b[150:]):
    assert abs(h.mean(0)).max() < 1e-4 and abs(h.std(0) - 1).max() < 1e-3, h.std(0)
assert abs(r[:150].mean(0)).max() > 0.1   # running statistics: not normalised
print("ok")' b.npy r.npy
	[ "$output" = "ok" ]
	run gan-sample bn.st -n 1 --bn batch
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --bn batch: the statistics of a batch of 1 sample are degenerate; draw at least 2 (or use --bn running)" ]
	run gan-sample bn.st --bn eval
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --bn: expected 'running' or 'batch', got 'eval'" ]
	# no batch norm: both modes agree
	gan-sample ck.st -n 10 --bn batch > p1.npy
	gan-sample ck.st -n 10 > p2.npy
	cmp p1.npy p2.npy
}

@test "gan-sample: --scale K enlarges the grid; a grid smaller than -n is refused" {
	enter
	make_bn_model
	gan-sample bn.st --png g.png --grid 2x3 --scale 4
	gan-sample bn.st --png g1.png --grid 2x3
	# tiles of 8*4 pixels + 2 of padding; nearest neighbour adds no colour
	run $PY "$BATS_TEST_DIRNAME/pngcheck.py" g.png
	[[ "$output" == "104x70 "* ]]
	colours=${output#* }
	run $PY "$BATS_TEST_DIRNAME/pngcheck.py" g1.png
	[ "$output" = "32x22 $colours" ]
	run gan-sample bn.st -n 25 --png g.png --grid 2x2
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --grid 2x2 holds 4 tiles, fewer than the 25 samples; use a larger grid or -n 4" ]
	run gan-sample bn.st --scale 2
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --scale needs --png FILE" ]
	run gan-sample bn.st --png g.png --scale 33
	[ "$status" -eq 1 ]
}
