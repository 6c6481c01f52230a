#!/bin/sh
# mnist.sh - the MNIST DCGAN notebook: fetch -> data -> train epoch by epoch
# with a 5x5 grid of the checkpoint's fixed noise after each, and the
# quality figures (FD, KID, precision/recall on the features of the lenet
# classifier that scripts/classifier.sh trains) -> loss and metrics curves.
# Leaves in DIR: settings data.npy ckpt.st ckpt-epoch-NNN.st log.tsv real.png
#   epoch-NNN.png animation.png loss.png
#   real.npy real-features.npy metrics.tsv metrics.png (unless METRICS=0)
# MODEL=dcgan-mnist-ema also keeps the EMA of G (and measures it).
set -eu
name=mnist default_epochs=20 limit=60000 resumes=1
about="The MNIST DCGAN notebook: trains epoch by epoch, a 5x5 grid of the fixed noise after each."
. "$(dirname "$0")/common.sh"

images=${MNIST:-${GANTOOLS_DATA:-$root/data}/mnist/train-images-idx3-ubyte}
test_images=$(dirname "$images")/t10k-images-idx3-ubyte
if [ -z "$resuming" ]; then
	[ -f "$images" ] || sh "$here/fetch-mnist.sh"
	step "data: $limit images from $images"
	gan-data mnist "$images" -n "$limit" -o "$out/data.npy"
	gan-init "${MODEL:-dcgan-mnist}" --seed "$seed" -o "$out/ckpt.st"
fi
metrics_setup mnist "$test_images"
train_by_epoch 25 5x5 3
gan-plot loss "$out/log.tsv" --title "DCGAN on MNIST: losses" -o "$out/loss.png"
[ -z "$metrics" ] || gan-plot metrics "$out/metrics.tsv" --title "DCGAN on MNIST: sample quality" \
	-o "$out/metrics.png"
step "done: $out/epoch-*.png $out/loss.png${metrics:+ $out/metrics.png}"
