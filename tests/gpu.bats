#!/usr/bin/env bats
# gpu.bats - gan-step and gan-sample on --device cuda against the CPU: the
# four presets agree after a few steps, checkpoints resume across devices,
# and the refusals. The GPU tests skip unless `gan-step --device cuda` works.

load helper

# Agreement bound: per float tensor of a checkpoint (parameters, running
# statistics, Adam moments), max |gpu - cpu| / max(max |cpu|, 1e-6), after
# a few fp32 steps (cuDNN/cuBLAS sum in another order than OpenBLAS).
TOL=${GPU_TOL:-1e-3}

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

# ckdiff A B: compares every F32 tensor of two checkpoints as above and
# their step counters; prints the worst tensor; fails beyond $TOL.
ckdiff() {
	"$PY" - "$1" "$2" "$TOL" <<'PY'
import json, struct, sys
import numpy as np

def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    meta = head.pop("__metadata__", {})
    out = {}
    for k, v in head.items():
        a, b = v["data_offsets"]
        if v["dtype"] == "F32":
            out[k] = np.frombuffer(raw[8 + n + a:8 + n + b], "<f4").astype(np.float64)
    return out, meta

a, ma = load(sys.argv[1])
b, mb = load(sys.argv[2])
tol = float(sys.argv[3])
if sorted(a) != sorted(b):
    sys.exit("tensor names differ")
for k in ("step", "epoch", "epoch_step", "rng", "opt_t_G", "opt_t_D"):
    if ma.get(k) != mb.get(k):
        sys.exit("metadata %s: %r vs %r" % (k, ma.get(k), mb.get(k)))
worst, name = 0.0, ""
for k in a:
    if not np.all(np.isfinite(a[k])):
        sys.exit("%s: non-finite" % k)
    d = np.max(np.abs(a[k] - b[k])) / max(np.max(np.abs(b[k])), 1e-6) if a[k].size else 0.0
    if d > worst:
        worst, name = d, k
print("worst %s %.3g (bound %g)" % (name, worst, tol))
sys.exit(0 if worst <= tol else 1)
PY
}

# data PRESET: d.npy fitting the preset (u8 images drawn by NumPy).
data() {
	case $1 in
	gaussian2d) gan-data gaussian2d -n 256 --seed 3 -o d.npy ;;
	gaussian1d) gan-data gaussian1d -n 256 --seed 3 -o d.npy ;;
	dcgan-mnist) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (96, 1, 28, 28), dtype=np.uint8))' ;;
	dcgan64) py 'np.save("d.npy", np.random.default_rng(3).integers(0, 256, (40, 3, 64, 64), dtype=np.uint8))' ;;
	esac
}

# batch PRESET: a batch small enough for the CPU side to be quick.
batch() {
	case $1 in
	dcgan-mnist) echo 32 ;;
	dcgan64) echo 8 ;;
	*) echo 8 ;;
	esac
}

# agree PRESET: 3 steps on each device from one checkpoint agree.
agree() {
	scratch
	gan-init "$1" --seed 5 -o ck.st
	data "$1"
	b=$(batch "$1")
	gan-step --device cpu --batch "$b" --steps 3 --data d.npy -o cpu.st ck.st 2>/dev/null
	gan-step --device cuda --batch "$b" --steps 3 --data d.npy -o gpu.st ck.st 2>/dev/null
	run ckdiff gpu.st cpu.st
	echo "$1: $output"
	[ "$status" -eq 0 ]
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

@test "gpu: a GPU checkpoint resumes on the CPU and a CPU one on the GPU" {
	need_gpu
	scratch
	gan-init dcgan-mnist --seed 5 -o ck.st
	data dcgan-mnist
	gan-step --device cpu --batch 32 --steps 4 --data d.npy -o cpu4.st ck.st 2>/dev/null
	gan-step --device cuda --batch 32 --steps 2 --data d.npy -o g2.st ck.st 2>/dev/null
	gan-step --device cpu --steps 2 --data d.npy -o g2c2.st g2.st 2>/dev/null
	gan-step --device cpu --batch 32 --steps 2 --data d.npy -o c2.st ck.st 2>/dev/null
	gan-step --device cuda --steps 2 --data d.npy -o c2g2.st c2.st 2>/dev/null
	run ckdiff g2c2.st cpu4.st
	echo "GPU->CPU: $output"
	[ "$status" -eq 0 ]
	run ckdiff c2g2.st cpu4.st
	echo "CPU->GPU: $output"
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
