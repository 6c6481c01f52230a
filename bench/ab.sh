#!/bin/sh
# bench/ab.sh - the before and after of one change: two gan-step builds take
# turns on one workload, ROUNDS times, so that the machine's drift (seen on
# this project's VMs: 10 % within half an hour) falls on both alike; prints
# each round and the median of NEW's speed over OLD's with its range.
#   sh bench/ab.sh [-r ROUNDS] [-w WORKLOAD] [-n STEPS] [-t THREADS] [-k KERNELS] [-m rate|cpu] OLD NEW
# OLD, NEW: build folders (their bin/gan-step), bin folders or gan-step binaries; keep a
# copy of the old one before rebuilding (cp build/bin/gan-step /tmp/old).
# WORKLOAD: gaussian2d (the whole 20-epoch process, as make bench times it),
# dcgan-mnist (batch 64) or dcgan64 (batch 64), the latter two on random
# pixels, examples/s of the steps after the first 2 from gan-step's log;
# default dcgan-mnist. STEPS per run (default 40; dcgan64 8); THREADS
# (default 2); KERNELS blas, onednn or bf16 (default blas). -m cpu compares the
# CPU time (user + system) of each whole run instead, printed in seconds, the
# ratio still NEW's speed over OLD's (old / new): on a VM whose host is busy
# the wall clock of 2 threads moves 10-15 % between runs of one build, their
# CPU time a few %; it counts start-up, the same for both. Like make bench it
# exports OMP_WAIT_POLICY=PASSIVE unless BENCH_PASSIVE=0.
# The data and the initial weights come from the gan-data and gan-init beside
# NEW (else beside OLD).
rounds=5 work=dcgan-mnist steps= threads=2 kernels=blas measure=rate
usage() { echo "usage: sh bench/ab.sh [-r ROUNDS] [-w gaussian2d|dcgan-mnist|dcgan64] [-n STEPS] [-t THREADS] [-k blas|onednn|bf16] [-m rate|cpu] OLD NEW" >&2; exit 2; }
die() { echo "ab.sh: $*" >&2; exit 1; }
posint() { case $2 in '' | *[!0-9]* | 0*) die "$1 must be a positive integer, not '$2'" ;; esac; }
while getopts r:w:n:t:k:m: o; do
	case $o in
	r) posint -r "$OPTARG"; rounds=$OPTARG ;;
	w) case $OPTARG in gaussian2d | dcgan-mnist | dcgan64) work=$OPTARG ;;
	   *) die "unknown workload '$OPTARG' (gaussian2d, dcgan-mnist or dcgan64)" ;; esac ;;
	n) posint -n "$OPTARG"; steps=$OPTARG ;;
	t) posint -t "$OPTARG"; threads=$OPTARG ;;
	k) case $OPTARG in blas | onednn | bf16) kernels=$OPTARG ;;
	   *) die "unknown kernels '$OPTARG' (blas, onednn or bf16)" ;; esac ;;
	m) case $OPTARG in rate | cpu) measure=$OPTARG ;;
	   *) die "unknown measure '$OPTARG' (rate or cpu)" ;; esac ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
bin_of() {
	if [ -d "$1" ] && [ -x "$1/gan-step" ]; then echo "$1/gan-step"
	elif [ -d "$1" ]; then echo "$1/bin/gan-step"
	else echo "$1"; fi
}
old=$(bin_of "$1") new=$(bin_of "$2")
for b in "$old" "$new"; do [ -x "$b" ] || die "$b is not an executable gan-step"; done
# gan-data and gan-init beside NEW, else beside OLD
newdir=$(dirname "$new")
[ -x "$newdir/gan-init" ] || newdir=$(dirname "$old")
[ -x "$newdir/gan-init" ] && [ -x "$newdir/gan-data" ] ||
	die "no gan-data and gan-init beside $new or $old"
[ "${BENCH_PASSIVE:-1}" = 1 ] && export OMP_WAIT_POLICY=PASSIVE
tmp=$(mktemp -d) || die "cannot make a temporary folder"
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
# here, and GAN_MODELS for a gan-init outside the checkout (a copied bin folder)
. "$(dirname "$0")/../scripts/paths.sh"
. "$(dirname "$0")/rates.sh"
# the process timer of make bench (date around it adds ~2 ms of shell)
${CC:-cc} -std=c11 -O2 -Wall -Wextra "$here/walltime.c" -o "$tmp/walltime" ||
	die "could not build bench/walltime.c"

case $kernels in
blas) kopt="--kernels blas" ;;
onednn) kopt="--kernels onednn" ;;
bf16) kopt="--kernels onednn --precision bf16" ;;
esac
case $work in
gaussian2d)
	"$newdir/gan-data" gaussian2d -n 1000 --seed 1 -o "$tmp/data.npy" &&
		"$newdir/gan-init" gaussian2d --seed 1 -o "$tmp/init.st" || die "gan-data or gan-init failed" ;;
*)
	shape="6400 1 28 28" batch=64 model=$work
	[ "$work" = dcgan64 ] && shape="640 3 64 64"
	/usr/bin/python3 -c "import sys, numpy as np
n, c, h, w = map(int, sys.argv[2:6])
np.save(sys.argv[1], np.random.default_rng(1).integers(0, 256, (n, c, h, w), dtype=np.uint8))" \
		"$tmp/data.npy" $shape || die "numpy could not write the random pixels"
	"$newdir/gan-init" "$model" --seed 1 -o "$tmp/init.st" || die "gan-init failed"
	[ -n "$steps" ] || { steps=40; [ "$work" = dcgan64 ] && steps=8; } ;;
esac

# rate BIN: one run's examples/s, or with -m cpu its CPU seconds.
rate() {
	rm -f "$tmp/log.tsv"
	if [ "$work" = gaussian2d ]; then
		"$tmp/walltime" "$tmp/wt" "$1" "$tmp/init.st" --data "$tmp/data.npy" --epochs 20 \
			--batch 8 --threads "$threads" --device cpu $kopt -o "$tmp/out.st" \
			2>"$tmp/err" || return 1
	else
		"$tmp/walltime" "$tmp/wt" "$1" "$tmp/init.st" --data "$tmp/data.npy" \
			--steps "$steps" --batch "$batch" --threads "$threads" --device cpu $kopt \
			--log "$tmp/log.tsv" --log-every 1 -o "$tmp/out.st" 2>"$tmp/err" || return 1
	fi
	if [ "$measure" = cpu ]; then
		awk '{ printf "%.3f\n", $3 }' "$tmp/wt"
	elif [ "$work" = gaussian2d ]; then
		awk '{ printf "%.1f\n", 20000 / $1 }' "$tmp/wt"
	else
		log_rate "$tmp/log.tsv" 2 "$batch"
	fi
}

what="$steps steps"
[ "$work" = gaussian2d ] && what="20 epochs"
by="" ; [ "$measure" = cpu ] && by=", CPU seconds"
echo "ab: $work, $kernels, $threads threads, $what a run, $rounds rounds$by; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "round	old	new	new/old"
i=1
while [ $i -le "$rounds" ]; do
	a=$(rate "$old") || die "OLD failed: $(tail -n 1 "$tmp/err")"
	b=$(rate "$new") || die "NEW failed: $(tail -n 1 "$tmp/err")"
	# the speed ratio: rates new / old, CPU times old / new
	echo "$i $a $b" | awk -v cpu="$([ "$measure" = cpu ] && echo 1)" \
		'{ printf "%d\t%s\t%s\t%.4f\n", $1, $2, $3, cpu ? $2 / $3 : $3 / $2 }' | tee -a "$tmp/ratios"
	i=$((i + 1))
done
cut -f 4 "$tmp/ratios" | sort -n | awk '{ r[NR] = $1 }
	END { m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
	      printf "median new/old %.4f (range %.4f-%.4f over %d rounds)\n", m, r[1], r[NR], NR }'
