#!/bin/sh
# gaussian1d.sh - the gan-intro 1-D Gaussian (AYLIEN/gan-intro, 2016), with
# and without minibatch discrimination: densities of real and generated
# data and D's decision boundary. -e is the number of passes over a data
# set of 1200 x 12 fresh points (one pass = gan-intro's 1200 steps).
# gan-intro's N(0, 1) weights make the outcome depend on the seed
# (scripts/seeds.sh gaussian1d counts the seeds that converge; the README
# gives the figures); the default seed here is 3.
# Leaves in DIR/{plain,mbd}: data.npy ckpt.st log.tsv fake.npy density.png
# fit.txt (moments against N(4, 0.5)) dist.txt (against the data: W1, KS,
# energy distance), snap/ckpt-step-NNNNNN.st (16 snapshots),
# frames/step-NNNNNN.png and animation.png (an APNG of the frames: densities
# and D(x) over training)
set -eu
name=gaussian1d default_epochs=1 limit=14400 default_seed=3
about="The gan-intro 1-D Gaussian with and without minibatch discrimination (-e: passes of 1200 steps)."
. "$(dirname "$0")/common.sh"

# animate DIR VARIANT: a frame per snapshot of DIR/snap (densities of 2000
# samples and D's boundary, as gan-intro's video), then DIR/animation.png.
animate() {
	for ck in "$1"/snap/ckpt-step-*.st; do
		k=${ck##*-step-}
		k=${k%.st}
		n=$(echo "$k" | sed 's/^0*//')
		gan-sample "$ck" -n 2000 --seed "$seed" -o "$1/frames/fake.npy"
		gan-plot density "$out/data.npy" "$1/frames/fake.npy" --ckpt "$ck" --range -8:8 \
			--title "gaussian1d ($2): step ${n:-0}" -o "$1/frames/step-$k.png"
	done
	rm -f "$1/frames/fake.npy"
	gan-plot animate --delay 250 "$1"/frames/step-*.png -o "$1/animation.png"
}

gan-data gaussian1d -n "$limit" --mean 4 --std 0.5 --seed "$seed" -o "$out/data.npy"
for variant in plain mbd; do
	preset=gaussian1d
	[ "$variant" = mbd ] && preset=gaussian1d-mbd
	d="$out/$variant"
	mkdir -p "$d"
	step "$variant: init, D pre-training and $epochs pass(es) of training"
	gan-init "$preset" --seed "$seed" -o "$d/init.st"
	# the same steps as --epochs, with a snapshot every 1/16th of them
	batch=$(gan-info "$d/init.st" | sed -n 's/^  batch=//p')
	steps=$((epochs * ((limit + batch - 1) / batch)))
	every=$(((steps + 15) / 16))
	rm -rf "$d/snap" "$d/frames"
	mkdir -p "$d/snap" "$d/frames"
	gan-step "$d/init.st" --data "$out/data.npy" --steps "$steps" --device "$device" \
		--log "$d/log.tsv" --save-every "$every" -o "$d/snap/ckpt.st"
	mv "$d/snap/ckpt.st" "$d/ckpt.st"
	animate "$d" "$variant"
	gan-sample "$d/ckpt.st" -n 10000 --seed "$seed" -o "$d/fake.npy"
	gan-eval moments "$d/fake.npy" --ref-mean 4 --ref-cov 0.25 | tee "$d/fit.txt"
	gan-eval moments "$d/fake.npy" --ref "$out/data.npy" | tail -n 3 | tee "$d/dist.txt"
	gan-plot density "$out/data.npy" "$d/fake.npy" --ckpt "$d/ckpt.st" --range -8:8 \
		--title "gaussian1d ($variant): densities and D(x)" -o "$d/density.png"
	gan-plot loss "$d/log.tsv" --title "gaussian1d ($variant): losses" -o "$d/loss.png"
done
step "done: $out/plain/density.png $out/mbd/density.png $out/*/animation.png"
