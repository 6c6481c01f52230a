#!/bin/sh
# quality-mnist.sh - the dcgan-mnist quality table of README.md: gantools
# (preset dcgan-mnist-ema: dcgan-mnist with the EMA of G) and the PyTorch
# peer (../shared/peers/torch_dcgan_mnist.py), seeds 1-3, after 1 and 5
# epochs; 5,000 train-mode samples of each (batch norm from batches of 500,
# as the peer draws them), compared by gan-eval all with the even-numbered
# 5,000 MNIST test digits (as bench/calibrate-mnist.sh) on the lenet
# classifier's features.
#   bench/quality-mnist.sh train [-j JOBS] [-s SEEDS] [-p SEEDS|none] [-k KERNELS]
#                              [-o DIR]                         trainings (long)
#   bench/quality-mnist.sh eval [-o DIR]                          figures, table
# JOBS runs at a time (default 2), each on one thread; -s the seeds of both
# systems (default 1 2 3), -p the peer's if they differ (none: no peer);
# -k the gantools kernels, blas (default), onednn (--kernels onednn) or bf16
# (--kernels onednn --precision bf16), each named gantools_K and
# gantools_K_ema in the table (blas: gantools, gantools_ema); DIR default
# runs/quality-mnist. A peer run trains from scratch for 938 or 4688 steps
# (1 or 5 epochs of 60,000 at batch 64); gantools trains once per seed and
# samples after epochs 1 and 5, from G and from G_ema.
set -eu
. "$(dirname "$0")/../scripts/paths.sh"
peer=${PEER:-$root/../shared/peers/torch_dcgan_mnist.py}
data=${GANTOOLS_DATA:-$root/data}

cmd=${1:-}
[ $# -gt 0 ] && shift
jobs=2 seeds="1 2 3" pseeds= out=$root/runs/quality-mnist kernels=blas
while getopts j:s:p:o:k: opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	s) seeds=$OPTARG ;;
	p) pseeds=$OPTARG ;;
	o) out=$OPTARG ;;
	k) kernels=$OPTARG ;;
	*) cmd=usage ;;
	esac
done
say() { echo "quality-mnist: $*" >&2; }

# gantools SEED KERNELS: 5 epochs, samples of G and G_ema after epochs 1 and 5.
run_gantools() {
	case $2 in
	blas) name=gantools kopt="--kernels blas" ;;
	onednn) name=gantools_onednn kopt="--kernels onednn" ;;
	bf16) name=gantools_bf16 kopt="--kernels onednn --precision bf16" ;;
	*) say "-k: expected blas, onednn or bf16, got '$2'"; return 1 ;;
	esac
	d=$out/$name-s$1
	mkdir -p "$d"
	gan-init dcgan-mnist-ema --seed "$1" -o "$d/ckpt.st"
	for e in 1 2 3 4 5; do
		# shellcheck disable=SC2086 # kopt is two or four words
		gan-step "$d/ckpt.st" --data "$out/train.npy" --epochs 1 --threads 1 \
			--device cpu $kopt --log "$d/log.tsv" -o "$d/ckpt.st"
		case $e in 1|5)
			gan-sample "$d/ckpt.st" -n 5000 --seed 1 --bn batch --batch 500 \
				--device cpu -o "$out/samples/$name-e$e-s$1.npy"
			gan-sample "$d/ckpt.st" -n 5000 --seed 1 --bn batch --batch 500 --ema \
				--device cpu -o "$out/samples/${name}_ema-e$e-s$1.npy" ;;
		esac
	done
}

# peer SEED EPOCHS: the peer from scratch, its 5,000 samples (written under
# a temporary name, so an interrupted run leaves no sample file).
run_peer() {
	steps=$(( $2 == 1 ? 938 : 4688 ))
	PEER_SEED=$1 /usr/bin/python3 "$peer" 1 "$steps" "$data/mnist/train-images-idx3-ubyte" \
		"$out/logs/tmp-peer-e$2-s$1.npy" > "$out/logs/peer-e$2-s$1.txt" 2>&1
	mv "$out/logs/tmp-peer-e$2-s$1.npy" "$out/samples/peer-e$2-s$1.npy"
}

job() {
	case $1 in
	g) run_gantools "$2" "$3" > "$out/logs/gantools-$3-s$2.txt" 2>&1 ;;
	p) run_peer "$2" "$3" ;;
	esac && say "done: $*" || say "FAILED: $* (see $out/logs)"
}

case $cmd in
train)
	[ -f "$data/mnist/train-images-idx3-ubyte" ] || sh "$root/scripts/fetch-mnist.sh"
	mkdir -p "$out/samples" "$out/logs"
	gan-data mnist "$data/mnist/train-images-idx3-ubyte" -o "$out/train.npy"
	# The longest runs first (the peer's 5 epochs, then gantools), then the short ones.
	pseeds=${pseeds:-$seeds}
	[ "$pseeds" = none ] && pseeds=
	{ for s in $pseeds; do echo "p $s 5"; done
	  for k in $kernels; do for s in $seeds; do echo "g $s $k"; done; done
	  for s in $pseeds; do echo "p $s 1"; done; } > "$out/jobs"
	say "$(wc -l < "$out/jobs") jobs, $jobs at a time: logs in $out/logs"
	# One job per line, JOBS at a time, each in a fresh shell of this script.
	xargs -P "$jobs" -L 1 sh "$0" job -o "$out" < "$out/jobs"
	;;
job)
	# Internal: one line of the job list ("g SEED" or "p SEED EPOCHS").
	shift $((OPTIND - 1))
	job "$@"
	;;
eval)
	[ -f "$data/mnist/t10k-images-idx3-ubyte" ] || sh "$root/scripts/fetch-mnist.sh"
	gan-data mnist "$data/mnist/t10k-images-idx3-ubyte" -o "$out/test-all.npy"
	/usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[0::2])" \
		"$out/test-all.npy" "$out/real.npy"
	gan-classify features mnist "$out/real.npy" -o "$out/real-features.npy"
	printf 'system\tepochs\tseed\tfd\tkid_mean\tprecision\trecall\tdensity\tcoverage\tclass_max_share\tclass_entropy\n' \
		> "$out/figures.tsv"
	for f in "$out"/samples/*-e*-s*.npy; do
		b=$(basename "$f" .npy)
		sys=${b%%-e*} rest=${b#*-e} ep=${rest%%-s*} seed=${rest#*-s}
		gan-eval all "$out/real-features.npy" "$f" > "$out/samples/$b.tsv"
		awk -F '\t' -v s="$sys" -v e="$ep" -v r="$seed" '
			{ v[$1] = $2 }
			END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, e, r,
			      v["fd"], v["kid_mean"], v["precision"], v["recall"], v["density"],
			      v["coverage"], v["class_max_share"], v["class_entropy"] }' \
			"$out/samples/$b.tsv" >> "$out/figures.tsv"
	done
	sh "$here/quality-table.sh" "$out/figures.tsv"
	;;
*)
	echo "usage: quality-mnist.sh train [-j JOBS] [-s SEEDS] [-p SEEDS|none] [-k KERNELS] [-o DIR] | eval [-o DIR]" >&2
	exit 1
	;;
esac
