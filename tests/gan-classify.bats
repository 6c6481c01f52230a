#!/usr/bin/env bats
# gan-classify.bats - gan-classify train, test and features: a classifier
# learns labelled images, repeats itself from the seed, its file is
# safetensors named as PyTorch's state_dict, and bad inputs are refused.

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

setup() {
	cd "$BATS_TEST_TMPDIR"
	/usr/bin/python3 -c "
import numpy as np
r = np.random.default_rng(5)
y = r.integers(0, 10, 200)
x = r.integers(0, 50, (200, 1, 28, 28)).astype(np.uint8)
for i, c in enumerate(y):      # a bright bar at a row per class
    x[i, 0, 2 + 2 * c: 5 + 2 * c, 3:25] = 220
f = open('lab.npy', 'wb'); np.save(f, x); np.save(f, y.astype(np.int64)); f.close()
np.save('x.npy', x)
f = open('badlab.npy', 'wb'); np.save(f, x); np.save(f, (y + 5).astype(np.int64)); f.close()
f = open('rgb.npy', 'wb'); np.save(f, np.zeros((4, 3, 28, 28), np.uint8)); np.save(f, np.zeros(4, np.int64)); f.close()"
}

@test "gan-classify: --help, --version, usage errors" {
	run gan-classify --help
	[ "$status" -eq 0 ] && [[ "${lines[0]}" == "usage: gan-classify train"* ]]
	run gan-classify --version
	[ "$output" = "gan-classify (gantools) 0.1.0" ]
	run gan-classify
	[ "$status" -eq 1 ]
	run gan-classify guess x.npy
	[ "$output" = "gan-classify: unknown command 'guess' (expected train, test or features)" ]
	run gan-classify test clf.st
	[ "$status" -eq 1 ] && [[ "${lines[0]}" == "usage: gan-classify"* ]]
	run gan-classify test --epochs 2 a b
	[ "$output" = "gan-classify: --model, --epochs, --test and --log are options of train" ]
}

@test "gan-classify train, test, features: learns, repeats, PyTorch's names" {
	gan-classify train -e 2 -t 1 --test lab.npy -l log.tsv -o a.st lab.npy 2>err
	[ ! -s err ]
	[ "$(head -n 1 log.tsv)" = "# step	epoch	loss	train_accuracy	test_accuracy	examples_per_s" ]
	[ "$(wc -l < log.tsv)" -eq 3 ] && [ "$(cut -f 1,2 log.tsv | tail -n 1)" = "8	2" ]
	gan-classify train -e 2 -t 1 lab.npy > b.st 2>/dev/null
	# The same seed, the same weights (the metadata differs: no test set).
	[ "$(sh "$ROOT/tests/safetensors_py.sh" a.st | grep '^tensor')" = \
	  "$(sh "$ROOT/tests/safetensors_py.sh" b.st | grep '^tensor')" ]
	run gan-classify test a.st lab.npy
	[ "$status" -eq 0 ] && [ "${lines[0]}" = "n	200" ]
	acc=$(printf '%s\n' "$output" | awk '$1 == "accuracy" { print $2 }')
	awk -v a="$acc" 'BEGIN { exit !(a > 0.9) }'
	grep -q "$acc" log.tsv
	gan-classify features a.st x.npy -o f.npy
	gan-info f.npy | grep -q '^record 1: x f32 200x128 '
	sh "$ROOT/tests/safetensors_py.sh" a.st > st.txt
	grep -q '^tensor	C.0.weight	F32	\[32, 1, 5, 5\]' st.txt
	grep -q '^tensor	C.1.num_batches_tracked	I64	\[\]	8$' st.txt
	grep -q '^tensor	C.9.weight	F32	\[10, 128\]' st.txt
	grep -q '^meta	format	"gantools-classifier-1"' st.txt
	grep -q '^meta	feature_dim	"128"' st.txt
	GANTOOLS_DATA=$PWD gan-classify features a.st x.npy > f2.npy
	cmp f.npy f2.npy
}

@test "gan-classify: bad inputs are refused with one line" {
	run gan-classify train -e 1 x.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-classify: x.npy: no y record (labels): gan-data mnist --labels FILE writes them" ]
	run gan-classify train -e 1 badlab.npy
	[[ "$output" == "gan-classify: badlab.npy: y["*"] is 1"*", expected 0..9" ]]
	run gan-classify train -e 1 rgb.npy
	[ "$output" = "gan-classify: rgb.npy: x has shape 3x28x28 per example, classifier lenet expects 1x28x28" ]
	run gan-classify train -m dcgan-mnist -e 1 lab.npy
	[ "$output" = "gan-classify: model dcgan-mnist is a GAN, not a classifier (no [C])" ]
	gan-init gaussian2d -o g.st
	run gan-classify test g.st lab.npy
	[ "$output" = "gan-classify: g.st: not a gantools classifier (metadata 'format' is 'gantools-checkpoint-1', expected 'gantools-classifier-1')" ]
	run gan-classify test nosuch.st lab.npy
	[ "$output" = "gan-classify: nosuch.st: No such file or directory" ]
	run gan-classify test -o out.txt a lab.npy
	[ "$output" = "gan-classify: test prints its figures; -o is an option of train and features" ]
	run gan-init lenet
	[ "$status" -eq 1 ]
	[ "$output" = "gan-init: model lenet is a classifier ([C]), not a GAN: train it with gan-classify" ]
}
