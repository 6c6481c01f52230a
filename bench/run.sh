#!/bin/sh
# bench/run.sh - `make bench`: training speed of gantools against the PyTorch peers,
# measured side by side in one run; GFLOP/s against this run's SGEMM rate; peak memory.
# Usage: sh bench/run.sh BINDIR (build/bin). Settings by environment: see bench/README.md.
set -u

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

[ $# -eq 1 ] || die "usage: sh bench/run.sh BINDIR"
bin=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
out=$(cd "$bin/.." && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
for t in gan-data gan-init gan-step; do
	[ -x "$bin/$t" ] || die "$bin/$t: missing; run make all first"
done

reps=${BENCH_REPS:-3}
budget=${BENCH_BUDGET:-330}
steps=${BENCH_STEPS:-10}
steps64=${BENCH_STEPS64:-2}
threads=${BENCH_THREADS:-2}
py=${BENCH_PYTHON:-/usr/bin/python3}
peers=${BENCH_PEERS:-$root/../shared/peers}
mnist=${BENCH_MNIST:-$root/data/mnist/train-images-idx3-ubyte}
results=${BENCH_RESULTS:-$root/bench/results.tsv}
only=${BENCH_ONLY:-}
# bf16: --kernels onednn --precision bf16, by default where the CPU has AVX512_BF16.
if grep -qw avx512_bf16 /proc/cpuinfo; then kernels=${BENCH_KERNELS:-blas onednn bf16}
else kernels=${BENCH_KERNELS:-blas onednn}; fi
posint() { case $2 in '' | *[!0-9]* | 0*) die "$1: expected a positive integer, got '$2'" ;; esac; }
posint BENCH_REPS "$reps"
posint BENCH_BUDGET "$budget"
posint BENCH_STEPS "$steps"
posint BENCH_STEPS64 "$steps64"
posint BENCH_THREADS "$threads"
steps256=$(( steps64 / 2 > 0 ? steps64 / 2 : 1 ))
if [ -x "$py" ] && [ -f "$peers/torch_dcgan64.py" ] && "$py" -c 'import torch' 2>/dev/null; then
	havepeer=1
else
	havepeer=0
	note "no peer ($py with torch, $peers): peer columns empty (scripts/install-deps.sh --bench installs python3-torch)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gan-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# CPU and BLAS kernel: the AVX-512 SGEMM kernel where the CPU has it, for both sides.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
if grep -qw avx512f /proc/cpuinfo; then
	export OPENBLAS_CORETYPE=SkylakeX
	avx512=yes
else
	avx512=no
fi
# A loaded machine: OpenMP's spinning barriers make torch collapse (5-8x slower) when
# other processes hold the cores; its threads sleep instead unless BENCH_PASSIVE=0.
[ "${BENCH_PASSIVE:-1}" = 1 ] && export OMP_WAIT_POLICY=PASSIVE
load=$(cut -d ' ' -f 1 /proc/loadavg)
busy=$(awk -v l="$load" -v n="$(nproc)" 'BEGIN { print (l > n / 2) ? 1 : 0 }')
[ "$busy" = 1 ] && note "load average $load at start: the machine is busy, numbers will be noisy"

# --- helpers ---------------------------------------------------------------

# run LOG RSS CMD...: runs CMD with its output in LOG, its peak RSS (KiB) in RSS and
# its wall time (s) in $wall, both measured by walltime (fork to wait4, nothing else
# inside the interval); returns CMD's status.
run() {
	_log=$1 _rss=$2
	shift 2
	"$out/walltime" "$tmp/wt" "$@" >"$_log" 2>&1
	_rc=$?
	wall=$(cut -d ' ' -f 1 "$tmp/wt" 2>/dev/null)
	cut -d ' ' -f 2 "$tmp/wt" >"$_rss" 2>/dev/null
	if [ $_rc -ne 0 ]; then
		note "failed ($_rc): $*"
		tail -n 5 "$_log" >&2
	fi
	return $_rc
}

# log_rate, peer_rate
. "$root/bench/rates.sh"

# count FILE: its number of lines, 0 when it does not exist.
count() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }

# kib FILE: the peak RSS written by run (KiB, its last line).
kib() { tail -n 1 "$1"; }

# stats FILE: "median min max" of the numbers in FILE, or "- - -" if none.
stats() {
	sort -g "$1" 2>/dev/null | awk '{ v[++n] = $1 }
		END { if (n == 0) { print "- - -"; exit }
		      m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		      print num(m), num(v[1]), num(v[n]) }
		function num(x) { return sprintf(x >= 1000 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x) }'
}

# again I: whether to run repetition I (from 0): I < reps, and the first one or
# still within the time budget (a loaded machine then gets fewer repetitions).
again() {
	[ "$1" -lt "$reps" ] || return 1
	[ "$1" -eq 0 ] || [ $(( $(date +%s) - start )) -lt "$budget" ] && return 0
	note "past the ${budget} s budget (BENCH_BUDGET): $1 of $reps repetitions"
	return 1
}

want() { [ -z "$only" ] || case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# --- workloads ---------------------------------------------------------------

# kopts KERNELS: gan-step's options for blas, onednn or bf16.
kopts() { case $1 in bf16) echo "--kernels onednn --precision bf16" ;; *) echo "--kernels $1" ;; esac; }

# gan_steps NAME CKPT DATA BATCH TIMED THREADS [KERNELS]: one repetition of
# gan-step over 1 + TIMED steps (kopts KERNELS, default blas); appends
# examples/s and RSS to $tmp/NAME.g and NAME.gr.
gan_steps() {
	# shellcheck disable=SC2046 # kopts gives two or four words
	if run "$tmp/$1.glog" "$tmp/rss" "$bin/gan-step" "$2" --data "$3" --batch "$4" \
		--steps $(( $5 + 1 )) --threads "$6" --device cpu $(kopts "${7:-blas}") \
		--log "$tmp/$1.tsv" --log-every 1 -o "$tmp/out.st"; then
		r=$(log_rate "$tmp/$1.tsv" 1 "$4") && echo "$r" >>"$tmp/$1.g"
		kib "$tmp/rss" >>"$tmp/$1.gr"
		note "$1 gantools ${r:-?} examples/s"
	fi
	rm -f "$tmp/$1.tsv" "$tmp/out.st"
}

# peer NAME SCRIPT ARGS...: one repetition of a peer; appends to NAME.p and NAME.pr.
peer() {
	[ $havepeer -eq 1 ] || return 0
	_n=$1 _s=$2
	shift 2
	if run "$tmp/$_n.plog" "$tmp/rss" "$py" "$peers/$_s" "$@"; then
		r=$(peer_rate "$tmp/$_n.plog") && echo "$r" >>"$tmp/$_n.p"
		kib "$tmp/rss" >>"$tmp/$_n.pr"
		note "$_n peer ${r:-?} examples/s"
	fi
}

# gaussian2d: gantools GAUSS_RUNS times per repetition (a run is ~15 ms; one slow
# run in a few, seen on this VM after the peer's, moved a median of 3), the peer once.
GAUSS_RUNS=5
bench_gaussian2d() {
	"$bin/gan-data" gaussian2d -n 1000 --seed 1 -o "$tmp/g2d.npy" &&
		"$bin/gan-init" gaussian2d --seed 1 -o "$tmp/g2d.st" || return 1
	i=0
	while again $i; do
		j=0
		while [ $j -lt $GAUSS_RUNS ]; do
			rm -f "$tmp/g2d.tsv"
			if run "$tmp/g2d.glog" "$tmp/rss" "$bin/gan-step" "$tmp/g2d.st" \
				--data "$tmp/g2d.npy" --epochs 20 --batch 8 --threads "$threads" \
				--device cpu --log "$tmp/g2d.tsv" -o "$tmp/out.st"; then
				awk -v w="$wall" 'BEGIN { printf "%.1f\n", 20000 / w }' >>"$tmp/gaussian2d.g"
				log_rate "$tmp/g2d.tsv" 0 1000 >>"$tmp/gaussian2d.gl"
				kib "$tmp/rss" >>"$tmp/gaussian2d.gr"
			fi
			j=$(( j + 1 ))
		done
		note "gaussian2d gantools $(tail -n 1 "$tmp/gaussian2d.g") examples/s (last of $GAUSS_RUNS)"
		rm -f "$tmp/g2d.tsv"
		peer gaussian2d torch_gaussian2d.py "$threads"
		i=$(( i + 1 ))
	done
}

# synth NAME N C H W: a u8 N x C x H x W .npy of random pixels.
synth() {
	"$py" -c "import sys, numpy as np
n, c, h, w = map(int, sys.argv[2:6])
np.save(sys.argv[1], np.random.default_rng(1).integers(0, 256, (n, c, h, w), dtype=np.uint8))" \
		"$tmp/$1.npy" "$2" "$3" "$4" "$5" || die "numpy could not write $tmp/$1.npy"
}

bench_mnist() {
	"$bin/gan-init" dcgan-mnist --seed 1 -o "$tmp/mnist.st" || return 1
	synth mnist-rand 60000 1 28 28
	real=0
	if [ -f "$mnist" ] && "$bin/gan-data" mnist "$mnist" -o "$tmp/mnist-real.npy"; then
		real=1
	fi
	i=0
	while again $i; do
		for k in $kernels; do
			gan_steps dcgan-mnist$(sfx $k) "$tmp/mnist.st" "$tmp/mnist-rand.npy" 64 "$steps" "$threads" $k
		done
		peer dcgan-mnist torch_dcgan_mnist.py "$threads" "$steps"
		if [ $real -eq 1 ]; then
			for k in $kernels; do
				gan_steps dcgan-mnist-real$(sfx $k) "$tmp/mnist.st" "$tmp/mnist-real.npy" 64 \
					"$steps" "$threads" $k
			done
			peer dcgan-mnist-real torch_dcgan_mnist.py "$threads" "$steps" "$mnist"
		fi
		i=$(( i + 1 ))
	done
	rm -f "$tmp/mnist-rand.npy" "$tmp/mnist-real.npy"
}

bench_dcgan64() {
	"$bin/gan-init" dcgan64 --seed 1 -o "$tmp/d64.st" || return 1
	synth d64 256 3 64 64
	i=0
	while again $i; do
		for k in $kernels; do
			want dcgan64 && gan_steps dcgan64-b64$(sfx $k) "$tmp/d64.st" "$tmp/d64.npy" 64 \
				"$steps64" "$threads" $k
		done
		want dcgan64 && peer dcgan64-b64 torch_dcgan64.py "$threads" 64 "$steps64"
		for k in $kernels; do
			want dcgan64-b256 && gan_steps dcgan64-b256$(sfx $k) "$tmp/d64.st" "$tmp/d64.npy" 256 \
				"$steps256" "$threads" $k
		done
		want dcgan64-b256 && peer dcgan64-b256 torch_dcgan64.py "$threads" 256 "$steps256"
		for k in $kernels; do
			want dcgan64-1t && gan_steps dcgan64-b64-1t$(sfx $k) "$tmp/d64.st" "$tmp/d64.npy" 64 \
				"$steps64" 1 $k
		done
		i=$(( i + 1 ))
	done
}

# sfx KERNELS: the suffix of a workload's name for those kernels ("" for blas).
sfx() { [ "$1" = blas ] || echo "-$1"; }

# --- report ------------------------------------------------------------------

# row NAME FLOP SGEMM: one TSV line of the results for NAME (NAME-KERNELS
# rows share the peer's repetitions with NAME).
row() {
	case $1 in *-onednn | *-bf16) _b=${1%-*}; for x in p pr; do
		[ -f "$tmp/$_b.$x" ] && cp "$tmp/$_b.$x" "$tmp/$1.$x"; done ;; esac
	[ -f "$tmp/$1.g" ] || [ -f "$tmp/$1.p" ] || return 0
	runs=$(count "$tmp/$1.g")/$(count "$tmp/$1.p")
	# shellcheck disable=SC2046 # each stats gives three words: median min max
	set -- "$1" "$2" "$3" $(stats "$tmp/$1.g") $(stats "$tmp/$1.p") \
		$(stats "$tmp/$1.gr") $(stats "$tmp/$1.pr")
	awk -v OFS='\t' -v n="$1" -v f="$2" -v s="$3" -v gm="$4" -v g0="$5" -v g1="$6" \
		-v pm="$7" -v p0="$8" -v p1="$9" -v gr="${12}" -v pr="${15}" -v runs="$runs" 'BEGIN {
		ratio = (gm != "-" && pm != "-" && pm > 0) ? sprintf("%.2f", gm / pm) : "-"
		gf = gm != "-" ? gm * f / 1e9 : "-"
		pct = (gm != "-" && s > 0) ? sprintf("%.1f", 100 * gf / s) : "-"
		if (gf != "-") gf = sprintf(gf < 0.1 ? "%.4f" : "%.2f", gf)
		gr = gr != "-" ? sprintf("%.0f", gr / 1024) : "-"
		pr = pr != "-" ? sprintf("%.0f", pr / 1024) : "-"
		print n, gm, g0, g1, pm, p0, p1, ratio, gf, pct, gr, pr, runs }'
}

# table TSV: the results as an aligned table, ex/s cells as "median (min-max)".
table() {
	awk -F '\t' 'function cell(m, a, b) { return m == "-" ? "-" : sprintf("%s (%s-%s)", m, a, b) }
		/^#/ || $1 == "workload" { next }
		{ w[NR] = $1; g[NR] = cell($2, $3, $4); p[NR] = cell($5, $6, $7); r[NR] = $8
		  f[NR] = $9; s[NR] = $10; gr[NR] = $11; pr[NR] = $12; k[NR] = $13; n = NR }
		END { fmt = "%-22s %-24s %-24s %6s %8s %10s %8s %8s %5s\n"
		      printf fmt, "workload", "gantools ex/s", "peer ex/s", "ratio", "GFLOP/s",
			  "% of SGEMM", "RSS g", "RSS p", "runs"
		      for (i = 1; i <= n; i++) if (w[i] != "")
			  printf fmt, w[i], g[i], p[i], r[i], f[i], s[i], gr[i], pr[i], k[i] }' "$1"
}

# targets TSV: one line per target of the CPU speed issue (17), met or not:
# dcgan64 >= 80 % of SGEMM, dcgan-mnist >= 70 %, gaussian2d >= 300x the peer,
# 1 -> 2 thread scaling >= 1.85x on dcgan64, RSS at or below the peer's.
targets() {
	awk -F '\t' 'function yn(ok) { return ok ? "met" : "NOT met" }
		/^#/ || $1 == "workload" { next }
		{ n[++k] = $1; g[$1] = $2; r[$1] = $8; p[$1] = $10; rg[$1] = $11; rp[$1] = $12 }
		END {
			for (i = 1; i <= k; i++) {
				w = n[i]; want = w ~ /^dcgan64-b(64|256)(-onednn|-bf16)?$/ ? 80 : w ~ /^dcgan-mnist/ ? 70 : 0
				if (want && p[w] != "-")
					printf "target: %s %s%% of SGEMM, >= %d%%: %s\n", w, p[w], want, yn(p[w] >= want)
				if (w == "gaussian2d" && r[w] != "-")
					printf "target: gaussian2d %sx the peer, >= 300x: %s\n", r[w], yn(r[w] >= 300)
				if (rg[w] != "-" && rp[w] != "-")
					printf "target: %s RSS %s MiB, peer %s MiB, at or below: %s\n", w, rg[w], rp[w],
						yn(rg[w] + 0 <= rp[w] + 0)
			}
			split(",-onednn,-bf16", sf, ",")
			for (j = 1; j <= 3; j++) {
				a = "dcgan64-b64" sf[j]; b = "dcgan64-b64-1t" sf[j]
				if (g[a] != "" && g[b] != "" && g[a] != "-" && g[b] != "-" && g[b] > 0) {
					sc = g[a] / g[b]
					printf "target: %s thread scaling %.2fx, >= 1.85x: %s\n", a, sc, yn(sc >= 1.85)
				}
			}
		}' "$1"
}

main() {
	start=$(date +%s)
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -I/usr/include/x86_64-linux-gnu/openblas-pthread \
		"$root/bench/sgemm.c" -lopenblas -o "$out/sgemm" || die "could not build $out/sgemm"
	${CC:-cc} -std=c11 -O2 -Wall -Wextra "$root/bench/walltime.c" -o "$out/walltime" ||
		die "could not build $out/walltime"
	sg1=$("$out/sgemm" 2048 1 3) || die "sgemm failed"
	sg2=$("$out/sgemm" 2048 "$threads" 3) || die "sgemm failed"
	core=$(echo "$sg2" | awk '{ print $7 }')
	r1=$(echo "$sg1" | awk '{ print $9 }')
	r2=$(echo "$sg2" | awk '{ print $9 }')
	note "SGEMM n=2048: $r1 GFLOP/s on 1 thread, $r2 on $threads ($core kernel)"

	"$bin/gan-init" gaussian2d --seed 1 -o "$tmp/k.st" &&
		"$bin/gan-data" gaussian2d -n 64 --seed 1 -o "$tmp/k.npy" || die "gan-init/gan-data failed"
	for k in $kernels; do
		[ "$k" = blas ] && continue
		# shellcheck disable=SC2046
		"$bin/gan-step" "$tmp/k.st" --data "$tmp/k.npy" --steps 1 $(kopts $k) \
			-o "$tmp/k2.st" 2>"$tmp/k.err" ||
			{ note "no $k rows: $(tail -n 1 "$tmp/k.err")"; kernels=$(echo " $kernels " | sed "s/ $k / /"); }
	done
	want gaussian2d && bench_gaussian2d
	want dcgan-mnist && bench_mnist
	if want dcgan64 || want dcgan64-b256 || want dcgan64-1t; then bench_dcgan64; fi

	{
		echo "# gantools bench $(date -u +%Y-%m-%dT%H:%M:%SZ): $cpu, $(nproc) CPUs, avx512f $avx512," \
			"OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} ($core kernel), $threads threads, $reps reps," \
			"load $load at start, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}"
		echo "# SGEMM n=2048 GFLOP/s: $r1 (1 thread), $r2 ($threads threads); ex/s median min max; RSS MiB (median)"
		printf 'workload\tgantools\tg_min\tg_max\tpeer\tp_min\tp_max\tratio\tGFLOP/s\tpct_sgemm\trss_gantools_MiB\trss_peer_MiB\truns\n'
		row gaussian2d 100 "$r2"
		for k in $kernels; do
			row dcgan-mnist$(sfx $k) 163e6 "$r2"
			[ -f "$tmp/dcgan-mnist-real$(sfx $k).g" ] && row dcgan-mnist-real$(sfx $k) 163e6 "$r2"
		done
		for k in $kernels; do
			row dcgan64-b64$(sfx $k) 2.71e9 "$r2"
			row dcgan64-b256$(sfx $k) 2.71e9 "$r2"
			row dcgan64-b64-1t$(sfx $k) 2.71e9 "$r1"
		done
	} >"$tmp/results.tsv"
	cp "$tmp/results.tsv" "$results" || note "could not write $results"

	echo "CPU: $cpu, $(nproc) CPUs; avx512f: $avx512; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} ($core kernel);" \
		"load $load at start; OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}"
	echo "SGEMM n=2048: $r1 GFLOP/s (1 thread), $r2 GFLOP/s ($threads threads); $threads threads, $reps reps;" \
		"ex/s as median (min-max); RSS in MiB"
	table "$tmp/results.tsv"
	for k in $kernels; do
		awk -F '\t' -v a="dcgan64-b64$(sfx $k)" -v b="dcgan64-b64-1t$(sfx $k)" -v k=$k \
			'$1 == a { x = $2 } $1 == b { y = $2 }
		END { if (x != "" && y != "" && x != "-" && y != "-" && y > 0) printf "thread scaling, dcgan64 batch 64, %s: %.2fx from 1 to '"$threads"' threads\n", k, x / y }' \
			"$tmp/results.tsv"
	done
	targets "$tmp/results.tsv"
	if [ -f "$tmp/gaussian2d.gl" ]; then
		echo "gaussian2d, gantools training loop alone (its log): $(stats "$tmp/gaussian2d.gl" |
			awk '{ printf "%s (%s-%s)", $1, $2, $3 }') examples/s; the rest of the wall time is start-up and checkpoint I/O"
	fi
	if [ "$busy" = 1 ] && [ -z "${OMP_WAIT_POLICY:-}" ]; then
		echo "warning: load average $load at start on $(nproc) CPUs; a busy machine slows the peer's" \
			"spinning OpenMP threads most: rerun when idle, or with BENCH_PASSIVE=1 (the default)"
	fi
	echo "results: $results"
}

main
