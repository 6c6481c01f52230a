#!/bin/sh
# trajectory.sh - issue 15's paired comparison: gantools trained on the
# PyTorch MNIST peer's own random streams (its initial weights, its batches in
# its order, its latents: bench/trajectory.py writes them, bench/trajectory.c
# trains on them), so that gantools and the peer differ in nothing but their
# arithmetic; then the same figures as bench/quality-mnist.sh for both.
#   bench/trajectory.sh [-s SEEDS] [-n STEPS] [-j JOBS] [-k KERNELS] [-p] [-o DIR]
# SEEDS the peer's seeds (default 1 2 3); STEPS its steps after its 5 warm-up
# steps (default 4688: 5 epochs, as quality-mnist.sh); JOBS at a time (2),
# each on one thread; KERNELS the gantools kernels to run, blas and/or onednn
# (default blas); -p also trains the peer itself (trajectory.py replays its
# step verbatim: the samples it writes are bit for bit the peer's; without
# -p, samples/peer-e5-sS.npy of bench/quality-mnist.sh's DIR are used when
# STEPS is 4688); DIR default runs/trajectory. Writes, per seed, DIR/sS/
# peer-stats.tsv and gantools_K-stats.tsv (the losses of each step: the
# "parted_at" column is the first step whose loss_d differs by over 10 %),
# the samples SYS-e1.npy and SYS-e5.npy (1 epoch, and the end), and
# DIR/figures.tsv, printed as a table. Needs runs/quality-mnist/real-features.npy
# and train.npy (bench/quality-mnist.sh train and eval write them).
set -eu
. "$(dirname "$0")/../scripts/paths.sh"
data=${GANTOOLS_DATA:-$root/data}
q=$root/runs/quality-mnist
seeds="1 2 3" steps=4688 jobs=2 kernels=blas peer=0 out=$root/runs/trajectory
internal=0
[ "${1:-}" = job ] && { internal=1; shift; }
while getopts s:n:j:k:po: opt; do
	case $opt in
	s) seeds=$OPTARG ;;
	n) steps=$OPTARG ;;
	j) jobs=$OPTARG ;;
	k) kernels=$OPTARG ;;
	p) peer=1 ;;
	o) out=$OPTARG ;;
	*) echo "usage: trajectory.sh [-s SEEDS] [-n STEPS] [-j JOBS] [-k KERNELS] [-p] [-o DIR]" >&2
	   exit 1 ;;
	esac
done
say() { echo "trajectory: $*" >&2; }
[ -f "$q/real-features.npy" ] && [ -f "$q/train.npy" ] ||
	{ say "run bench/quality-mnist.sh train and eval first (no $q/real-features.npy)"; exit 1; }
[ $internal = 1 ] || make -s -C "$root" bench-trajectory >&2
bin=$root/build/bench/trajectory
idx3=$data/mnist/train-images-idx3-ubyte
total=$((steps + 5))

end=e5
[ "$steps" = 4688 ] || end=end
job() {   # p SEED | g SEED KERNELS
	d=$out/s$2
	case $1 in
	p) /usr/bin/python3 "$here/trajectory.py" "$2" "$steps" "$idx3" "$d" "$total"
	   mv "$d/peer-samples.npy" "$d/peer-$end.npy"
	   # past step 943, the samples of the peer's 1-epoch run too
	   [ ! -f "$d/peer-samples-e1.npy" ] || mv "$d/peer-samples-e1.npy" "$d/peer-e1.npy" ;;
	g) GAN_KERNELS=$3 "$bin" dcgan-mnist "$d" "$q/train.npy" 0 1 > "$d/gantools_$3-stats.tsv"
	   mv "$d/gantools-samples.npy" "$d/gantools_$3-$end.npy"
	   [ ! -f "$d/gantools-samples-e1.npy" ] || mv "$d/gantools-samples-e1.npy" "$d/gantools_$3-e1.npy" ;;
	esac
}
shift $((OPTIND - 1))
# Internal: one line of the job list, in a fresh shell of this script.
if [ $internal = 1 ]; then job "$@"; exit; fi

mkdir -p "$out"
# The streams (seconds each); without -p, also the peer's first 300 steps, for
# the step at which the losses part (with -p its whole run logs them).
warm=300
[ $peer = 1 ] && warm=
for s in $seeds; do
	/usr/bin/python3 "$here/trajectory.py" "$s" "$steps" "$idx3" "$out/s$s" $warm
done
{ for s in $seeds; do
	if [ $peer = 1 ]; then echo "p $s"
	elif [ "$steps" = 4688 ] && [ -f "$q/samples/peer-e5-s$s.npy" ] &&
	     [ -f "$q/samples/peer-e1-s$s.npy" ]; then
		cp "$q/samples/peer-e5-s$s.npy" "$out/s$s/peer-e5.npy"
		cp "$q/samples/peer-e1-s$s.npy" "$out/s$s/peer-e1.npy"
	else say "seed $s: no peer samples in $q/samples (use -p)"; fi
  done
  for k in $kernels; do for s in $seeds; do echo "g $s $k"; done; done; } > "$out/jobs"
xargs -P "$jobs" -L 1 sh "$0" job -n "$steps" -o "$out" < "$out/jobs"

printf 'system\tepochs\tseed\tfd\tkid_mean\tprecision\trecall\tparted_at\n' > "$out/figures.tsv"
for s in $seeds; do
	for f in "$out/s$s"/*-e1.npy "$out/s$s"/*-$end.npy; do
		[ -f "$f" ] || continue
		b=$(basename "$f" .npy) sys=${b%-*} ep=${b##*-}
		[ "$sys" = zs ] && continue   # trajectory.py's sample latents, not samples
		case $ep in e[0-9]*) ep=${ep#e} ;; esac   # e1, e5: epochs; end: after STEPS
		# The first step whose loss_d differs from the peer's by over 10 %.
		parted=-
		[ "$sys" != peer ] && parted=$(paste "$out/s$s/peer-stats.tsv" "$out/s$s/$sys-stats.tsv" |
			awk -F '\t' 'NR > 1 && ($2 - $7 > 0.1 * $2 || $7 - $2 > 0.1 * $2) { print $1; exit }')
		gan-eval all "$q/real-features.npy" "$f" |
			awk -F '\t' -v s="$sys" -v e="$ep" -v r="$s" -v p="${parted:--}" '
			{ v[$1] = $2 }
			END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, e, r, v["fd"], v["kid_mean"],
			      v["precision"], v["recall"], p }' >> "$out/figures.tsv"
	done
done
column -t -s "$(printf '\t')" "$out/figures.tsv"
