#!/bin/sh
# mnist.sh - the MNIST DCGAN notebook: fetch -> data -> train epoch by epoch
# with a 5x5 grid of the checkpoint's fixed noise after each -> loss curve.
# Leaves in DIR: data.npy ckpt.st log.tsv epoch-NNN.png loss.png
set -eu
name=mnist default_epochs=20 limit=60000
. "$(dirname "$0")/common.sh"

images=${MNIST:-$root/data/mnist/train-images-idx3-ubyte}
[ -f "$images" ] || sh "$here/fetch-mnist.sh"
step "data: $limit images from $images"
gan-data mnist "$images" -n "$limit" -o "$out/data.npy"
[ -f "$out/ckpt.st" ] || gan-init dcgan-mnist --seed "$seed" -o "$out/ckpt.st"
# Grids are numbered by the checkpoint's epoch, so a resumed run goes on
# from where the last one stopped.
done_epochs=$(gan-info "$out/ckpt.st" | sed -n 's/^  epoch=//p')
e=$((done_epochs + 1)) last=$((done_epochs + epochs))
while [ "$e" -le "$last" ]; do
	step "epoch $e/$last"
	gan-step "$out/ckpt.st" --data "$out/data.npy" --epochs 1 --device "$device" \
		--threads "$threads" --log "$out/log.tsv" -o "$out/ckpt.st"
	gan-sample "$out/ckpt.st" --fixed -n 25 --png "$out/epoch-$(printf %03d "$e").png" --grid 5x5
	e=$((e + 1))
done
gan-plot loss "$out/log.tsv" --title "DCGAN on MNIST: losses" -o "$out/loss.png"
step "done: $out/epoch-*.png $out/loss.png"
