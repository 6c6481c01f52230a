#!/bin/sh
# layers.sh [ROOT] - checks that the #include lines of libcommon/ and cuda/
# point down the layers of libcommon/README.md: a file may include headers
# of its own folder and of the folders its layer may use, never of one above;
# cuda/ (the CUDA backend) uses base, nn and engine's backend boundary and
# knows no trainer. Every quoted include must name a header of the tree.
# Prints each violation and "layers: N includes checked, N violations";
# exits 1 on any violation. Run by make check (tests/layers.bats).
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

# What each folder may use besides itself (keep in step with the README).
allowed() {
	case $1 in
	base) echo "" ;;
	cli) echo "base" ;;
	formats) echo "base" ;;
	nn) echo "base" ;;
	engine) echo "base formats nn" ;;
	data) echo "base formats" ;;
	plot) echo "base formats nn engine" ;;
	eval) echo "base formats nn engine" ;;
	cuda) echo "base nn engine" ;;
	*) echo "?" ;;
	esac
}
# Headers of engine/ that the CUDA backend must not include: the trainer's.
trainer_headers="train.h epoch.h trainset.h ckpt.h net.h device.h"

# The folder (libcommon/X or cuda) holding header h, or "".
home() {
	for d in libcommon/*/ cuda/; do
		[ -f "$d$1" ] && { basename "$d"; return; }
	done
}

n=0 bad=0
for f in libcommon/*/*.c libcommon/*/*.h cuda/*.cu cuda/*.h; do
	[ -f "$f" ] || continue
	dir=$(basename "$(dirname "$f")")
	case $f in cuda/test_*) continue ;; esac   # tests see everything
	may=$(allowed "$dir")
	if [ "$may" = "?" ]; then
		echo "layers: $f: folder $dir is not in the layer table of tests/layers.sh"
		bad=$((bad + 1))
		continue
	fi
	for h in $(sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f"); do
		n=$((n + 1))
		at=$(home "$h")
		if [ -z "$at" ]; then
			echo "layers: $f includes \"$h\", which is no header of libcommon/ or cuda/"
			bad=$((bad + 1))
		elif [ "$at" != "$dir" ] && ! echo " $may " | grep -q " $at "; then
			echo "layers: $f includes $at/$h: $dir may use ${may:-nothing but itself}"
			bad=$((bad + 1))
		elif [ "$dir" = cuda ] && echo " $trainer_headers " | grep -q " $h "; then
			echo "layers: $f includes $at/$h: the CUDA backend knows no trainer"
			bad=$((bad + 1))
		fi
	done
done
echo "layers: $n includes checked, $bad violations"
[ "$bad" -eq 0 ]
