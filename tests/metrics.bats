#!/usr/bin/env bats
# metrics.bats - the quality figures during training: scripts/mnist.sh with
# a classifier in GANTOOLS_DATA writes a metrics.tsv line per epoch for G
# and G_ema (MODEL=dcgan-mnist-ema) and draws metrics.png; without one it
# says so and trains as before.

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
FIX="$BATS_TEST_DIRNAME/fixtures"
SCRIPTS="$BATS_TEST_DIRNAME/../scripts"

setup() { cd "$BATS_TEST_TMPDIR"; }

@test "mnist.sh: metrics.tsv after each epoch for G and G_ema, metrics.png" {
	mkdir d
	gunzip -c "$FIX/mnist/train-images-idx3-ubyte.gz" > d/train-images-idx3-ubyte
	gunzip -c "$FIX/mnist/t10k-images-idx3-ubyte.gz" > d/t10k-images-idx3-ubyte
	gan-data mnist "$FIX/mnist/train-images-idx3-ubyte.gz" \
		--labels "$FIX/mnist/train-labels-idx1-ubyte.gz" -o lab.npy
	gan-classify train -m "$FIX/lenet-small.model" -e 1 -t 1 -o d/classifier-mnist.st lab.npy 2>/dev/null
	GANTOOLS_DATA=$PWD/d MODEL=dcgan-mnist-ema MNIST=d/train-images-idx3-ubyte METRICS_N=1000 \
		run sh "$SCRIPTS/mnist.sh" -e 2 -n 130 -t 1 -o m
	[ "$status" -eq 0 ]
	[[ "$output" == *"mnist: epoch 2 G_ema: FD "* ]]
	[ "$(head -n 1 m/metrics.tsv)" = "# epoch	step	net	fd	kid	precision	recall	density	coverage	class_max_share	class_entropy" ]
	[ "$(grep -vc '^#' m/metrics.tsv)" -eq 4 ]
	[ "$(cut -f 1-3 m/metrics.tsv | tail -n 4 | tr '\t\n' ' ')" = "1 3 G 1 3 G_ema 2 6 G 2 6 G_ema " ]
	awk -F '\t' '!/^#/ { for (i = 4; i <= 11; i++) if ($i == "" || $i == "nan") exit 1 }' m/metrics.tsv
	[ -s m/metrics.png ] && [ -s m/real-features.npy ] && [ ! -e m/fake.npy ]
	# Without a classifier: a note, the training as before.
	GANTOOLS_DATA=$PWD/none MNIST=d/train-images-idx3-ubyte run sh "$SCRIPTS/mnist.sh" -e 1 -n 130 -t 1 -o n
	[ "$status" -eq 0 ]
	[[ "$output" == *"mnist: no quality figures: no classifier-mnist.st (sh scripts/classifier.sh mnist makes it)"* ]]
	[ ! -e n/metrics.tsv ] && [ -s n/loss.png ]
}
