#!/usr/bin/env bats
# pipelines.bats - each experiment script end to end on tiny inputs: the
# folder it leaves holds valid PNGs of the expected sizes.

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
export PATH
SCRIPTS="$BATS_TEST_DIRNAME/../scripts"
PNGCHECK="/usr/bin/python3 $BATS_TEST_DIRNAME/pngcheck.py"

setup() { cd "$BATS_TEST_TMPDIR"; }

size() { $PNGCHECK "$1" | sed -n '1s/ .*//p'; }

@test "gaussian2d.sh: data, checkpoint, log, fit and both pictures" {
	run sh "$SCRIPTS/gaussian2d.sh" -e 2 -o g2
	[ "$status" -eq 0 ]
	for f in data.npy ckpt.st log.tsv fake.npy fit.txt; do [ -s "g2/$f" ]; done
	[ "$(grep -vc '^#' g2/log.tsv)" -eq 2 ]
	[ "$(size g2/loss.png)" = "800x500" ]
	[ "$(size g2/scatter.png)" = "700x650" ]
	grep -q '^mean_max_abs_err' g2/fit.txt
}

@test "gaussian1d.sh: both variants with densities and D's boundary" {
	run sh "$SCRIPTS/gaussian1d.sh" -n 240 -o g1
	[ "$status" -eq 0 ]
	for v in plain mbd; do
		[ "$(size g1/$v/density.png)" = "800x500" ]
		[ "$(size g1/$v/loss.png)" = "800x500" ]
	done
}

@test "mnist.sh: an IDX file, a 5x5 grid per epoch and the loss curve" {
	/usr/bin/python3 -c "
import numpy as np, struct
x = (np.random.default_rng(0).random((70, 28, 28)) * 255).astype('u1')
open('imgs-idx3-ubyte', 'wb').write(struct.pack('>IIII', 0x803, 70, 28, 28) + x.tobytes())"
	MNIST=imgs-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 2 -n 70 -o m
	[ "$status" -eq 0 ]
	[ "$(size m/epoch-001.png)" = "152x152" ]
	[ "$(size m/epoch-002.png)" = "152x152" ]
	[ "$(size m/loss.png)" = "800x500" ]
	[ "$(grep -vc '^#' m/log.tsv)" -eq 2 ]
	# a second run resumes the checkpoint and numbers its grids on
	MNIST=imgs-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 1 -n 70 -o m
	[ "$status" -eq 0 ]
	[ "$(size m/epoch-003.png)" = "152x152" ]
	[ "$(grep -vc '^#' m/log.tsv)" -eq 3 ]
}

@test "pokemon.sh: a folder of PNG sprites at 64x64 and a 4x8 grid" {
	mkdir -p sprites/regular sprites/shiny
	gan-init dcgan-mnist --seed 1 | gan-sample -n 4 > s.npy
	for i in 1 2 3 4; do
		gan-plot grid s.npy --grid 1x1 -o sprites/regular/$i.png
		gan-plot grid s.npy --grid 2x2 -o sprites/shiny/$i.png
	done
	POKEMON=sprites run sh "$SCRIPTS/pokemon.sh" -e 1 -o p
	[ "$status" -eq 0 ]
	run gan-info p/data.npy
	[[ "$output" == *"u8 8x3x64x64"* ]]
	[ "$(size p/epoch-001.png)" = "530x266" ]
	[ "$(size p/loss.png)" = "800x500" ]
}
