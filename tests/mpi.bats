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
	local opts=(--oversubscribe -np "$k" -x OMP_NUM_THREADS -x ASAN_OPTIONS)
	[ "$(id -u)" -eq 0 ] && opts+=(--allow-run-as-root)
	[ -n "${UBSAN_OPTIONS:-}" ] && opts+=(-x UBSAN_OPTIONS)
	[ -n "${LSAN_OPTIONS:-}" ] && opts+=(-x LSAN_OPTIONS)
	OMP_NUM_THREADS=1 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		mpirun "${opts[@]}" "$@"
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

# ---- gan-step across processes ----

CKDIFF="$PY $BATS_TEST_DIRNAME/ckdiff.py"

# preset_data PRESET: d.npy fitting the preset (u8 images drawn by NumPy).
preset_data() {
	case $1 in
	gaussian2d) gan-data gaussian2d -n 256 --seed 3 -o d.npy ;;
	gaussian1d*) gan-data gaussian1d -n 256 --seed 3 -o d.npy ;;
	dcgan-mnist) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (96, 1, 28, 28), dtype=np.uint8))' ;;
	dcgan64) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (40, 3, 64, 64), dtype=np.uint8))' ;;
	esac
}

# equivalent PRESET BATCH: 3 steps at global batch BATCH, one process
# against 2 with --sync-bn: the same schedule and RNG state, the same losses
# in the log (1e-5), and every parameter, BN statistic and Adam moment
# within the bound below on its group's scale (ckdiff.py). The two runs sum
# in different orders, so they agree as closely as float sums in another
# order do, and no closer; three things decide how close that is:
# - Adam's eps is raised from the presets' 1e-8 to 1e-3. Adam divides by
#   |g| + eps, so a gradient entry that nearly cancels (or a bias before
#   batch norm, whose exact gradient is 0) turns rounding noise into steps
#   of up to lr.
# - ReLU and LeakyReLU become tanh (the DCGANs; the Gaussians use tanh
#   already). Their derivative jumps at 0: a pre-activation that another
#   order moves across 0 changes that element's gradient by all of it, and
#   batch norm spreads it over the channel. Measured on dcgan64, batch 4,
#   one step: one process under OpenBLAS's SkylakeX against Sandybridge
#   kernels differ by 6e-3 in G's gradients (Intel Xeon, AVX-512), or not at
#   all, by chance. Data parallelism does not care which activation runs; a
#   smooth one makes the comparison continuous. (Softplus is smooth too, but
#   at the presets' lr it saturates D within a step: losses of 0 and 14.)
# - What is left is rounding times the conditioning of the first steps,
#   which differs by preset: dcgan64 at batch 4 sums 4096 products per
#   output into batch-norm means that nearly cancel. So the bound is 10
#   times the spread between one process under this CPU's default kernels
#   and under OpenBLAS's Nehalem (SSE, any x86-64) and Sandybridge (AVX)
#   kernels, the same computation in other orders, and at least 1e-5.
#   Measured there (3 steps): dcgan64 spread 1.2e-5, 2 processes 3.8e-6
#   from one; dcgan-mnist 8e-7 and 4.5e-7. A real fault (a gradient not
#   reduced, local batch statistics, a count off by one) shows at 1e-2 or
#   more.
equivalent() {
	need_mpi
	scratch
	local kern=(--kernels "${3:-blas}")
	well_conditioned "$1"
	gan-init m.model --seed 1 -o i.st
	preset_data "$1"
	# The logs go to files: mpirun's own stderr may carry warnings (hwloc
	# without /sys, as in a bare container).
	OMP_NUM_THREADS=1 gan-step --steps 3 --log-every 1 --batch "$2" --data d.npy --log one.log \
		"${kern[@]}" -o one.st i.st
	mpirun_k 2 gan-step --steps 3 --log-every 1 --batch "$2" --sync-bn --overlap on --data d.npy \
		--log two.log "${kern[@]}" -o two.st i.st
	local bound
	bound=$(spread_bound one.st 1e-5 env OMP_NUM_THREADS=1 gan-step --steps 3 --batch "$2" \
		--data d.npy "${kern[@]}" i.st)
	run $CKDIFF one.st two.st "$bound"
	echo "$output"
	[ "$status" -eq 0 ]
	same_losses one.log two.log 1e-5
	[ "$(grep -c '^# processes 2	sync_bn [01]	overlap 1	' two.log)" -eq 1 ]
}

@test "mpirun -np 2 --sync-bn equals one process: gaussian2d" { equivalent gaussian2d 8; }
@test "mpirun -np 2 --sync-bn equals one process: gaussian1d" { equivalent gaussian1d 12; }
@test "mpirun -np 2 --sync-bn equals one process: dcgan-mnist" { equivalent dcgan-mnist 16; }
@test "mpirun -np 2 --sync-bn equals one process: dcgan64" { equivalent dcgan64 4; }

@test "mpirun -np 2 --sync-bn equals one process: gaussian1d-mbd" { equivalent gaussian1d-mbd 12; }

# Every process runs the kernels asked for (an earlier build ran OpenBLAS on
# all but process 0): with --kernels onednn too, 2 processes equal one.
need_onednn() {
	scratch
	gan-init gaussian2d --seed 1 -o p.st
	gan-data gaussian2d -n 16 --seed 1 -o p.npy
	run gan-step p.st --data p.npy --steps 1 --kernels onednn -o p2.st
	[[ "$output" != *"oneDNN support not built"* ]] || skip "oneDNN support not built (Debian: libdnnl-dev)"
}
@test "mpirun -np 2 --sync-bn --kernels onednn equals one process: dcgan-mnist" {
	need_onednn
	equivalent dcgan-mnist 16 onednn
	# and both processes ran oneDNN's convolutions (its verbose lines, tagged by rank)
	run mpirun_k 2 --tag-output -x ONEDNN_VERBOSE=1 gan-step --steps 1 --batch 16 --sync-bn \
		--data d.npy --kernels onednn -o v.st i.st
	[ "$status" -eq 0 ]
	grep -q '^\[1,0\]<stdout>:onednn_verbose,exec,cpu,convolution' <<<"$output"
	grep -q '^\[1,1\]<stdout>:onednn_verbose,exec,cpu,convolution' <<<"$output"
}
@test "mpirun -np 2 --sync-bn --kernels onednn equals one process: dcgan64" {
	need_onednn
	equivalent dcgan64 4 onednn
}

# Minibatch discrimination compares every example of the global batch with
# every other, across processes: 3 processes on 28 examples at batch 12 also
# take the short last batch of 4, split 1, 1, 2, and match one process.
@test "mpirun -np 3: minibatch discrimination over uneven slices equals one process" {
	need_mpi
	scratch
	sed -e 's/^eps *=.*/eps = 1e-3/' "$ROOT/models/gaussian1d-mbd.model" > m.model
	gan-init m.model --seed 1 -o i.st
	gan-data gaussian1d -n 28 --seed 3 -o d.npy
	OMP_NUM_THREADS=1 gan-step --steps 3 --log-every 1 --batch 12 --data d.npy --log one.log \
		-o one.st i.st
	mpirun_k 3 gan-step --steps 3 --log-every 1 --batch 12 --data d.npy --log three.log \
		-o three.st i.st
	run $CKDIFF one.st three.st 1e-5
	echo "$output"
	[ "$status" -eq 0 ]
	py 'a = np.loadtxt(sys.argv[1]); b = np.loadtxt(sys.argv[2])
assert a.shape == b.shape == (3, 7), (a.shape, b.shape)
assert (a[:, :2] == b[:, :2]).all() and a[2, 1] == 1
assert (np.abs(a[:, 2:6] - b[:, 2:6]) <= 1e-5 * np.abs(a[:, 2:6])).all()' one.log three.log
}

@test "mpirun: refusals: batch not a multiple of K, stdin, no -o, small last batch" {
	need_mpi
	scratch
	gan-init gaussian2d --seed 1 -o i.st
	preset_data gaussian2d
	run mpirun_k 3 gan-step --steps 1 --batch 8 --data d.npy -o o.st i.st
	[ "$status" -eq 1 ]
	[[ "$output" == *"gan-step: batch 8 is not a multiple of the 3 processes (each takes batch / 3 examples of the global batch)"* ]]
	run mpirun_k 2 gan-step --steps 1 --data d.npy -o o.st - < i.st
	[ "$status" -eq 1 ]
	[[ "$output" == *"with 2 processes the checkpoint and --data must be files"* ]]
	run mpirun_k 2 gan-step --steps 1 --data d.npy i.st
	[ "$status" -eq 1 ]
	[[ "$output" == *"with 2 processes name the output with -o FILE (rank 0 writes it)"* ]]
	gan-data gaussian2d -n 61 --seed 3 -o d61.npy
	run mpirun_k 2 gan-step --steps 1 --batch 6 --data d61.npy -o o.st i.st
	[ "$status" -eq 1 ]
	[[ "$output" == *"gan-step: d61.npy: the last batch of each epoch holds 1 example, fewer than 1 per process on 2 processes; pick a --batch that divides 61 or fewer processes"* ]]
	[ ! -e o.st ]
}

# The overlapped sums (buckets of layers started during backward, moved on
# by the progress thread) are the sums of the whole gradient after it: with
# 2 processes every element is a + b either way, so the bits are the same.
@test "mpirun: --overlap on sums the same bits as off, in more calls; auto is off on one host" {
	need_mpi
	scratch
	gan-init dcgan64 --seed 1 -o i.st
	preset_data dcgan64
	local o
	for o in on off auto; do
		mpirun_k 2 gan-step --steps 2 --batch 4 --sync-bn --overlap $o --data d.npy \
			--log $o.log -o $o.st i.st
	done
	cmp on.st off.st
	cmp off.st auto.st
	grep -q '^# processes 2	sync_bn 1	overlap 1	' on.log
	grep -q '^# processes 2	sync_bn 1	overlap 0	' off.log
	grep -q '^# processes 2	sync_bn 1	overlap 0	' auto.log
	calls() { awk '/^# processes/ { for (i = 1; i < NF; i++)
		if ($i == "allreduce_calls_per_step") print $(i + 1) }' "$1"; }
	# dcgan64's D and G each go in 3 or more buckets of >= 1 MiB instead of 1.
	awk -v a="$(calls on.log)" -v b="$(calls off.log)" 'BEGIN { exit !(a >= b + 4) }'
	run gan-step --overlap sometimes --steps 1 --data d.npy i.st
	[ "$status" -eq 1 ]
	[[ "$output" == *"--overlap: expected auto, on or off, got 'sometimes'"* ]]
}

@test "mpirun: per-process batch norm (no --sync-bn) trains, and differs from one process" {
	need_mpi
	scratch
	gan-init dcgan-mnist --seed 1 -o i.st
	preset_data dcgan-mnist
	OMP_NUM_THREADS=1 gan-step --steps 2 --batch 16 --data d.npy -o one.st i.st 2>/dev/null
	mpirun_k 2 gan-step --steps 2 --batch 16 --data d.npy --log two.log -o two.st i.st
	grep -q '^# processes 2	sync_bn 0	overlap 0	steps 2	' two.log
	run $CKDIFF one.st two.st 1e-3
	[ "$status" -eq 1 ]
}

@test "mpirun: a run resumed with another K continues the same global schedule" {
	need_mpi
	scratch
	sed 's/^eps *=.*/eps = 1e-3/' "$ROOT/models/gaussian2d.model" > m.model
	gan-init m.model --seed 1 -o i.st
	gan-data gaussian2d -n 60 --seed 3 -o d.npy
	# 60 examples, batch 12: 5 batches an epoch; 7 steps cross an epoch.
	OMP_NUM_THREADS=1 gan-step --steps 7 --batch 12 --data d.npy -o one.st i.st 2>/dev/null
	mpirun_k 3 gan-step --steps 3 --batch 12 --data d.npy -o a.st i.st 2>/dev/null
	mpirun_k 2 gan-step --steps 3 --data d.npy -o b.st a.st 2>/dev/null
	OMP_NUM_THREADS=1 gan-step --steps 1 --data d.npy -o c.st b.st 2>/dev/null
	run $CKDIFF one.st c.st 1e-5
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "mpirun: a rank that dies ends the job non-zero, the last checkpoint intact" {
	need_mpi
	scratch
	gan-init gaussian2d --seed 1 -o k.st
	preset_data gaussian2d
	cp k.st k0.st
	run mpirun_k 2 sh -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then (sleep 1; kill -9 $$) & fi
exec gan-step --steps 100000000 --data d.npy --log run.tsv -o k.st k.st'
	[ "$status" -ne 0 ]
	cmp k.st k0.st
	[ -z "$(ls -A | grep -v -e '^k.st$' -e '^k0.st$' -e '^d.npy$' -e '^run.tsv$')" ]
}

@test "gan-step without mpirun loads no MPI library" {
	scratch
	gan-init gaussian2d --seed 1 -o i.st
	preset_data gaussian2d
	LD_DEBUG=files gan-step --steps 1 --data d.npy -o o.st i.st 2> ld.txt
	grep -q 'gan-step' ld.txt
	! grep -q libmpi ld.txt
	! grep -q libgantools-mpi ld.txt
}
