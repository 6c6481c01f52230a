#!/usr/bin/env bats
# gan-eval.bats - gan-eval moments against numpy's mean and covariance.

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"

setup() { cd "$BATS_TEST_TMPDIR"; }

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
	[ "$output" = "gan-eval: unknown command 'median' (expected moments)" ]
	gan-init dcgan-mnist | gan-sample -n 2 > img.npy
	run gan-eval moments img.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-eval: img.npy: expected f32 N x D points with N >= 2 and D <= 64, got f32 2x1x28x28" ]
}
