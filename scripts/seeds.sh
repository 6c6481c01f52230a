#!/bin/sh
# seeds.sh - the Gaussian workloads over many seeds, as the README states
# their results: one TSV line per seed and run, then the median and range of
# each figure and how many seeds reach the target. Single trajectories differ
# from CPU to CPU (see the README), figures over seeds do not.
#   scripts/seeds.sh [-n SEEDS] [-o DIR] gaussian2d|gaussian1d
# gaussian2d: 20 epochs of the preset on 1000 points, 10,000 samples; target:
#   mean within 0.25 of b = (1, 2) in each coordinate.
# gaussian1d: gan-intro's 1200 steps (plain and minibatch discrimination),
#   10,000 samples; targets: mean within 0.25 of 4, variance in [0.125, 0.5]
#   (the standard deviation within a factor sqrt 2 of 0.5).
# Leaves DIR/seeds.tsv and DIR/summary.txt (DIR: runs/seeds-WORKLOAD).
set -eu
. "$(dirname "$0")/paths.sh"
usage() { echo "usage: seeds.sh [-n SEEDS] [-o DIR] gaussian2d|gaussian1d" >&2; exit 1; }
n=10 out=""
while getopts n:o:h opt; do
	case $opt in
	n) n=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
w=$1
case $w in gaussian2d | gaussian1d) ;; *) usage ;; esac
case $n in '' | *[!0-9]* | 0) echo "seeds.sh: -n takes a positive count, not '$n'" >&2; exit 1 ;; esac
out=${out:-runs/seeds-$w}
mkdir -p "$out"
tsv="$out/seeds.tsv"

# fit FILE: the gan-eval moments lines of FILE as "mean1 [mean2] cov..." fields.
fit() { awk '$1 == "mean" || $1 == "cov" { for (i = 2; i <= NF; i++) printf "\t%s", $i }' "$1"; }
# last_loss LOG: loss_D and loss_G of the log's last line.
last_loss() { awk '!/^#/ { d = $3; g = $4 } END { printf "\t%s\t%s", d, g }' "$1"; }

if [ "$w" = gaussian2d ]; then
	printf 'seed\tloss_D\tloss_G\tmean_x\tmean_y\tcov11\tcov12\tcov21\tcov22\n' > "$tsv"
else
	printf 'seed\tvariant\tloss_D\tloss_G\tmean\tvar\n' > "$tsv"
fi
s=1
while [ "$s" -le "$n" ]; do
	d="$out/s$s"
	mkdir -p "$d"
	if [ "$w" = gaussian2d ]; then
		gan-data gaussian2d -n 1000 --seed "$s" -o "$d/data.npy"
		gan-init gaussian2d --seed "$s" -o "$d/init.st"
		gan-step "$d/init.st" --data "$d/data.npy" --epochs 20 --log "$d/log.tsv" -o "$d/ckpt.st"
		gan-sample "$d/ckpt.st" -n 10000 --seed "$s" -o "$d/fake.npy"
		gan-eval moments "$d/fake.npy" > "$d/fit.txt"
		printf '%s%s%s\n' "$s" "$(last_loss "$d/log.tsv")" "$(fit "$d/fit.txt")" >> "$tsv"
	else
		gan-data gaussian1d -n 14400 --mean 4 --std 0.5 --seed "$s" -o "$d/data.npy"
		for v in plain mbd; do
			p=gaussian1d
			[ "$v" = mbd ] && p=gaussian1d-mbd
			gan-init "$p" --seed "$s" -o "$d/$v-init.st"
			gan-step "$d/$v-init.st" --data "$d/data.npy" --epochs 1 --log "$d/$v-log.tsv" \
				-o "$d/$v-ckpt.st"
			gan-sample "$d/$v-ckpt.st" -n 10000 --seed "$s" -o "$d/$v-fake.npy"
			gan-eval moments "$d/$v-fake.npy" > "$d/$v-fit.txt"
			printf '%s\t%s%s%s\n' "$s" "$v" "$(last_loss "$d/$v-log.tsv")" \
				"$(fit "$d/$v-fit.txt")" >> "$tsv"
		done
	fi
	s=$((s + 1))
done

# Median and range of every numeric column, per variant; the target counts.
summarise() { # $1 = first figure column, $2 = awk filter
	awk -F '\t' -v first="$1" "NR == 1 { for (i = 1; i <= NF; i++) name[i] = \$i; next }
	$2 { m++; for (i = first; i <= NF; i++) v[i, m] = \$i; nf = NF }
	END {
		for (i = first; i <= nf; i++) {
			for (a = 1; a <= m; a++) x[a] = v[i, a]
			for (a = 2; a <= m; a++) for (b = a; b > 1 && x[b - 1] > x[b]; b--) {
				t = x[b]; x[b] = x[b - 1]; x[b - 1] = t }
			med = m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
			printf \"  %-7s median %8.4f   range %8.4f .. %8.4f\n\", name[i], med, x[1], x[m]
		}
	}" "$tsv"
}
{
	echo "$w over seeds 1-$n ($(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'))"
	if [ "$w" = gaussian2d ]; then
		summarise 2 1
		awk -F '\t' -v n="$n" 'NR > 1 && ($4 - 1) ^ 2 <= 0.0625 && ($5 - 2) ^ 2 <= 0.0625 { k++ }
			END { printf "  mean within 0.25 of (1, 2): %d of %d seeds\n", k, n }' "$tsv"
	else
		for v in plain mbd; do
			echo " $v:"
			summarise 3 "\$2 == \"$v\""
			awk -F '\t' -v v="$v" -v n="$n" '$2 == v && ($5 - 4) ^ 2 <= 0.0625 { a++ }
				$2 == v && $6 >= 0.125 && $6 <= 0.5 { b++ }
				END { printf "  mean within 0.25 of 4: %d of %d seeds; variance in [0.125, 0.5]: %d of %d\n", a, n, b, n }' "$tsv"
		done
	fi
} | tee "$out/summary.txt"
