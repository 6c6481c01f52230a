#!/usr/bin/env bats
# gpu.bats - gan-step and gan-sample on --device cuda against the CPU: the
# four presets agree after a few steps, checkpoints resume across devices,
# and the refusals. The GPU tests skip unless `gan-step --device cuda` works.

load helper

CKDIFF="$PY $BATS_TEST_DIRNAME/ckdiff.py"

# The bound on eval-mode samples: max |gpu - cpu| / max |cpu| (one forward
# pass, no training: cuDNN and cuBLAS sum in other orders than OpenBLAS).
TOL=${GPU_TOL:-1e-3}

# The floor of the training bound (spread_bound in helper.bash: 10 times the
# CPU's own spread under other OpenBLAS kernels, at least this): cuDNN's
# algorithms (implicit GEMM with split reductions, Winograd) round
# differently from a GEMM in another order; cuda/test_gpu_ops.cu bounds each
# operation. A real fault (a wrong pass, a gradient not accumulated, batch
# statistics of the wrong batch) shows at 1e-2 or more.
TRAIN_FLOOR=${GPU_TRAIN_FLOOR:-1e-4}

setup_file() {
	cd "$BATS_FILE_TMPDIR" || return 1
	gan-init gaussian2d --seed 1 -o probe.st
	gan-data gaussian2d -n 64 --seed 2 -o probe.npy
	if gan-step --device cuda --steps 1 --data probe.npy -o probed.st probe.st 2>probe.err; then
		export GPU_OK=1
	else
		export GPU_OK=0
	fi
}

need_gpu() {
	[ "$GPU_OK" = 1 ] || skip "no CUDA device"
}

# data PRESET: d.npy fitting the preset (u8 images drawn by NumPy).
data() {
	case $1 in
	gaussian2d) gan-data gaussian2d -n 256 --seed 3 -o d.npy ;;
	gaussian1d) gan-data gaussian1d -n 256 --seed 3 -o d.npy ;;
	dcgan-mnist*) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (96, 1, 28, 28), dtype=np.uint8))' ;;
	dcgan64) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (40, 3, 64, 64), dtype=np.uint8))' ;;
	esac
}

# batch PRESET: a batch small enough for the CPU side to be quick.
batch() {
	case $1 in
	dcgan-mnist*) echo 32 ;;
	dcgan64) echo 8 ;;
	*) echo 8 ;;
	esac
}

# start PRESET: in this test's folder, ck.st of the preset's well-conditioned
# variant (helper.bash) and d.npy fitting it.
start() {
	scratch
	well_conditioned "$1"
	gan-init m.model --seed 5 -o ck.st
	data "$1"
}

# agree PRESET: 3 steps on each device from one checkpoint of the preset's
# well-conditioned variant (helper.bash) agree as closely as the CPU agrees
# with itself under other OpenBLAS kernels (spread_bound), every tensor on
# its group's scale (tests/ckdiff.py), and their logged losses within 1e-4.
agree() {
	start "$1"
	local b bound
	b=$(batch "$1")
	gan-step --device cpu --batch "$b" --steps 3 --log-every 1 --log cpu.log --data d.npy \
		-o cpu.st ck.st 2>/dev/null
	gan-step --device cuda --batch "$b" --steps 3 --log-every 1 --log gpu.log --data d.npy \
		-o gpu.st ck.st 2>/dev/null
	bound=$(spread_bound cpu.st "$TRAIN_FLOOR" gan-step --device cpu --batch "$b" --steps 3 \
		--data d.npy ck.st)
	run $CKDIFF gpu.st cpu.st "$bound"
	echo "$1: $output"
	echo "# $1: $output" >&3
	[ "$status" -eq 0 ]
	same_losses cpu.log gpu.log 1e-4
}

@test "gpu: --device takes cpu or cuda; cuda without a device is refused" {
	scratch
	gan-init gaussian2d --seed 1 -o ck.st
	gan-data gaussian2d -n 64 --seed 2 -o d.npy
	run gan-step --device gpu --data d.npy ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --device: expected cpu or cuda, got 'gpu'" ]
	run gan-sample --device gpu ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: --device: expected cpu or cuda, got 'gpu'" ]
	[ "$GPU_OK" = 0 ] || skip "a CUDA device is present"
	run gan-step --device cuda --data d.npy ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: CUDA support not built" ] ||
		[ "$output" = "gan-step: --device cuda: no CUDA device found" ]
	run gan-sample --device cuda ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: CUDA support not built" ] ||
		[ "$output" = "gan-sample: --device cuda: no CUDA device found" ]
}

@test "gpu: without a device the default is the CPU, byte for byte" {
	[ "$GPU_OK" = 0 ] || skip "a CUDA device is present"
	scratch
	gan-init gaussian2d --seed 1 -o ck.st
	gan-data gaussian2d -n 64 --seed 2 -o d.npy
	gan-step --steps 5 --data d.npy -o a.st ck.st 2>/dev/null
	gan-step --device cpu --steps 5 --data d.npy -o b.st ck.st 2>/dev/null
	cmp a.st b.st
	gan-sample -n 4 a.st > a.npy
	gan-sample --device cpu -n 4 a.st > b.npy
	cmp a.npy b.npy
}

@test "gpu: gaussian2d agrees with the CPU after 3 steps" {
	need_gpu
	agree gaussian2d
}

@test "gpu: gaussian1d (D pre-training on the CPU) agrees after 3 steps" {
	need_gpu
	agree gaussian1d
}

@test "gpu: dcgan-mnist agrees with the CPU after 3 steps" {
	need_gpu
	agree dcgan-mnist
}

@test "gpu: dcgan64 agrees with the CPU after 3 steps" {
	need_gpu
	agree dcgan64
}

@test "gpu: dcgan-mnist-ema (G's average kept beside G) agrees with the CPU after 3 steps" {
	need_gpu
	agree dcgan-mnist-ema
}

@test "gpu: gan-sample --ema on the GPU agrees with the CPU" {
	need_gpu
	scratch
	gan-init dcgan-mnist-ema --seed 5 -o ck.st
	data dcgan-mnist-ema
	gan-step --device cpu --batch 32 --steps 2 --data d.npy -o e.st ck.st 2>/dev/null
	gan-sample --device cpu --ema -n 64 --seed 4 e.st > cpu.npy
	gan-sample --device cuda --ema -n 64 --seed 4 e.st > gpu.npy
	gan-sample --device cuda -n 64 --seed 4 e.st > g.npy
	py 'a, b, g = (np.load(f) for f in sys.argv[1:4])
d = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-6)
print("ema sample max diff", d)
assert d < float(sys.argv[4]), d
assert np.max(np.abs(g - b)) > 10 * float(sys.argv[4]), "--ema made no difference"' gpu.npy cpu.npy g.npy "$TOL"
}

@test "gpu: --precision tf32 is refused where the networks do not run on a GPU" {
	scratch
	gan-init dcgan-mnist --seed 1 -o ck.st
	data dcgan-mnist
	run gan-step --device cpu --precision tf32 --steps 1 --data d.npy -o o.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --precision tf32 runs on a GPU's tensor cores; it cannot go with --device cpu" ]
	run gan-step --kernels onednn --precision tf32 --steps 1 --data d.npy -o o.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --precision tf32 runs on a GPU's tensor cores; it cannot go with --kernels onednn" ]
	[ ! -e o.st ]
	[ "$GPU_OK" = 0 ] || skip "a CUDA device is present"
	run gan-step --precision tf32 --steps 1 --data d.npy -o o.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --precision tf32 runs on a GPU's tensor cores; it needs --device cuda" ]
	[ ! -e o.st ]
}

# TF32 rounds the convolutions' inputs to a 10-bit mantissa: its unit
# roundoff, 2^-11, is 8192 times fp32's, so the bound is 8192 times the CPU's
# own spread (helper.bash) and at least 1e-2; the run resumes byte for byte.
@test "gpu: --precision tf32 agrees with the CPU as TF32 rounding allows, and resumes exactly" {
	need_gpu
	start dcgan-mnist
	gan-step --device cpu --batch 32 --steps 3 --data d.npy -o cpu.st ck.st 2>/dev/null
	gan-step --device cuda --precision tf32 --batch 32 --steps 3 --data d.npy -o tf.st ck.st 2>/dev/null
	gan-step --device cuda --precision tf32 --batch 32 --steps 1 --data d.npy -o h.st ck.st 2>/dev/null
	gan-step --device cuda --precision tf32 --steps 2 --data d.npy -o tf2.st h.st 2>/dev/null
	cmp tf.st tf2.st
	local bound
	bound=$(SPREAD_FACTOR=8192 spread_bound cpu.st 1e-2 gan-step --device cpu --batch 32 \
		--steps 3 --data d.npy ck.st)
	run $CKDIFF tf.st cpu.st "$bound"
	echo "tf32: $output"
	echo "# tf32: $output" >&3
	[ "$status" -eq 0 ]
}

@test "gpu: a GPU checkpoint resumes on the CPU and a CPU one on the GPU" {
	need_gpu
	start dcgan-mnist
	gan-step --device cpu --batch 32 --steps 4 --data d.npy -o cpu4.st ck.st 2>/dev/null
	gan-step --device cuda --batch 32 --steps 2 --data d.npy -o g2.st ck.st 2>/dev/null
	gan-step --device cpu --steps 2 --data d.npy -o g2c2.st g2.st 2>/dev/null
	gan-step --device cpu --batch 32 --steps 2 --data d.npy -o c2.st ck.st 2>/dev/null
	gan-step --device cuda --steps 2 --data d.npy -o c2g2.st c2.st 2>/dev/null
	local bound
	bound=$(spread_bound cpu4.st "$TRAIN_FLOOR" gan-step --device cpu --batch 32 --steps 4 \
		--data d.npy ck.st)
	run $CKDIFF g2c2.st cpu4.st "$bound"
	echo "GPU->CPU: $output"
	echo "# GPU->CPU: $output" >&3
	[ "$status" -eq 0 ]
	run $CKDIFF c2g2.st cpu4.st "$bound"
	echo "CPU->GPU: $output"
	echo "# CPU->GPU: $output" >&3
	[ "$status" -eq 0 ]
}

@test "gpu: N steps on the GPU equal k then N-k steps, byte for byte" {
	need_gpu
	scratch
	gan-init dcgan-mnist --seed 5 -o ck.st
	data dcgan-mnist
	gan-step --device cuda --batch 32 --steps 5 --data d.npy -o one.st ck.st 2>/dev/null
	gan-step --device cuda --batch 32 --steps 2 --data d.npy -o half.st ck.st 2>/dev/null
	gan-step --device cuda --steps 3 --data d.npy -o two.st half.st 2>/dev/null
	cmp one.st two.st
}

@test "gpu: gan-sample on the GPU agrees with the CPU (BN in eval mode)" {
	need_gpu
	scratch
	gan-init dcgan-mnist --seed 5 -o ck.st
	gan-sample --device cpu -n 300 --seed 4 ck.st > cpu.npy
	gan-sample --device cuda -n 300 --seed 4 ck.st > gpu.npy
	py 'a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
assert a.shape == b.shape == (300, 1, 28, 28), (a.shape, b.shape)
d = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-6)
print("sample max diff", d)
assert d < float(sys.argv[3]), d' gpu.npy cpu.npy "$TOL"
}

@test "gpu: minibatch discrimination is refused on cuda, the default falls back to the CPU" {
	need_gpu
	scratch
	gan-init gaussian1d-mbd --seed 1 -o ck.st
	gan-data gaussian1d -n 64 --seed 2 -o d.npy
	run gan-step --device cuda --steps 1 --data d.npy ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --device cuda: model gaussian1d-mbd uses minibatch discrimination (mbdisc), which has no GPU implementation; use --device cpu" ]
	gan-step --steps 2 --data d.npy -o a.st ck.st 2>/dev/null
	gan-step --device cpu --steps 2 --data d.npy -o b.st ck.st 2>/dev/null
	cmp a.st b.st
}
