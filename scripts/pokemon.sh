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
train_by_epoch 32 4x8
gan-plot loss "$out/log.tsv" --title "DCGAN on Pokemon sprites: losses" -o "$out/loss.png"
step "done: $out/epoch-*.png $out/loss.png"
