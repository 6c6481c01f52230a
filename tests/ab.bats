#!/usr/bin/env bats
# ab.bats - bench/ab.sh, the before/after of one change: two gan-step builds
# take turns on a workload and the median ratio of their speeds is printed;
# bad options and missing binaries are refused with one line.
load helper
AB=$ROOT/bench/ab.sh

@test "ab: two builds take turns on gaussian2d and dcgan-mnist; a row per round and the median" {
	run sh "$AB" -r 2 -w gaussian2d "$GAN_BIN" "$GAN_BIN/gan-step"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "ab: gaussian2d, blas, 2 threads, 20 epochs a run, 2 rounds;"* ]]
	[ "${lines[1]}" = "round	old	new	new/old" ]
	[[ "${lines[2]}" =~ ^1$'\t'[0-9.]+$'\t'[0-9.]+$'\t'[0-9.]+$ ]]
	[[ "${lines[4]}" =~ ^"median new/old "[0-9.]+" (range "[0-9.]+-[0-9.]+" over 2 rounds)"$ ]]
	run sh "$AB" -r 1 -n 3 -t 1 -w dcgan-mnist "$GAN_BIN" "$GAN_BIN"
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" == "median new/old "*" over 1 rounds)" ]]
}

@test "ab: -m cpu compares whole runs' CPU seconds, the ratio still the speed (old / new)" {
	run sh "$AB" -r 2 -n 3 -m cpu -w dcgan-mnist "$GAN_BIN" "$GAN_BIN"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "ab: dcgan-mnist, blas, 2 threads, 3 steps a run, 2 rounds, CPU seconds;"* ]]
	# CPU seconds of a whole run, and old / new from them
	echo "${lines[2]}" | awk -F '\t' '$2 > 0 && $3 > 0 && $2 < 600 {
		r = $2 / $3; d = r - $4; exit !(d < 1e-4 && d > -1e-4) }'
	[[ "${lines[4]}" =~ ^"median new/old "[0-9.]+" (range "[0-9.]+-[0-9.]+" over 2 rounds)"$ ]]
}

@test "ab: refusals, one line each" {
	run sh "$AB" "$GAN_BIN"
	[ "$status" -eq 2 ] && [[ "$output" == "usage: sh bench/ab.sh "* ]] && [ "${#lines[@]}" -eq 1 ]
	run sh "$AB" -w mnist "$GAN_BIN" "$GAN_BIN"
	[ "$status" -eq 1 ] && [ "$output" = "ab.sh: unknown workload 'mnist' (gaussian2d, dcgan-mnist or dcgan64)" ]
	run sh "$AB" -r 0 "$GAN_BIN" "$GAN_BIN"
	[ "$status" -eq 1 ] && [ "$output" = "ab.sh: -r must be a positive integer, not '0'" ]
	run sh "$AB" -k fast "$GAN_BIN" "$GAN_BIN"
	[ "$status" -eq 1 ] && [ "$output" = "ab.sh: unknown kernels 'fast' (blas, onednn or bf16)" ]
	run sh "$AB" -m wall "$GAN_BIN" "$GAN_BIN"
	[ "$status" -eq 1 ] && [ "$output" = "ab.sh: unknown measure 'wall' (rate or cpu)" ]
	run sh "$AB" "$BATS_TEST_TMPDIR/none" "$GAN_BIN"
	[ "$status" -eq 1 ] && [ "$output" = "ab.sh: $BATS_TEST_TMPDIR/none is not an executable gan-step" ]
}
