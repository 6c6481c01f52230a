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
	# 5x5 tiles of 28x28 at scale 3: 5 * (84 + 2) + 2
	[ "$(size m/epoch-001.png)" = "432x432" ]
	[ "$(size m/epoch-002.png)" = "432x432" ]
	[ "$(size m/real.png)" = "432x432" ]
	[ "$(size m/loss.png)" = "800x500" ]
	[ "$(grep -vc '^#' m/log.tsv)" -eq 2 ]
	# a snapshot per epoch, the last equal to the checkpoint
	cmp m/ckpt-epoch-002.st m/ckpt.st
	[ -f m/ckpt-epoch-001.st ]
	# grids drawn with batch statistics (G in train mode), not the running ones
	gan-sample m/ckpt-epoch-001.st --fixed --bn batch --grid 5x5 --scale 3 --png b.png
	gan-sample m/ckpt-epoch-001.st --fixed --grid 5x5 --scale 3 --png r.png
	cmp b.png m/epoch-001.png
	! cmp -s r.png m/epoch-001.png
	cp m/data.npy data-before.npy
	# a second run resumes the checkpoint on its own data and numbers on
	MNIST=imgs-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 1 -o m
	[ "$status" -eq 0 ]
	[ "$(size m/epoch-003.png)" = "432x432" ]
	[ -f m/ckpt-epoch-003.st ]
	[ "$(grep -vc '^#' m/log.tsv)" -eq 3 ]
	cmp data-before.npy m/data.npy
	# another -n or -s is refused before anything is written
	MNIST=imgs-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 1 -n 60 -o m
	[ "$status" -eq 1 ]
	[ "$output" = "mnist.sh: m: the run was started with -n 70 and resumes on that data; leave out -n or start another -o DIR" ]
	MNIST=imgs-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 1 -s 2 -o m
	[ "$status" -eq 1 ]
	[ "$output" = "mnist.sh: m: the run was started with -s 1 and resumes with it; leave out -s or start another -o DIR" ]
	[ ! -f m/epoch-004.png ]
	cmp data-before.npy m/data.npy
	# -k KEEP bounds the snapshots
	MNIST=imgs-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 1 -k 2 -o m
	[ "$(ls m | grep -c '^ckpt-epoch')" -eq 2 ]
}

@test "scripts: -h and --help print usage; every argument is checked before any file" {
	for s in gaussian2d gaussian1d mnist pokemon; do
		run sh "$SCRIPTS/$s.sh" -h
		[ "$status" -eq 0 ]
		[[ "$output" == "usage: $s.sh [-e EPOCHS] [-s SEED] [-o DIR]"* ]]
		run sh "$SCRIPTS/$s.sh" --help
		[ "$status" -eq 0 ]
		[[ "$output" == *"  -e EPOCHS "* ]]
	done
	run sh "$SCRIPTS/mnist.sh" --help
	[[ "$output" == *"-k KEEP"*"it resumes"* ]]
	check() { # EXPECTED-MESSAGE ARGS...
		local want=$1
		shift
		run sh "$SCRIPTS/mnist.sh" -o fresh "$@"
		[ "$status" -eq 1 ]
		[ "${lines[0]}" = "$want" ]
		[ ! -e fresh ]
	}
	check "mnist.sh: -e: expected an integer, got 'abc'" -e abc
	check "mnist.sh: -e: expected an integer >= 1, got '0'" -e 0
	check "mnist.sh: -s: expected an integer, got '-3'" -s -3
	check "mnist.sh: -d: expected cpu or cuda, got 'gpu'" -d gpu
	check "mnist.sh: -t: expected an integer >= 1, got '0'" -t 0
	check "mnist.sh: -n: '12345678901' is too large" -n 12345678901
	check "mnist.sh: -k: expected an integer, got 'all'" -k all
	check "mnist.sh: unexpected argument 'extra'" extra
	run sh "$SCRIPTS/gaussian2d.sh" -k 2 -o fresh
	[ "$status" -eq 1 ]
	[ "$output" = "gaussian2d.sh: -k: gaussian2d.sh keeps no per-epoch snapshots" ]
}

@test "examples/Makefile: a changed setting reruns the run; the table holds the runs asked for" {
	ex() { make -s -C "$BATS_TEST_DIRNAME/../examples" BIN="$GAN_BIN" OUT="$PWD/grid" SEEDS=1 "$@"; }
	GAN_BIN=${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}
	ex LRS="0.05 0.2" EPOCHS=2 > /dev/null 2>&1
	[ "$(grep -vc '^#' grid/lr0.05-s1/log.tsv)" -eq 2 ]
	# nothing changed: nothing runs
	cp grid/lr0.05-s1/ckpt.st before.st
	run ex LRS="0.05 0.2" EPOCHS=2
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# EPOCHS changed: every run is trained again
	ex LRS="0.05 0.2" EPOCHS=3 > /dev/null 2>&1
	[ "$(grep -vc '^#' grid/lr0.05-s1/log.tsv)" -eq 3 ]
	[ "$(grep -vc '^#' grid/lr0.2-s1/log.tsv)" -eq 3 ]
	! cmp -s before.st grid/lr0.05-s1/ckpt.st
	# a smaller grid: the table and the picture hold exactly its runs
	ex LRS="0.2" EPOCHS=3 > /dev/null 2>&1
	[ "$(cut -f1 grid/summary.tsv | tr '\n' ' ')" = "run lr0.2-s1 " ]
	[ grid/losses.png -nt grid/lr0.05-s1/ckpt.st ]
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
