#!/usr/bin/env bats
# gan-eval.bats - gan-eval moments against numpy's mean and covariance; fd,
# kid, pr and the point distances against numpy/scipy on the committed
# features of tests/fixtures/eval (make_eval_fixture.py); the image path
# through a classifier trained here; errors.

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
FIX="$BATS_TEST_DIRNAME/fixtures/eval"

setup() { cd "$BATS_TEST_TMPDIR"; }

# close OUTPUT NAME KEY: the value of NAME in gan-eval's OUTPUT is within
# 1e-4 relative of KEY in expected.tsv.
close() {
	local got want
	got=$(printf '%s\n' "$1" | awk -F '\t' -v k="$2" '$1 == k { print $2 }')
	want=$(awk -F '\t' -v k="$3" '$1 == k { print $2 }' "$FIX/expected.tsv")
	[ -n "$got" ] && [ -n "$want" ] || { echo "no $2 / $3"; return 1; }
	awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d;
		a = w < 0 ? -w : w; exit !(d <= 1e-4 * a) }' ||
		{ echo "$2: $got, numpy/scipy: $want"; return 1; }
}

@test "gan-eval moments: mean and covariance agree with numpy" {
	/usr/bin/python3 -c "
import numpy as np
x = np.random.default_rng(1).normal(size=(5000, 3)).astype('f4') * [1, 2, 3] + [4, 5, 6]
np.save('x.npy', x.astype('f4'))
m, c = x.astype('f8').mean(0), np.cov(x.astype('f8').T)
open('want', 'w').write(' '.join('%.9g' % v for v in list(m) + list(c.ravel())))"
	run gan-eval moments x.npy
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "n	5000" ]
	got=$(printf '%s\n' "$output" | awk '$1=="mean"||$1=="cov"{for(i=2;i<=NF;i++) printf "%s ", $i}')
	/usr/bin/python3 -c "
import sys
g, w = [float(v) for v in sys.argv[1].split()], [float(v) for v in open('want').read().split()]
assert len(g) == len(w) == 12, (g, w)
assert all(abs(a - b) <= 1e-5 * max(1, abs(b)) for a, b in zip(g, w)), (g, w)" "$got"
}

@test "gan-eval moments: reference errors, stdin, errors" {
	gan-init gaussian2d --seed 1 | gan-sample -n 100 > p.npy
	run gan-eval moments --ref-mean 0,0 --ref-cov 1,0,0,1 < p.npy
	[ "$status" -eq 0 ]
	[[ "${lines[4]}" == "mean_max_abs_err	"* ]]
	[[ "${lines[6]}" == "cov_max_abs_err	"* ]]
	run gan-eval moments --ref-mean 1,2,3 p.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-eval: --ref-mean: 3 values for 2 dimensions" ]
	run gan-eval moments --ref-cov 1,x p.npy
	[ "$output" = "gan-eval: --ref-cov: expected comma-separated numbers, got '1,x'" ]
	run gan-eval median p.npy
	[ "$output" = "gan-eval: unknown command 'median' (expected moments, fd, kid, pr, all or classes)" ]
	gan-init dcgan-mnist | gan-sample -n 2 > img.npy
	run gan-eval moments img.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-eval: img.npy: expected f32 N x D points with N >= 2 and D <= 64, got f32 2x1x28x28" ]
}

@test "gan-eval fd, kid, pr, all: agree with numpy/scipy on the same features" {
	run gan-eval all "$FIX/real.npy" "$FIX/fake.npy"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "n_real	400" ] && [ "${lines[1]}" = "n_fake	350" ]
	close "$output" fd fd
	close "$output" kid_mean kid_mean
	close "$output" kid_std kid_std
	close "$output" kid_subset_size kid_subset_size
	for f in precision recall density coverage; do close "$output" $f ${f}_k3; done
	[ "${#lines[@]}" -eq 10 ]
	run gan-eval fd "$FIX/real.npy" "$FIX/fake.npy"
	[ "${#lines[@]}" -eq 3 ] && close "$output" fd fd
	run gan-eval kid --kid-subsets 7 --kid-subset-size 50 --kid-seed 3 "$FIX/real.npy" "$FIX/fake.npy"
	close "$output" kid_mean kid7_mean && close "$output" kid_std kid7_std
	[ "${lines[4]}" = "kid_subset_size	50" ]
	run gan-eval pr -k 5 "$FIX/real.npy" "$FIX/fake.npy"
	for f in precision recall density coverage; do close "$output" $f ${f}_k5; done
	# Options anywhere, the same figures with 1 thread or 2.
	a=$(gan-eval -t 1 kid "$FIX/real.npy" "$FIX/fake.npy")
	b=$(gan-eval kid "$FIX/real.npy" "$FIX/fake.npy" --threads 2)
	[ "$a" = "$b" ]
}

@test "gan-eval moments --ref: W1, KS and energy distance as scipy.stats" {
	run gan-eval moments --ref "$FIX/x1.npy" "$FIX/y1.npy"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "n	250" ] && [ "${lines[3]}" = "n_ref	300" ]
	close "$output" w1 w1_1d
	close "$output" ks ks_1d
	close "$output" energy_distance energy_1d
	[[ "${lines[5]}" == "mean_max_abs_err	"* ]] && [[ "${lines[7]}" == "cov_max_abs_err	"* ]]
	run gan-eval moments --ref "$FIX/x2.npy" "$FIX/y2.npy"
	close "$output" energy_distance energy_2d
	! printf '%s\n' "$output" | grep -q '^w1'
	run gan-eval moments --ref "$FIX/x1.npy" "$FIX/y2.npy"
	[ "$status" -eq 1 ]
	[[ "$output" == *"x1.npy: 1 dimensions, the samples have 2" ]]
	run gan-eval moments --ref "$FIX/x1.npy" --ref-mean 1 "$FIX/y1.npy"
	[ "$output" = "gan-eval: --ref excludes --ref-mean and --ref-cov" ]
}

@test "gan-eval: image figures through a classifier; errors" {
	/usr/bin/python3 -c "
import numpy as np
r = np.random.default_rng(3)
y = r.integers(0, 10, 300)
x = np.zeros((300, 1, 28, 28), np.uint8)
for i, c in enumerate(y):      # a bright 6x6 square at a place per class, noise
    x[i, 0, 2 + 2 * c: 8 + 2 * c, 4:10 + c] = 200
    x[i, 0] += r.integers(0, 40, (28, 28)).astype(np.uint8)
f = open('lab.npy', 'wb'); np.save(f, x); np.save(f, y.astype(np.int64)); f.close()
np.save('real.npy', x)
np.save('same.npy', (x.astype(np.float32) / np.float32(255) * np.float32(2) - np.float32(1)))
np.save('noise.npy', r.uniform(-1, 1, (300, 1, 28, 28)).astype(np.float32))
np.save('bad.npy', np.full((300, 1, 28, 28), 2, np.float32))"
	gan-classify train -e 2 -t 1 -o clf.st lab.npy 2>/dev/null
	run gan-eval all --features clf.st real.npy same.npy
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "fd	0" ]
	[ "${lines[6]}" = "precision	1" ] && [ "${lines[7]}" = "recall	1" ]
	[[ "${lines[10]}" == "class_max_share	"* ]] && [[ "${lines[12]}" == "class_share	"* ]]
	fd_noise=$(gan-eval fd --features clf.st real.npy noise.npy | awk '$1 == "fd" { print $2 }')
	awk -v v="$fd_noise" 'BEGIN { exit !(v > 1) }'
	run gan-eval classes --features clf.st real.npy
	[ "${lines[0]}" = "n	300" ]
	gan-classify features clf.st real.npy -o feat.npy
	a=$(gan-eval fd --features clf.st real.npy noise.npy)
	b=$(gan-eval fd --features clf.st feat.npy noise.npy)
	[ "$a" = "$b" ]
	run gan-eval fd --features clf.st real.npy bad.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-eval: bad.npy: x[0] holds 2, expected f32 images in [-1, 1]" ]
	run gan-eval classes --features clf.st feat.npy
	[ "$output" = "gan-eval: feat.npy: f32 N x D features hold no classes; give images (u8 or f32 N x C x H x W)" ]
	run gan-eval fd --features clf.st feat.npy "$FIX/real.npy"
	[ "$output" = "gan-eval: feat.npy has features of 128 values, $FIX/real.npy of 24" ]
	GANTOOLS_DATA=$PWD run gan-eval fd --features nosuch real.npy same.npy
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-eval: no classifier-nosuch.st in \$GANTOOLS_DATA, the build tree's data/ or "*": run scripts/classifier.sh nosuch, or name the file with --features FILE" ]]
	cp clf.st classifier-tiny.st
	GANTOOLS_DATA=$PWD run gan-eval fd --features tiny real.npy same.npy
	[ "${lines[2]}" = "fd	0" ]
	run gan-eval fd --ref x.npy real.npy same.npy
	[ "$output" = "gan-eval: --ref, --ref-mean and --ref-cov are options of moments" ]
	run gan-eval fd real.npy
	[ "$status" -eq 1 ]
}
