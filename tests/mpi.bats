#!/usr/bin/env bats
# mpi.bats - the communication layer (libcommon/engine/comm.h) under Open
# MPI's mpirun on this machine: 2 and 3 processes of 1 thread each over
# loopback. Skipped, with the reason, where mpirun or the MPI library
# (libgantools-mpi.so, built where mpicc is found) is missing.

load helper

TESTS_DIR=$GAN_BIN/../tests
MPI_LIB=$GAN_BIN/../lib/libgantools-mpi.so

# mpirun_k K CMD...: CMD on K local processes, 1 thread each, as root too
# (CI runs as root). Under the sanitizer build leak checks are off for these
# runs only: Open MPI keeps its own allocations until exit (the serial runs
# of the same code check leaks).
mpirun_k() {
	local k=$1
	shift
	local root=()
	[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
	OMP_NUM_THREADS=1 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		mpirun "${root[@]}" --oversubscribe -np "$k" -x OMP_NUM_THREADS -x ASAN_OPTIONS \
		-x UBSAN_OPTIONS "$@"
}

need_mpi() {
	command -v mpirun >/dev/null || skip "mpirun not found (Debian: openmpi-bin)"
	[ -f "$MPI_LIB" ] || skip "MPI support not built (mpicc not found: libopenmpi-dev)"
}

@test "comm: every collective on 2 processes" {
	need_mpi
	run mpirun_k 2 "$TESTS_DIR/test_comm"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^test_comm: [0-9]* passed, 0 failed$' <<<"$output")" -eq 2 ]
}

@test "comm: every collective on 3 processes" {
	need_mpi
	run mpirun_k 3 "$TESTS_DIR/test_comm"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^test_comm: [0-9]* passed, 0 failed$' <<<"$output")" -eq 3 ]
}

@test "comm: launched by mpirun without the MPI library: one line, status 2" {
	need_mpi
	run mpirun_k 2 -x GAN_MPI_LIB=/nonexistent "$TESTS_DIR/test_comm"
	[ "$status" -ne 0 ]
	[[ "$output" == *"launched by mpirun, but MPI support is not built"* ]]
}
