#!/bin/sh
# fetch-fashion-mnist.sh - puts the Fashion-MNIST IDX files (gzip) under
# data/fashion-mnist/, copied from the Debian package dataset-fashion-mnist
# (installed with apt-get when missing) and checked by sha256. Does nothing
# when the verified files are already there. GANTOOLS_DATA overrides data/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${GANTOOLS_DATA:-$root/data}/fashion-mnist
src=/usr/share/datasets/fashion-mnist
say() { echo "fetch-fashion-mnist: $*" >&2; }
sums() {
	cat <<'SUMS'
b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  train-labels-idx1-ubyte.gz
cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  t10k-labels-idx1-ubyte.gz
SUMS
}
verify() { (cd "$1" && sums | sha256sum -c --quiet --status) 2>/dev/null; }
. "$root/scripts/fetch-lib.sh"

if [ -d "$dest" ] && verify "$dest"; then
	say "$dest: present and verified, nothing to do"
	exit 0
fi
if ! [ -d "$src" ] || ! verify "$src"; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	say "installing the Debian package dataset-fashion-mnist"
	$sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || {
		$sudo apt-get update -qq >/dev/null 2>&1 || true
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
			--no-install-recommends dataset-fashion-mnist >/dev/null
	}
fi
copy_idx "$src" "$dest"
