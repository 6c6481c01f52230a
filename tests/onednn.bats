#!/usr/bin/env bats
# onednn.bats - `gan-step --kernels onednn` (libcommon/nn/dnnlconv.c) as a
# user runs it: the same checkpoint on 1, 2 and 3 threads; an exact resume;
# the OpenBLAS reference matched as closely as that reference matches itself
# under other OpenBLAS kernels; the refusals. The layer-level comparison
# (forward, both gradients, finite differences, batches 1-33) is
# tests/unit/test_dnnlconv.c. Skipped, with the reason, where oneDNN is not
# built (no <dnnl.h>: Debian's libdnnl-dev).

load helper

CKDIFF="$PY $BATS_TEST_DIRNAME/ckdiff.py"

need_onednn() {
	gan-init gaussian2d --seed 1 -o probe.st
	gan-data gaussian2d -n 16 --seed 1 -o probe.npy
	run gan-step probe.st --data probe.npy --steps 1 --kernels onednn -o probe2.st
	[[ "$output" != *"oneDNN support not built"* ]] || skip "oneDNN support not built (Debian: libdnnl-dev)"
	[ "$status" -eq 0 ]
}

images() {
	case $1 in
	dcgan-mnist) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (40, 1, 28, 28), dtype=np.uint8))' ;;
	dcgan64) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (20, 3, 64, 64), dtype=np.uint8))' ;;
	esac
}

# same_bits PRESET BATCH...: one step per batch on 1, 2 and 3 threads writes
# the same checkpoint (the chunks and weight-gradient pieces follow from the
# shapes alone, as on the OpenBLAS path).
same_bits() {
	local p=$1 b t
	shift
	gan-init "$p" --seed 3 -o ck.st
	images "$p"
	for b in "$@"; do
		for t in 1 2 3; do
			gan-step ck.st --data d.npy --batch "$b" --steps 1 --threads "$t" \
				--kernels onednn -o "b$t.st" 2>/dev/null
			[ "$t" -eq 1 ] || cmp b1.st "b$t.st" ||
				{ echo "$p batch $b: 1 and $t threads differ"; return 1; }
		done
	done
}

@test "onednn: dcgan-mnist, the same bits on 1, 2 and 3 threads, batches 2-17" {
	scratch
	need_onednn
	same_bits dcgan-mnist $(seq 2 17)
}

@test "onednn: dcgan64, the same bits on 1, 2 and 3 threads, batches 2, 8, 9 and 17" {
	scratch
	need_onednn
	same_bits dcgan64 2 8 9 17
}

@test "onednn: a run resumed from its checkpoint equals the run in one go" {
	scratch
	need_onednn
	gan-init dcgan-mnist --seed 2 -o i.st
	images dcgan-mnist
	gan-step i.st --data d.npy --batch 12 --steps 4 --kernels onednn -o one.st 2>/dev/null
	gan-step i.st --data d.npy --batch 12 --steps 2 --kernels onednn -o half.st 2>/dev/null
	gan-step half.st --data d.npy --steps 2 --kernels onednn -o two.st 2>/dev/null
	cmp one.st two.st
}

# 3 steps under --kernels onednn against the OpenBLAS reference, on the
# well-conditioned variant of the preset that tests/mpi.bats explains (Adam
# eps 1e-3, tanh for ReLU and LeakyReLU: float sums in another order then
# move the result by rounding times a modest conditioning, not by a jump).
# The bound is 10 times the spread of the reference itself under OpenBLAS's
# Nehalem (SSE) and Sandybridge (AVX) kernels, and at least 1e-5: oneDNN's
# kernels are one more summation order. A wrong pass (a gradient of the
# wrong chunk, a missing bias, a transposed weight) shows at 1e-2 or more.
matches_blas() {
	scratch
	need_onednn
	well_conditioned "$1"
	gan-init m.model --seed 1 -o i.st
	images "$1"
	gan-step --steps 3 --log-every 1 --batch "$2" --data d.npy --threads 2 --log blas.log \
		-o blas.st i.st
	gan-step --steps 3 --log-every 1 --batch "$2" --data d.npy --threads 2 --kernels onednn \
		--log dnnl.log -o dnnl.st i.st
	local bound
	bound=$(spread_bound blas.st 1e-5 gan-step --steps 3 --batch "$2" --data d.npy --threads 2 i.st)
	run $CKDIFF dnnl.st blas.st "$bound"
	echo "$output (bound $bound)"
	echo "# $output (bound $bound)" >&3
	[ "$status" -eq 0 ]
	same_losses blas.log dnnl.log 1e-4
}

@test "onednn: dcgan-mnist matches the OpenBLAS reference (3 steps, batch 16)" { matches_blas dcgan-mnist 16; }
@test "onednn: dcgan64 matches the OpenBLAS reference (3 steps, batch 9)" { matches_blas dcgan64 9; }

@test "onednn: refusals, one line each and status 1" {
	scratch
	gan-init dcgan-mnist --seed 1 -o i.st
	images dcgan-mnist
	run gan-step i.st --data d.npy --steps 1 --kernels mkl -o o.st
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"--kernels"*"blas"*"onednn"* ]]
	run gan-step i.st --data d.npy --steps 1 --kernels onednn --device cuda -o o.st
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	# (without a GPU, --device cuda itself is refused first)
	[[ "$output" == *"--kernels onednn runs on the CPU"* || "$output" == *"no CUDA device found"* ||
		"$output" == *"CUDA support not built"* ]]
	[ ! -e o.st ]
}

# oneDNN picks its kernels by the CPU at run time, as OpenBLAS does; the
# layer tests run again under each older ISA this CPU can run (its
# ONEDNN_MAX_CPU_ISA cap), so a machine without AVX-512 is covered here too:
# AVX2 and AVX take other JIT kernels and layouts, SSE4.1 partly its
# im2col + GEMM convolution.
@test "onednn: the layer tests under oneDNN's AVX2, AVX and SSE4.1 kernels" {
	scratch
	need_onednn
	local flags isa n=0
	flags=$(grep -m1 '^flags' /proc/cpuinfo)
	for isa in AVX2:avx2 AVX:avx SSE41:sse4_1; do
		[[ " $flags " == *" ${isa#*:} "* ]] || continue
		run env ONEDNN_MAX_CPU_ISA=${isa%%:*} "$GAN_BIN/../tests/test_dnnlconv"
		echo "${isa%%:*}: $output"
		[ "$status" -eq 0 ]
		[[ "${lines[-1]}" == "test_dnnlconv: "*" passed, 0 failed" ]]
		n=$((n + 1))
	done
	[ "$(uname -m)" != x86_64 ] || [ "$n" -ge 1 ]
}

@test "onednn: GAN_KERNELS is the default of --kernels; the option wins; a bad value is refused" {
	scratch
	need_onednn
	gan-init dcgan-mnist --seed 1 -o i.st
	images dcgan-mnist
	gan-step i.st --data d.npy --batch 8 --steps 2 --kernels onednn -o k.st 2>/dev/null
	gan-step i.st --data d.npy --batch 8 --steps 2 --kernels blas -o b.st 2>/dev/null
	! cmp -s k.st b.st
	GAN_KERNELS=onednn gan-step i.st --data d.npy --batch 8 --steps 2 -o e.st 2>/dev/null
	cmp e.st k.st
	GAN_KERNELS=onednn gan-step i.st --data d.npy --batch 8 --steps 2 --kernels blas -o eb.st 2>/dev/null
	cmp eb.st b.st
	GAN_KERNELS= gan-step i.st --data d.npy --batch 8 --steps 2 -o z.st 2>/dev/null
	cmp z.st b.st
	GAN_KERNELS=mkl run gan-step i.st --data d.npy --batch 8 --steps 2 -o x.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: GAN_KERNELS: expected blas or onednn, got 'mkl'" ]
	[ ! -e x.st ]
}

need_bf16() {
	need_onednn
	run gan-step probe.st --data probe.npy --steps 1 --precision bf16 -o probe3.st
	[[ "$output" != *"no AVX512_BF16"* ]] || skip "this CPU has no AVX512_BF16"
	[ "$status" -eq 0 ]
}

# bf16 products: thread-count independent as fp32; close to fp32 after 3
# steps (the losses within 2 %: bf16 rounds each product's inputs by 2^-9,
# a few tenths of a percent of each layer's output, and 3 Adam steps of lr
# 2e-4 move no loss by more than that), but not equal to it.
@test "onednn: --precision bf16, the same bits on 1, 2 and 3 threads, close to fp32" {
	scratch
	need_bf16
	gan-init dcgan-mnist --seed 3 -o ck.st
	images dcgan-mnist
	for b in 5 16; do
		for t in 1 2 3; do
			gan-step ck.st --data d.npy --batch "$b" --steps 1 --threads "$t" \
				--precision bf16 -o "b$t.st" 2>/dev/null
			[ "$t" -eq 1 ] || cmp b1.st "b$t.st"
		done
	done
	gan-step ck.st --data d.npy --batch 16 --steps 3 --log-every 1 --kernels onednn --log f.log -o f.st
	gan-step ck.st --data d.npy --batch 16 --steps 3 --log-every 1 --precision bf16 --log h.log -o h.st
	! cmp -s f.st h.st
	py 'a = np.loadtxt(sys.argv[1]); b = np.loadtxt(sys.argv[2])
assert a.shape == b.shape == (3, 7), (a.shape, b.shape)
d = np.abs(a[:, 2:6] - b[:, 2:6]) / np.abs(a[:, 2:6])
assert 0 < d.max() <= 2e-2, d.max()' f.log h.log
}

@test "onednn: --precision refusals, one line each and status 1" {
	scratch
	gan-init dcgan-mnist --seed 1 -o i.st
	images dcgan-mnist
	run gan-step i.st --data d.npy --steps 1 --precision fp16 -o o.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --precision: expected fp32, bf16 or tf32, got 'fp16'" ]
	run gan-step i.st --data d.npy --steps 1 --precision bf16 --kernels blas -o o.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --precision bf16 runs on oneDNN's kernels; it cannot go with --kernels blas" ]
	GAN_KERNELS=blas run gan-step i.st --data d.npy --steps 1 --precision fp32 -o o.st
	[ "$status" -eq 0 ]
	# without AVX512_BF16 (here: oneDNN capped below it), one line naming it
	need_onednn
	ONEDNN_MAX_CPU_ISA=AVX2 run gan-step i.st --data d.npy --steps 1 --precision bf16 -o x.st
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "gan-step: --precision bf16: this CPU has no AVX512_BF16 (oneDNN runs avx2)" ]]
	[ ! -e x.st ]
}
