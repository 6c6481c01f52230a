#!/bin/sh
# fashion-mnist.sh - the MNIST DCGAN notebook on Fashion-MNIST (the Debian package
# dataset-fashion-mnist): fetch -> data -> train epoch by epoch
# with a 5x5 grid of the checkpoint's fixed noise after each, and the
# quality figures (FD, KID, precision/recall on the features of the lenet
# classifier that scripts/classifier.sh trains) -> loss and metrics curves.
# Leaves in DIR: data.npy ckpt.st log.tsv epoch-NNN.png loss.png
#   real.npy real-features.npy metrics.tsv metrics.png (unless METRICS=0)
# MODEL=dcgan-mnist-ema (the same network) also keeps the EMA of G (and measures it).
set -eu
name=fashion-mnist default_epochs=20 limit=60000
. "$(dirname "$0")/common.sh"

images=${FASHION_MNIST:-${GANTOOLS_DATA:-$root/data}/fashion-mnist/train-images-idx3-ubyte.gz}
test_images=$(dirname "$images")/t10k-images-idx3-ubyte.gz
[ -f "$images" ] || sh "$here/fetch-fashion-mnist.sh"
step "data: $limit images from $images"
gan-data mnist "$images" -n "$limit" -o "$out/data.npy"
metrics_setup fashion-mnist "$test_images"
[ -f "$out/ckpt.st" ] || gan-init "${MODEL:-dcgan-mnist}" --seed "$seed" -o "$out/ckpt.st"
train_by_epoch 25 5x5
gan-plot loss "$out/log.tsv" --title "DCGAN on Fashion-MNIST: losses" -o "$out/loss.png"
[ -z "$metrics" ] || gan-plot metrics "$out/metrics.tsv" --title "DCGAN on Fashion-MNIST: sample quality" \
	-o "$out/metrics.png"
step "done: $out/epoch-*.png $out/loss.png${metrics:+ $out/metrics.png}"
