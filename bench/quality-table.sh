#!/bin/sh
# quality-table.sh FIGURES.tsv - the README table of bench/quality-mnist.sh:
# per system and epoch count, the median and the range (min-max) over the
# seeds of each figure, as markdown.
set -eu
awk -F '\t' '
NR == 1 { for (i = 4; i <= NF; i++) name[i] = $i; nf = NF; next }
{
	k = $1 "\t" $2
	if (!(k in cnt)) { keys[++nk] = k }
	c = ++cnt[k]
	for (i = 4; i <= nf; i++) v[k, i, c] = $i + 0
}
function fmt(x) { return (x < 0.01 && x > -0.01 && x != 0) ? sprintf("%.2e", x) : sprintf("%.3g", x) }
END {
	printf "| system | epochs | seeds |"
	for (i = 4; i <= nf; i++) printf " %s |", name[i]
	printf "\n|---|---|---|"
	for (i = 4; i <= nf; i++) printf "---|"
	printf "\n"
	for (j = 1; j <= nk; j++) {
		k = keys[j]; n = cnt[k]
		split(k, kk, "\t")
		printf "| %s | %s | %d |", kk[1], kk[2], n
		for (i = 4; i <= nf; i++) {
			for (a = 1; a <= n; a++) s[a] = v[k, i, a]
			for (a = 2; a <= n; a++) { x = s[a]; b = a - 1
				while (b >= 1 && s[b] > x) { s[b + 1] = s[b]; b-- } s[b + 1] = x }
			med = n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
			printf " %s (%s-%s) |", fmt(med), fmt(s[1]), fmt(s[n])
		}
		printf "\n"
	}
}' "$1"
