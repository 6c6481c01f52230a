#!/bin/sh
# pokemon.sh - the textbook DCGAN chapter on 64x64 Pokemon sprites: fetch ->
# 64x64 data -> train epoch by epoch with a grid of the fixed noise after
# each -> loss curve. Leaves in DIR: data.npy ckpt.st log.tsv epoch-NNN.png loss.png
set -eu
name=pokemon default_epochs=20 limit=100000
. "$(dirname "$0")/common.sh"

sprites=${POKEMON:-$root/data/pokemon}
[ -d "$sprites" ] || sh "$here/fetch-pokemon.sh"
step "data: sprites under $sprites at 64x64"
[ -f "$out/data.npy" ] || gan-data images "$sprites" --size 64 -n "$limit" -o "$out/data.npy"
[ -f "$out/ckpt.st" ] || gan-init dcgan64 --seed "$seed" -o "$out/ckpt.st"
# Grids are numbered by the checkpoint's epoch, so a resumed run goes on
# from where the last one stopped.
done_epochs=$(gan-info "$out/ckpt.st" | sed -n 's/^  epoch=//p')
e=$((done_epochs + 1)) last=$((done_epochs + epochs))
while [ "$e" -le "$last" ]; do
	step "epoch $e/$last"
	gan-step "$out/ckpt.st" --data "$out/data.npy" --epochs 1 --device "$device" \
		--threads "$threads" --log "$out/log.tsv" -o "$out/ckpt.st"
	gan-sample "$out/ckpt.st" --fixed -n 32 --png "$out/epoch-$(printf %03d "$e").png" --grid 4x8
	e=$((e + 1))
done
gan-plot loss "$out/log.tsv" --title "DCGAN on Pokemon sprites: losses" -o "$out/loss.png"
step "done: $out/epoch-*.png $out/loss.png"
