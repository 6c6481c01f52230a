#!/usr/bin/env bats
# ui.bats - what a user meets besides the pictures: gan-info's numbers,
# columns and labels, gan-step's progress line on a terminal, the quiet
# build, make demo's build and make uninstall.

load helper

@test "gan-info: learning rates shortest, d_pretrained only where D pre-trains" {
	scratch
	gan-init gaussian2d -o g2.st
	gan-init gaussian1d -o g1.st
	run gan-info g2.st
	[[ "$output" == *"  lr_d=0.05
  lr_g=0.005
"* ]]
	[[ "$output" != *"d_pretrained"* ]]
	run gan-info g1.st
	[[ "$output" == *"  d_pretrained=0
"* ]]
	[[ "$output" == *"  lr_d=0.03
"* ]]
	# the shortest text reads back as the same double: training is unchanged
	gan-data gaussian2d -n 100 -o d.npy
	gan-step g2.st --data d.npy --epochs 1 --lr-d 0.1 --log l.tsv -o a.st
	run gan-info a.st
	[[ "$output" == *"  lr_d=0.1
"* ]]
	gan-step a.st --data d.npy --epochs 1 --log l.tsv -o b.st
	gan-step g2.st --data d.npy --epochs 1 --lr-d 0.1 --log l.tsv -o c.st
	gan-step c.st --data d.npy --epochs 1 --log l.tsv -o d.st
	cmp b.st d.st
	# a checkpoint of a model that pre-trains needs the key
	py 'import json, struct
b = open("g1.st", "rb").read(); n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n]); del h["__metadata__"]["d_pretrained"]
t = json.dumps(h, separators=(",", ":")).encode(); t += b" " * (n - len(t))
open("nopre.st", "wb").write(b[:8] + t + b[8 + n:])'
	run gan-sample nopre.st -n 1
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: nopre.st: metadata 'd_pretrained' missing" ]
}

@test "gan-info: per-column statistics for N x D points; y only for labels" {
	scratch
	py 'x = np.array([[1, 10], [3, 30], [5, 50]], np.float32)
np.save("p.npy", x); np.save("pf.npy", np.asfortranarray(x))
np.save("lab.npy", np.array([0, 1, 2], np.int64)); np.save("other.npy", x)'
	run gan-info p.npy
	[ "$output" = "record 1: x f32 3x2 min 1 mean 16.5 max 50
  column 0: min 1 mean 3 max 5
  column 1: min 10 mean 30 max 50" ]
	run gan-info pf.npy
	[ "$output" = "record 1: x f32 3x2 (Fortran order) min 1 mean 16.5 max 50
  column 0: min 1 mean 3 max 5
  column 1: min 10 mean 30 max 50" ]
	run gan-info --stats p.npy
	[ "${lines[1]}" = "  column 0: min 1 mean 3 max 5 std 1.63299" ]
	cat p.npy lab.npy > xy.npy
	cat p.npy other.npy > xx.npy
	run gan-info xy.npy
	[ "${lines[3]}" = "record 2: y i64 3 min 0 max 2" ]
	run gan-info xx.npy
	[ "${lines[3]}" = "record 2: f32 3x2 min 1 mean 16.5 max 50" ]
}

@test "gan-step: progress on a terminal shows rate, ETA and running losses" {
	scratch
	gan-init gaussian2d -o g.st
	gan-data gaussian2d -n 200 -o d.npy
	script -qec "gan-step g.st --data d.npy --epochs 2 --log l.tsv -o t.st" ts.txt > /dev/null
	last=$(tr '\r' '\n' < ts.txt | grep 'gan-step: step' | tail -1)
	[[ "$last" =~ gan-step:\ step\ 50/50\ \(100%\)\ [0-9.]+\ steps/s\ in\ [0-9]+:[0-9][0-9]\ \ loss_D\ [0-9.]+\ loss_G\ [0-9.]+\ D\(x\)\ 0\.[0-9][0-9]\ D\(G\(z\)\)\ 0\.[0-9][0-9] ]]
	tr '\r' '\n' < ts.txt | grep -q 'steps/s ETA [0-9]*:[0-9][0-9]  loss_D'
	# not on a pipe, and the checkpoint is the same either way
	gan-step g.st --data d.npy --epochs 2 --log l.tsv -o p.st 2> err
	[ ! -s err ]
	cmp t.st p.st
}

@test "make: a quiet build line per step, V=1 for the commands; a second make does nothing" {
	b="$BATS_TEST_TMPDIR/b"
	run make --no-print-directory -C "$ROOT" B="$b" "$b/obj/libcommon/base/err.o"
	[ "$status" -eq 0 ]
	[ "$output" = "  CC   libcommon/base/err.c" ]
	rm "$b/obj/libcommon/base/err.o"
	run make --no-print-directory -C "$ROOT" B="$b" V=1 "$b/obj/libcommon/base/err.o"
	[[ "$output" == "cc "*"-c libcommon/base/err.c -o $b/obj/libcommon/base/err.o" ]]
	# intermediate objects are kept: the unit tests are not relinked
	run make -q -C "$ROOT" B="$b" "$b/obj/libcommon/base/err.o"
	[ "$status" -eq 0 ]
	grep -q '^\.SECONDARY:' "$ROOT/Makefile"
	# make demo builds the tools only
	run make -n -C "$ROOT" B="$b" demo
	[[ "$output" != *"/tests/"* ]] && [[ "$output" != *"libgantools-gpu"* ]]
}

@test "make uninstall: removes what install wrote and the folders left empty" {
	p="$BATS_TEST_TMPDIR/prefix"
	mkdir -p "$p/share/man/man1"
	touch "$p/share/man/man1/other.1"
	make -s -C "$ROOT" HAVE_GPU= PREFIX="$p" B="$(cd "${GAN_BIN:-$ROOT/build/bin}/.." && pwd)" install > /dev/null
	[ -x "$p/bin/gan-step" ] && [ -f "$p/share/man/man5/gantools-model.5" ]
	make -s -C "$ROOT" HAVE_GPU= PREFIX="$p" B="$(cd "${GAN_BIN:-$ROOT/build/bin}/.." && pwd)" uninstall > /dev/null
	# only the folder that holds someone else's file is left, and the prefix
	[ "$(cd "$p" && find . | sort | tr '\n' ' ')" = ". ./share ./share/man ./share/man/man1 ./share/man/man1/other.1 " ]
}
