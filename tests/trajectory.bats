#!/usr/bin/env bats
# trajectory.bats - bench/trajectory.c, the engine trained on random streams
# given from outside (issue 15's runs on the PyTorch peer's own streams,
# bench/trajectory.sh): every tensor of init.st is set by name and size, the
# steps of idx.npy and z.npy are trained, zs.npy is sampled; inputs that do
# not fit are refused with one line. The streams here are numpy's.
load helper
TRAJ=$GAN_BIN/../bench/trajectory
export GAN_MODELS=$ROOT/models

# streams DIR SEED: init.st from a dcgan-mnist checkpoint of seed SEED (its
# G.* and D.* float tensors), 3 steps of 4 images of train.npy, 500 latents.
streams() {
	mkdir -p "$1"
	gan-init dcgan-mnist --seed "$2" -o "$1/ck.st"
	py '
import json, struct
d, path = sys.argv[1], sys.argv[1] + "/ck.st"
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
h = json.loads(raw[8:8 + n])
hdr, blobs, off = {}, [], 0
for k, v in h.items():
    if k == "__metadata__" or k[:2] not in ("G.", "D.") or v["dtype"] != "F32":
        continue
    a, b = v["data_offsets"]
    blob = raw[8 + n + a:8 + n + b]
    hdr[k] = {"dtype": "F32", "shape": v["shape"], "data_offsets": [off, off + len(blob)]}
    blobs.append(blob)
    off += len(blob)
hj = json.dumps(hdr).encode()
hj += b" " * (-len(hj) % 8)
open(d + "/init.st", "wb").write(struct.pack("<Q", len(hj)) + hj + b"".join(blobs))
r = np.random.default_rng(5)
np.save(d + "/idx.npy", r.integers(0, 10, (3, 4)).astype(np.int64))
np.save(d + "/z.npy", r.standard_normal((3, 4, 100)).astype(np.float32))
np.save(d + "/zs.npy", r.standard_normal((500, 100)).astype(np.float32))
' "$1"
}

setup() {
	scratch
	py 'np.save("train.npy", np.random.default_rng(1).integers(0, 256, (10, 1, 28, 28)).astype(np.uint8))'
	streams a 3
}

@test "trajectory: trains the given steps from the given weights, samples the given latents" {
	run "$TRAJ" dcgan-mnist a train.npy 0
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = "$(printf 'step\tloss_d\tloss_g\td_x\td_g_z')" ]
	echo "$output" > full.tsv
	# finite losses, probabilities in (0, 1), steps 1..3
	awk -F '\t' 'NR > 1 { if ($1 != NR - 1 || !($2 > 0) || !($3 > 0) || !($4 > 0 && $4 < 1) ||
		!($5 > 0 && $5 < 1)) exit 1 }' full.tsv
	py 'a = np.load("a/gantools-samples.npy")
assert a.shape == (500, 1, 28, 28) and a.dtype == np.float32, a.shape
assert np.isfinite(a).all() and np.abs(a).max() <= 1 and a.std() > 0'
	# the same inputs, the same bits; fewer steps, the same first lines
	run "$TRAJ" dcgan-mnist a train.npy 2
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$output" = "$(head -3 full.tsv)" ]
	# the weights are taken: another seed's start gives other losses from step 1
	streams b 4
	cp a/idx.npy a/z.npy a/zs.npy b/
	run "$TRAJ" dcgan-mnist b train.npy 1
	[ "$status" -eq 0 ]
	[ "${lines[1]}" != "$(sed -n 2p full.tsv)" ]
}

@test "trajectory: oneDNN's kernels agree with OpenBLAS's on the first step" {
	run "$TRAJ" dcgan-mnist a train.npy 1
	[ "$status" -eq 0 ]
	blas=${lines[1]}
	GAN_KERNELS=onednn run "$TRAJ" dcgan-mnist a train.npy 1
	[ "$status" -eq 0 ]
	paste <(echo "$blas") <(echo "${lines[1]}") | awk -F '\t' '{
		for (i = 2; i <= 5; i++) { d = $i - $(i + 5); if (d < 0) d = -d
			if (d > 1e-5 * ($i < 0 ? -$i : $i)) exit 1 } }'
}

@test "trajectory: inputs that do not fit are refused with one line" {
	run "$TRAJ" dcgan-mnist a
	[ "$status" -eq 1 ]
	[ "$output" = "trajectory: usage: trajectory PRESET DIR TRAIN.npy STEPS [THREADS]" ]
	run "$TRAJ" dcgan-mnist nowhere train.npy 0
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "trajectory: cannot open: nowhere/init.st" ]]
	# a tensor the model does not have
	cp -r a c
	py 'raw = open("a/init.st", "rb").read()
open("c/init.st", "wb").write(raw.replace(b"\"G.7.bias\"", b"\"G.7.bia2\"", 1))'
	run "$TRAJ" dcgan-mnist c train.npy 0
	[ "$status" -eq 1 ]
	[ "$output" = "trajectory: no such tensor of that size in the model: G.7.bia2" ]
	cp a/init.st c/
	# an image index beyond the data
	py 'np.save("c/idx.npy", np.full((3, 4), 10, np.int64))'
	run "$TRAJ" dcgan-mnist c train.npy 0
	[ "$status" -eq 1 ]
	[ "$output" = "trajectory: idx.npy: image index out of range" ]
	# latents of the wrong size
	cp a/idx.npy c/
	py 'np.save("c/z.npy", np.zeros((3, 4, 99), np.float32))'
	run "$TRAJ" dcgan-mnist c train.npy 0
	[ "$status" -eq 1 ]
	[[ "$output" == "trajectory: idx.npy, z.npy and zs.npy disagree with each other or the model: c" ]]
	GAN_KERNELS=bogus run "$TRAJ" dcgan-mnist a train.npy 0
	[ "$status" -eq 1 ]
	[ "$output" = "trajectory: GAN_KERNELS: expected blas or onednn: bogus" ]
}
