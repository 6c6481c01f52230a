#!/bin/sh
# demo.sh - what `make demo` runs: the 2-D Gaussian pipeline end to end.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/runs/demo}
start=$(date +%s)
sh "$root/scripts/gaussian2d.sh" -o "$out"
echo "demo: finished in $(( $(date +%s) - start )) s; pictures: $out/loss.png $out/scatter.png"
