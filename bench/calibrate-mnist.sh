#!/bin/sh
# calibrate-mnist.sh - the calibration table of README.md: gan-eval all on
# the lenet classifier's features for the even-numbered 5,000 MNIST test
# digits against 5,000 training digits (real vs real), against the
# odd-numbered 5,000 test digits as they are and with Gaussian noise (sigma
# 0.05-0.8 on the [-1, 1] scale, clipped) or a box blur of (2k+1)^2 pixels
# (k = 1, 2, 3), and against uniform noise. The perturbed digits are test
# digits, which the classifier has not seen, like a GAN's samples; numpy
# makes them. (Even and odd, not first and last 5,000: MNIST's first 5,000
# test digits are the cleaner ones, by Census employees.)
#   bench/calibrate-mnist.sh [-f CLASSIFIER] [-o DIR]   (default mnist, runs/calibrate)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
[ -x "$root/build/bin/gan-eval" ] && PATH="$root/build/bin:$PATH"
export PATH
clf=mnist out=$root/runs/calibrate
while getopts f:o: opt; do
	case $opt in
	f) clf=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: calibrate-mnist.sh [-f CLASSIFIER] [-o DIR]" >&2; exit 1 ;;
	esac
done
data=${GANTOOLS_DATA:-$root/data}/mnist
[ -f "$data/t10k-images-idx3-ubyte" ] || sh "$root/scripts/fetch-mnist.sh"
mkdir -p "$out"
gan-data mnist "$data/t10k-images-idx3-ubyte" -o "$out/test-all.npy"
# 5,000 training digits from the end of the training set.
gan-data mnist "$data/train-images-idx3-ubyte" -o "$out/train-all.npy"
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
np.save(out + "/train.npy", np.load(out + "/train-all.npy")[-5000:])
t = np.load(out + "/test-all.npy")
np.save(out + "/test.npy", t[0::2])
np.save(out + "/test2.npy", t[1::2])
b = t[1::2].astype(np.float32) / np.float32(255) * np.float32(2) - np.float32(1)
r = np.random.default_rng(1)
np.save(out + "/uniform.npy", r.uniform(-1, 1, b.shape).astype(np.float32))
for s in (0.05, 0.1, 0.2, 0.4, 0.8):
    np.save(out + "/noise%g.npy" % s, np.clip(b + r.normal(0, s, b.shape), -1, 1).astype(np.float32))
p = np.pad(b, ((0, 0), (0, 0), (3, 3), (3, 3)), mode="edge")
for k in (1, 2, 3):
    o = sum(p[:, :, 3 - k + dy:31 - k + dy, 3 - k + dx:31 - k + dx]
            for dy in range(2 * k + 1) for dx in range(2 * k + 1))
    np.save(out + "/blur%d.npy" % k, (o / (2 * k + 1) ** 2).astype(np.float32))
PY
rm -f "$out/train-all.npy" "$out/test-all.npy"
gan-classify features "$clf" "$out/test.npy" -o "$out/test-features.npy"
printf '| against the even 5,000 test digits | FD | KID | precision | recall | density | coverage | largest class |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for s in train test2 noise0.05 noise0.1 noise0.2 noise0.4 noise0.8 blur1 blur2 blur3 uniform; do
	gan-eval all --features "$clf" "$out/test-features.npy" "$out/$s.npy" > "$out/$s.tsv"
	awk -F '\t' -v s="$s" '{ v[$1] = $2 }
	END { printf "| %s | %.3g | %.3g | %.3f | %.3f | %.3f | %.3f | %.3f |\n", s, v["fd"],
	      v["kid_mean"], v["precision"], v["recall"], v["density"], v["coverage"],
	      v["class_max_share"] }' "$out/$s.tsv"
done
