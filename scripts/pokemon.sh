#!/bin/sh
# pokemon.sh - the textbook DCGAN chapter on 64x64 Pokemon sprites: fetch ->
# 64x64 data -> train epoch by epoch with a grid of the fixed noise after
# each -> loss curve. Leaves in DIR: settings data.npy ckpt.st ckpt-epoch-NNN.st
# log.tsv real.png epoch-NNN.png animation.png loss.png
set -eu
name=pokemon default_epochs=20 limit=100000 resumes=1
about="The d2l DCGAN chapter on 64x64 Pokemon sprites: trains epoch by epoch, a 4x8 grid after each."
. "$(dirname "$0")/common.sh"

sprites=${POKEMON:-$root/data/pokemon}
if [ -z "$resuming" ]; then
	[ -d "$sprites" ] || sh "$here/fetch-pokemon.sh"
	step "data: sprites under $sprites at 64x64"
	gan-data images "$sprites" --size 64 -n "$limit" -o "$out/data.npy"
	gan-init dcgan64 --seed "$seed" -o "$out/ckpt.st"
fi
train_by_epoch 32 4x8 1
gan-plot loss "$out/log.tsv" --title "DCGAN on Pokemon sprites: losses" -o "$out/loss.png"
step "done: $out/epoch-*.png $out/loss.png"
