#!/bin/sh
# demo.sh - what `make demo` runs: the 2-D Gaussian pipeline end to end.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/runs/demo}
start=$(date +%s.%N)
sh "$root/scripts/gaussian2d.sh" -o "$out"
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "demo: finished in $took s; pictures: $out/loss.png $out/scatter.png"
