#!/usr/bin/env bats
# crash.bats - crash safety of checkpoint writes: gan-step -o killed with
# SIGKILL at random moments (tests/crash-safety.sh), and every write, fsync,
# close and rename of one run made to fail through an LD_PRELOAD shim.

[ -f "$BATS_TEST_DIRNAME/helper.bash" ] && load helper
GAN_BIN=${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}
PATH="$GAN_BIN:$PATH"
SHIM=$GAN_BIN/../shim/failwrite.so

# old.st, 200 points d.npy, and new.st = old.st after 5 steps.
enter() {
	cd "$BATS_TEST_TMPDIR"
	gan-init gaussian2d --seed 1 -o old.st
	gan-init gaussian2d --seed 9 | gan-sample -n 200 > d.npy
	gan-step --data d.npy --steps 5 --log /dev/null -o new.st old.st
}

# failing OP AT ERRNO: one gan-step run rewriting ck.st (a copy of old.st)
# with the AT-th OP failing; its stderr goes to err.
failing() {
	cp old.st ck.st
	# verify_asan_link_order: the shim comes before libasan in a SAN build.
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 LD_PRELOAD=$SHIM \
		FAIL_OP=$1 FAIL_AT=$2 FAIL_ERRNO=$3 FAIL_COUNT=count \
		gan-step --data d.npy --steps 5 --log /dev/null -o ck.st ck.st 2> err
}

# every_point OP: each injection point of OP fails the run cleanly: exit 2,
# one line "gan-step: ...: <strerror>", no temporary file, and ck.st still
# the old checkpoint; only a failed fsync of the folder, after the rename,
# leaves the new one (complete) in place.
every_point() {
	[ -f "$SHIM" ] || skip "shim not built ($SHIM)"
	enter
	failing "$1" 0 ENOSPC
	local n i errno want after=0
	n=$(cat count)
	echo "$1: $n injection points"
	[ "$n" -ge 1 ]
	cmp ck.st new.st
	for i in $(seq 1 "$n"); do
		errno=ENOSPC want="No space left on device"
		[ $((i % 2)) -eq 0 ] && errno=EIO want="Input/output error"
		run failing "$1" "$i" "$errno"
		echo "$1 #$i ($errno): status $status: $(cat err)"
		[ "$status" -eq 2 ]
		[ "$(wc -l < err)" -eq 1 ]
		grep -q "^gan-step: .*: $want\$" err
		[ -z "$(ls -A | grep '\.tmp\.')" ]
		gan-info ck.st > /dev/null
		if ! cmp -s ck.st old.st; then
			[ "$1" = fsync ] && [ "$i" -eq "$n" ] && cmp ck.st new.st
			after=$((after + 1))
		fi
	done
	echo "$1: $n points, $after left the new checkpoint (after the rename)"
}

@test "crash safety: gan-step -o killed at random moments never tears ck.st" {
	run sh "$BATS_TEST_DIRNAME/crash-safety.sh" "$GAN_BIN" "${CRASH_TRIALS:-200}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[${#lines[@]}-1]}" == *", 0 torn;"* ]]
	[[ "${lines[${#lines[@]}-1]}" == *", 0 left after a last write" ]]
}

@test "signals: SIGTERM, SIGINT, SIGHUP at random moments leave no temp file, never tear" {
	local s
	for s in TERM INT HUP; do
		run sh "$BATS_TEST_DIRNAME/crash-safety.sh" "$GAN_BIN" "${SIGNAL_TRIALS:-60}" 7 $s
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "${lines[${#lines[@]}-1]}" == *", 0 torn; 0 temp files left by a signal, 0 bad exits, 0 left after a last write" ]]
	done
}

@test "write failures: every failing write keeps the old checkpoint" {
	every_point write
}

@test "write failures: every failing fsync keeps the old checkpoint" {
	every_point fsync
}

@test "write failures: every failing close keeps the old checkpoint" {
	every_point close
}

@test "write failures: every failing rename keeps the old checkpoint" {
	every_point rename
}
