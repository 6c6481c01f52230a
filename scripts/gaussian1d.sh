#!/bin/sh
# gaussian1d.sh - the gan-intro 1-D Gaussian (AYLIEN/gan-intro, 2016), with
# and without minibatch discrimination: densities of real and generated
# data and D's decision boundary. -e is the number of passes over a data
# set of 1200 x 12 fresh points (one pass = gan-intro's 1200 steps).
# gan-intro's N(0, 1) weights make the outcome depend on the seed, and which
# seeds converge depends on the CPU too (scripts/seeds.sh gaussian1d counts
# them; the README gives the figures); the default seed here is 3.
# Leaves in DIR/{plain,mbd}: data.npy ckpt.st log.tsv fake.npy density.png fit.txt
set -eu
name=gaussian1d default_epochs=1 limit=14400 default_seed=3
about="The gan-intro 1-D Gaussian with and without minibatch discrimination (-e: passes of 1200 steps)."
. "$(dirname "$0")/common.sh"

gan-data gaussian1d -n "$limit" --mean 4 --std 0.5 --seed "$seed" -o "$out/data.npy"
for variant in plain mbd; do
	preset=gaussian1d
	[ "$variant" = mbd ] && preset=gaussian1d-mbd
	d="$out/$variant"
	mkdir -p "$d"
	step "$variant: init, D pre-training and $epochs pass(es) of training"
	gan-init "$preset" --seed "$seed" -o "$d/init.st"
	gan-step "$d/init.st" --data "$out/data.npy" --epochs "$epochs" --device "$device" \
		--log "$d/log.tsv" -o "$d/ckpt.st"
	gan-sample "$d/ckpt.st" -n 10000 --seed "$seed" -o "$d/fake.npy"
	gan-eval moments "$d/fake.npy" --ref-mean 4 --ref-cov 0.25 | tee "$d/fit.txt"
	gan-plot density "$out/data.npy" "$d/fake.npy" --ckpt "$d/ckpt.st" --range -8:8 \
		--title "gaussian1d ($variant): densities and D(x)" -o "$d/density.png"
	gan-plot loss "$d/log.tsv" --title "gaussian1d ($variant): losses" -o "$d/loss.png"
done
step "done: $out/plain/density.png $out/mbd/density.png"
