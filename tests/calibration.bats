#!/usr/bin/env bats
# calibration.bats - the image figures behave as distances should, on the
# committed MNIST subset (tests/fixtures/mnist: 1,000 training digits with
# labels, 500 test digits) and a narrow lenet trained here on the training
# digits. Against 250 test digits: the 250 others lowest, the
# training digits close, uniform noise far above; the Fréchet distance and
# KID grow with Gaussian noise and with blur added to the other test digits
# (unseen by the classifier, as a GAN's samples), and recall falls.
# README.md gives the same on the whole of MNIST (bench/calibrate-mnist.sh).

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
FIX="$BATS_TEST_DIRNAME/fixtures"

setup() { cd "$BATS_TEST_TMPDIR"; }

# fig NAME FILE: figure NAME of FILE's gan-eval all output.
fig() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$2"; }
# increasing A B C ...: each number below the next.
increasing() { awk 'BEGIN { for (i = 2; i < ARGC; i++) if (!(ARGV[i - 1] + 0 < ARGV[i] + 0)) exit 1 }' "$@" ||
	{ echo "not increasing: $*"; return 1; }; }

@test "calibration: real vs real lowest, noise far above, monotone in noise and blur" {
	gan-data mnist "$FIX/mnist/train-images-idx3-ubyte.gz" \
		--labels "$FIX/mnist/train-labels-idx1-ubyte.gz" -o lab.npy
	gan-data mnist "$FIX/mnist/t10k-images-idx3-ubyte.gz" -o test.npy
	gan-classify train -m "$FIX/lenet-small.model" -t 1 -o clf.st lab.npy 2>/dev/null
	/usr/bin/python3 -c "
import numpy as np
f = open('lab.npy', 'rb'); np.save('train.npy', np.load(f)[:250])
t = np.load('test.npy')
np.save('real.npy', t[0::2])          # even and odd: both halves of MNIST's test set
np.save('test2.npy', t[1::2])
b = t[1::2].astype(np.float32) / np.float32(255) * np.float32(2) - np.float32(1)
r = np.random.default_rng(1)
np.save('uniform.npy', r.uniform(-1, 1, b.shape).astype(np.float32))
for s in (0.1, 0.2, 0.4, 0.8):
    np.save('noise%g.npy' % s, np.clip(b + r.normal(0, s, b.shape), -1, 1).astype(np.float32))
p = np.pad(b, ((0, 0), (0, 0), (3, 3), (3, 3)), mode='edge')
for k in (1, 2, 3):   # box blur of (2k+1)^2 pixels
    o = sum(p[:, :, 3 - k + dy:31 - k + dy, 3 - k + dx:31 - k + dx]
            for dy in range(2 * k + 1) for dx in range(2 * k + 1))
    np.save('blur%d.npy' % k, (o / (2 * k + 1) ** 2).astype(np.float32))"
	gan-classify features clf.st real.npy -o real-f.npy
	for s in test2 train uniform noise0.1 noise0.2 noise0.4 noise0.8 blur1 blur2 blur3; do
		gan-eval all --features clf.st real-f.npy $s.npy > $s.tsv
	done
	base=$(fig fd test2.tsv)
	increasing "$base" $(for s in 0.1 0.2 0.4 0.8; do fig fd noise$s.tsv; done)
	increasing "$base" $(for k in 1 2 3; do fig fd blur$k.tsv; done)
	increasing $(fig kid_mean test2.tsv) $(for s in 0.1 0.2 0.4 0.8; do fig kid_mean noise$s.tsv; done)
	increasing $(fig kid_mean test2.tsv) $(for k in 1 2 3; do fig kid_mean blur$k.tsv; done)
	increasing $(fig recall noise0.8.tsv) $(fig recall noise0.4.tsv) $(fig recall noise0.2.tsv) \
		$(fig recall test2.tsv)
	# Real vs real (training digits) far below the heavy perturbations.
	increasing "$(fig fd train.tsv)" "$(fig fd noise0.4.tsv)"
	increasing "$(fig fd train.tsv)" "$(fig fd blur2.tsv)"
	awk -v u="$(fig fd uniform.tsv)" -v b="$base" 'BEGIN { exit !(u > 20 * b) }'
	awk -v p="$(fig precision test2.tsv)" -v r="$(fig recall test2.tsv)" \
		'BEGIN { exit !(p > 0.8 && r > 0.8) }'
	# The real digits fall into all ten classes.
	awk -v m="$(fig class_max_share test2.tsv)" 'BEGIN { exit !(m < 0.2) }'
}
