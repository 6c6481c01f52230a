#!/usr/bin/env bats
# gan-step.bats - gan-step: training from files and pipes, logs, exact
# resume (cmp), the non-finite stop, and its error messages.

[ -f "$BATS_TEST_DIRNAME/helper.bash" ] && load helper
PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"

# A gaussian2d checkpoint and 200 points drawn from another one's G.
enter() {
	cd "$BATS_TEST_TMPDIR"
	gan-init gaussian2d --seed 1 -o ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 200 > d.npy
}

@test "gan-step: --help, --version, usage errors" {
	run gan-step --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: gan-step"* ]]
	run gan-step --version
	[ "$status" -eq 0 ]
	run gan-step ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --data FILE is required" ]
	run gan-step --data d.npy --steps 0 ck.st
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-step: --steps: expected an integer in 1.."* ]]
	run gan-step --data d.npy --steps 2 --epochs 1 ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --epochs and --steps exclude each other" ]
	run gan-step --data d.npy --device cuda ck.st
	# succeeds where a GPU is present (tests/gpu.bats checks it), else says why
	[ "$status" -eq 0 ] || [ "$output" = "gan-step: CUDA support not built" ] ||
		[ "$output" = "gan-step: --device cuda: no CUDA device found" ]
}

@test "gan-step: a pipe from gan-init to a checkpoint file" {
	enter
	gan-init gaussian2d | gan-step --data d.npy --steps 10 2>log > p.st
	[ -s p.st ]
	[ "$(head -n 1 log)" = "# step	epoch	loss_D	loss_G	D_x	D_G_z	examples_per_s" ]
	run gan-sample p.st -n 2
	[ "$status" -eq 0 ]
}

@test "gan-step: N steps in one run equal k then N-k steps, byte for byte" {
	enter
	gan-step ck.st --data d.npy --steps 40 -o one.st 2>/dev/null
	gan-step ck.st --data d.npy --steps 17 -o half.st 2>/dev/null
	gan-step half.st --data d.npy --steps 23 -o two.st 2>/dev/null
	cmp one.st two.st
	gan-step ck.st --data d.npy --epochs 2 -o e2.st 2>/dev/null
	gan-step ck.st --data d.npy --epochs 1 2>/dev/null | gan-step --data d.npy --epochs 1 > e11.st 2>/dev/null
	cmp e2.st e11.st
	! cmp -s one.st ck.st
}

@test "gan-step: log lines per epoch, every K steps, appended to --log" {
	enter
	gan-step ck.st --data d.npy --epochs 3 --log train.tsv -o a.st
	[ "$(grep -c '^#' train.tsv)" -eq 1 ]
	[ "$(grep -vc '^#' train.tsv)" -eq 3 ]
	[ "$(tail -n 1 train.tsv | cut -f 1,2)" = "75	3" ]
	[ "$(tail -n 1 train.tsv | awk -F '\t' '{print NF}')" -eq 7 ]
	gan-step a.st --data d.npy --steps 10 --log-every 4 --log train.tsv -o b.st
	[ "$(grep -c '^#' train.tsv)" -eq 1 ]
	[ "$(grep -vc '^#' train.tsv)" -eq 7 ]
	[ "$(tail -n 1 train.tsv | cut -f 1,2)" = "85	4" ]
}

@test "gan-step: a huge learning rate stops with status 3 and writes nothing" {
	enter
	cp ck.st old.st
	run gan-step ck.st --data d.npy --steps 50 --lr-d 3e38 -o ck.st
	[ "$status" -eq 3 ]
	[[ "$output" == *"gan-step: step 1: D.0.weight is not finite after the D update (lr_d 3e+38); checkpoint not written" ]]
	cmp ck.st old.st
	[ -z "$(ls -A | grep '^\.ck\.st\.tmp')" ]
}

@test "gan-step: bad checkpoint, wrong data shape, missing data" {
	enter
	printf 'not a checkpoint at all' > bad.st
	run gan-step bad.st --data d.npy
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-step: bad.st: "* ]]
	gan-init dcgan-mnist | gan-sample -n 2 > img.npy
	run gan-step ck.st --data img.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: img.npy: x has shape 1x28x28 per example, model gaussian2d expects 2" ]
	run gan-step ck.st --data nothere.npy
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-step: nothere.npy: "* ]]
	run gan-step --data - < d.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: the checkpoint and --data cannot both come from stdin" ]
}

@test "gan-step: --batch and learning rates persist; mid-epoch batch change refused" {
	enter
	gan-step ck.st --data d.npy --steps 3 --batch 16 --lr-g 0.01 -o a.st 2>/dev/null
	run gan-step a.st --data d.npy --steps 1 --batch 8
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-step: --batch 8: the checkpoint is in the middle of an epoch"* ]]
	gan-step a.st --data d.npy --steps 10 --log l.tsv -o b.st
	[ "$(tail -n 1 l.tsv | cut -f 1,2)" = "13	1" ]
}

@test "gan-step: plans that do not fit in memory are refused before any work" {
	cd "$BATS_TEST_TMPDIR"
	gan-init dcgan-mnist --seed 1 -o m.st
	/usr/bin/python3 -c "import numpy as np; np.save('img.npy', np.zeros((70, 1, 28, 28), 'u1'))"
	GAN_MEM_LIMIT=50000000 run gan-step m.st --data img.npy --batch 64 --steps 1 -o out.st
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-step: the model at batch 64 needs "*" MiB of memory but 47.7 MiB is available" ]]
	[ ! -e out.st ]
	GAN_MEM_LIMIT=10000 run gan-plot grid img.npy -o g.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: img.npy: record 1: the data needs 54 KiB of memory but 10 KiB is available" ]
}

# divergence diagnostics: which tensor or loss went non-finite, and when.

@test "gan-step: the first non-finite tensor is named with its learning rate" {
	enter
	run gan-step ck.st --data d.npy --steps 5 --lr-g 3e38 -o g.st
	[ "$status" -eq 3 ]
	[ "${lines[-1]}" = "gan-step: step 1: G.0.weight is not finite after the G update (lr_g 3e+38); checkpoint not written" ]
	[ ! -e g.st ]
	gan-step ck.st --data d.npy --steps 2 -o two.st 2>/dev/null
	run gan-step two.st --data d.npy --steps 5 --lr-d 3e38 -o d.st
	[ "$status" -eq 3 ]
	[ "${lines[-1]}" = "gan-step: step 3: D.0.weight is not finite after the D update (lr_d 3e+38); checkpoint not written" ]
}

@test "gan-step: an overflowing Adam moment stops the run (not an unreadable checkpoint)" {
	enter
	sed '/^tanh/d' "$BATS_TEST_DIRNAME/../models/gaussian2d.model" > lin.model
	gan-init lin.model --seed 1 -o lin.st
	/usr/bin/python3 -c "import numpy as np; np.save('big.npy', np.full((16, 2), 1e25, '<f4'))"
	run gan-step lin.st --data big.npy --steps 3 -o out.st
	[ "$status" -eq 3 ]
	[ "${lines[-1]}" = "gan-step: step 2: opt.D.0.weight.v is not finite after the D update (lr_d 0.05); checkpoint not written" ]
	[ ! -e out.st ]
	gan-step lin.st --data big.npy --steps 1 -o one.st 2>/dev/null
	gan-info one.st > /dev/null
}

@test "gan-step: NaN detection latency is 0 steps (loss and weights checked every step)" {
	enter
	sed 's/type = adam/type = sgd/; /^beta/d; /^eps/d; /^tanh/d' \
		"$BATS_TEST_DIRNAME/../models/gaussian2d.model" > sgd.model
	gan-init sgd.model --seed 1 -o s.st
	run gan-step s.st --data d.npy --steps 100 --lr-d 2 --lr-g 2 -o out.st
	[ "$status" -eq 3 ]
	[[ "${lines[-1]}" =~ ^gan-step:\ step\ ([0-9]+):\ loss_[DG]\ is\ (nan|inf)\;\ checkpoint\ not\ written$ ]]
	stop=${BASH_REMATCH[1]}
	[ "$stop" -gt 1 ]
	# One step less runs clean, and every tensor of its checkpoint is finite
	# (the reader checks): the first non-finite value is at the stop step.
	gan-step s.st --data d.npy --steps $((stop - 1)) --lr-d 2 --lr-g 2 -o last.st 2>/dev/null
	gan-info last.st > /dev/null
	[ ! -e out.st ]
}

# labels N: a .npy record of N int64 zeros (a y record) on stdout.
labels() {
	local h="{'descr': '<i8', 'fortran_order': False, 'shape': ($1,), }"
	local len=$(( (10 + ${#h} + 1 + 63) / 64 * 64 - 10 ))
	printf '\223NUMPY\001\000'
	printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
	printf '%s' "$h"
	printf '%*s\n' $((len - ${#h} - 1)) ''
	head -c $(($1 * 8)) /dev/zero
}

@test "gan-step: the data stream is x and an optional y; the rest is checked" {
	enter
	labels 200 > y.npy
	cat d.npy y.npy > xy.npy
	gan-step --data xy.npy --steps 2 --log /dev/null -o a.st ck.st
	gan-step --data d.npy --steps 2 --log /dev/null -o b.st ck.st
	cmp a.st b.st
	labels 199 > y199.npy
	cat d.npy y199.npy > bad.npy
	run gan-step --data bad.npy --steps 2 --log /dev/null -o c.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: bad.npy: record 2: expected labels y (integers, shape (200,)), got i64 199" ]
	cat d.npy d.npy > xx.npy
	run gan-step --data xx.npy --steps 2 --log /dev/null -o c.st ck.st
	[ "$output" = "gan-step: xx.npy: record 2: expected labels y (integers, shape (200,)), got f32 200x2" ]
	head -c -5 xy.npy > cut.npy
	run gan-step --data cut.npy --steps 2 --log /dev/null -o c.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: cut.npy: record 2: truncated data (expected 1600 bytes, got 1595)" ]
	{ cat d.npy; echo junk; } > junk.npy
	run gan-step --data junk.npy --steps 2 --log /dev/null -o c.st ck.st
	[ "$output" = "gan-step: junk.npy: record 2: bad magic (not a .npy file)" ]
	cat xy.npy d.npy > xyz.npy
	run gan-step --data xyz.npy --steps 2 --log /dev/null -o c.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: xyz.npy: record 3: unexpected record (a data set is x and an optional y)" ]
	head -c 50 d.npy > x1.npy
	run gan-step --data x1.npy --steps 2 --log /dev/null -o c.st ck.st
	[[ "$output" == "gan-step: x1.npy: record 1: truncated header"* ]]
	[ ! -e c.st ]
}

@test "gan-step: a --log that cannot be written fails after the checkpoint is written" {
	[ -w /dev/full ] || skip "no /dev/full"
	enter
	run gan-step --data d.npy --steps 2 --log /dev/full -o a.st ck.st
	[ "$status" -eq 2 ]
	[ "$output" = "gan-step: checkpoint written; log: /dev/full: No space left on device" ]
	gan-step --data d.npy --steps 2 --log /dev/null -o b.st ck.st
	cmp a.st b.st
}

@test "gan-step: OpenBLAS is loaded only when a layer needs it, and a missing one is one line" {
	cd "$BATS_TEST_TMPDIR"
	gan-init gaussian2d --seed 1 -o g.st
	gan-init gaussian2d --seed 9 | gan-sample -n 128 > g.npy
	# gaussian2d at batch 8: every product runs on gantools' own loops
	GAN_OPENBLAS=/nonexistent/libopenblas.so.0 gan-step g.st --data g.npy --steps 2 \
		--log /dev/null -o g2.st
	[ -s g2.st ]
	# at batch 128 D's weight gradients (k = 128 > 64) need OpenBLAS
	GAN_OPENBLAS=/nonexistent/libopenblas.so.0 run gan-step g.st --data g.npy --steps 1 \
		--batch 128 -o g3.st
	[ "$status" -eq 2 ]
	[[ "$output" == "gan-step: cannot load OpenBLAS: /nonexistent/libopenblas.so.0: cannot open shared object file"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e g3.st ]
	GAN_OPENBLAS=/nonexistent/libopenblas.so.0 run gan-init dcgan-mnist -o m.st
	[ "$status" -eq 2 ]
	[[ "$output" == "gan-init: cannot load OpenBLAS: "* ]]
}
