#!/bin/sh
# fetch-pokemon.sh - puts the gen-8 Pokemon box sprites (68x56 RGBA PNG)
# under data/pokemon/regular and data/pokemon/shiny, from the npm package
# pokesprite-images@2.7.0 (npm pack). The set is checked by one sha256: that
# of the C-sorted `sha256sum` lines ("SUM  regular/x.png") of every file.
# Does nothing when the verified set is already there. GANTOOLS_DATA
# overrides data/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${GANTOOLS_DATA:-$root/data}/pokemon
pkg=pokesprite-images@2.7.0
setsum=8f5fd8ad706d01b3cd1d1c8ba2cff22a6def1a83fadb1bb3cf7242c389e71399
say() { echo "fetch-pokemon: $*" >&2; }
. "$root/scripts/fetch-lib.sh"
# The set's sum of the sprite tree under $1 (empty when there is none).
tree_sum() {
	[ -d "$1/regular" ] && [ -d "$1/shiny" ] || return 0
	(cd "$1" && find regular shiny -type f -name '*.png' -exec sha256sum {} + |
		LC_ALL=C sort | sha256sum | cut -d' ' -f1)
}

if [ "$(tree_sum "$dest")" = "$setsum" ]; then
	say "$dest: present and verified, nothing to do"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
npm_pack "$pkg" "$tmp"
tar -xzf "$tmp"/pokesprite-images-2.7.0.tgz -C "$tmp" package/pokemon-gen8/regular \
	package/pokemon-gen8/shiny
src=$tmp/package/pokemon-gen8
got=$(tree_sum "$src")
if [ "$got" != "$setsum" ]; then
	say "$pkg: checksum mismatch (set sum $got, expected $setsum)"
	exit 1
fi
mkdir -p "$dest"
rm -rf "$dest/.new"
mkdir "$dest/.new"
cp -R "$src/regular" "$src/shiny" "$dest/.new/"
rm -rf "$dest/regular" "$dest/shiny"
mv "$dest/.new/regular" "$dest/.new/shiny" "$dest/"
rmdir "$dest/.new"
[ "$(tree_sum "$dest")" = "$setsum" ] || { say "$dest: checksum mismatch after copying"; exit 2; }
n=$(find "$dest/regular" "$dest/shiny" -type f -name '*.png' | wc -l)
say "$dest: wrote $n verified sprites (regular/, shiny/)"
