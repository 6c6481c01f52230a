#!/bin/sh
# golden/record.sh [BIN] - records the golden checksums of this platform into
# tests/golden/SUMS (keeping other platforms' lines), after a change that is
# meant to change outputs (a kernel, a format). BIN: build/bin by default.
# Review the diff before committing it: every changed line is a changed output.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$root/build/bin}
file=$root/tests/golden/SUMS
new=$(mktemp)
trap 'rm -f "$new"' EXIT
sh "$root/tests/golden/sums.sh" "$bin" > "$new"
key=$(sed -n 's/^platform //p' "$new")
arch=$(uname -m)
{
	sed -n '/^#/p' "$file" 2>/dev/null
	grep -v '^#' "$file" 2>/dev/null | awk -v k="$key" -v a="$arch" '$1 != "any" && $1 != k && $1 != a'
	grep -v '^platform ' "$new"
} | awk '!/^#/ || !seen[$0]++' > "$file.tmp"
mv "$file.tmp" "$file"
echo "golden: recorded $(grep -vc '^platform ' "$new") sums for $key, $arch and 'any' in $file"
