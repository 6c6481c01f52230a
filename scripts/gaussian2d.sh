#!/bin/sh
# gaussian2d.sh - the textbook 2-D Gaussian GAN (d2l.ai "Generative
# Adversarial Networks"): data -> init -> train -> samples -> pictures.
# Leaves in DIR: data.npy ckpt.st log.tsv fake.npy (10000 samples, for fit.txt),
# fake-1000.npy (as many as the data, for the scatter), loss.png scatter.png
# fit.txt (moments against b and A^T A), dist.txt (energy distance to the data)
set -eu
name=gaussian2d default_epochs=20 limit=1000
about="The d2l 2-D Gaussian GAN: data, training, 10000 samples, their fit, losses and a scatter."
. "$(dirname "$0")/common.sh"

step "data: $limit points of X.A + b"
gan-data gaussian2d -n "$limit" --seed "$seed" -o "$out/data.npy"
step "init: preset gaussian2d, seed $seed"
gan-init gaussian2d --seed "$seed" -o "$out/init.st"
step "train: $epochs epochs"
gan-step "$out/init.st" --data "$out/data.npy" --epochs "$epochs" --device "$device" \
	--threads "$threads" --log "$out/log.tsv" -o "$out/ckpt.st"
step "sample: 10000 points"
gan-sample "$out/ckpt.st" -n 10000 --seed "$seed" -o "$out/fake.npy"
gan-eval moments "$out/fake.npy" --ref-mean 1,2 --ref-cov 1.01,1.95,1.95,4.25 | tee "$out/fit.txt"
gan-eval moments "$out/fake.npy" --ref "$out/data.npy" | tail -n 1 | tee "$out/dist.txt"
step "plots"
gan-plot loss "$out/log.tsv" --title "gaussian2d: losses" -o "$out/loss.png"
gan-sample "$out/ckpt.st" -n 1000 --seed "$seed" -o "$out/fake-1000.npy"
gan-plot scatter "$out/data.npy" "$out/fake-1000.npy" --title "gaussian2d: real vs generated" \
	-o "$out/scatter.png"
step "done: $out/loss.png $out/scatter.png"
