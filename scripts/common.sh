# common.sh - sourced by the pipeline scripts: finds the tools (the build
# tree first, then PATH), parses the shared options and prints steps.
# Options: -e EPOCHS  -s SEED  -o DIR  -d DEVICE (cpu|cuda)  -t THREADS
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
[ -x "$root/build/bin/gan-step" ] && PATH="$root/build/bin:$PATH"
export PATH
GAN_MODELS=${GAN_MODELS:-$root/models}
export GAN_MODELS

epochs=$default_epochs seed=1 seed_given="" out="" device=cpu threads=2
while getopts e:s:o:d:t:n:h opt; do
	case $opt in
	e) epochs=$OPTARG ;;
	s) seed=$OPTARG seed_given=1 ;;
	o) out=$OPTARG ;;
	d) device=$OPTARG ;;
	t) threads=$OPTARG ;;
	n) limit=$OPTARG ;;
	*) echo "usage: $(basename "$0") [-e EPOCHS] [-s SEED] [-o DIR] [-d cpu|cuda] [-t THREADS] [-n EXAMPLES]" >&2
	   exit 1 ;;
	esac
done
out=${out:-runs/$name}
mkdir -p "$out"
step() { printf '%s: %s\n' "$name" "$*" >&2; }

# train_by_epoch N RxC: trains $out/ckpt.st on $out/data.npy for $epochs more
# epochs, one at a time, writing after each a grid of N images of the fixed
# noise, epoch-NNN.png. Grids are numbered by the checkpoint's epoch, so a
# resumed run goes on from where the last one stopped.
train_by_epoch() {
	done_epochs=$(gan-info "$out/ckpt.st" | sed -n 's/^  epoch=//p')
	e=$((done_epochs + 1)) last=$((done_epochs + epochs))
	while [ "$e" -le "$last" ]; do
		step "epoch $e/$last"
		gan-step "$out/ckpt.st" --data "$out/data.npy" --epochs 1 --device "$device" \
			--threads "$threads" --log "$out/log.tsv" -o "$out/ckpt.st"
		gan-sample "$out/ckpt.st" --fixed -n "$1" --png "$out/epoch-$(printf %03d "$e").png" \
			--grid "$2"
		[ -z "${metrics:-}" ] || epoch_metrics "$e"
		e=$((e + 1))
	done
}

# metrics_setup NAME TEST_IMAGES: the quality figures after each epoch
# (train_by_epoch calls epoch_metrics) on the classifier NAME
# (data/classifier-NAME.st, made by scripts/classifier.sh NAME), against
# all TEST_IMAGES (IDX; MNIST's 10,000: both its cleaner first half and the
# rest), their features computed once. Without the classifier or the test
# images, or with METRICS=0, the figures are skipped with a note.
metrics_setup() {
	metrics=""
	[ "${METRICS:-1}" = 0 ] && return 0
	if ! [ -f "${GANTOOLS_DATA:-$root/data}/classifier-$1.st" ]; then
		step "no quality figures: no classifier-$1.st (sh scripts/classifier.sh $1 makes it)"
		return 0
	fi
	if ! [ -f "$2" ]; then
		step "no quality figures: no test images $2"
		return 0
	fi
	metrics=$1
	gan-data mnist "$2" -o "$out/real.npy"
	gan-classify features -t "$threads" "$metrics" "$out/real.npy" -o "$out/real-features.npy"
}

# epoch_metrics E: 5,000 samples (METRICS_N sets another count) of G after
# epoch E (seed 1: the same latent vectors each epoch; batch norm from
# batches of 500, as the peers sample), and of G_ema when the checkpoint
# keeps one, against the real set: one line each in $out/metrics.tsv, for
# gan-plot metrics.
epoch_metrics() {
	[ -s "$out/metrics.tsv" ] || printf '# epoch\tstep\tnet\tfd\tkid\tprecision\trecall\tdensity\tcoverage\tclass_max_share\tclass_entropy\n' > "$out/metrics.tsv"
	st=$(gan-info "$out/ckpt.st" | sed -n 's/^  step=//p')
	nets=G
	gan-info "$out/ckpt.st" | grep -q '^G_ema\.' && nets="G G_ema"
	for net in $nets; do
		gan-sample "$out/ckpt.st" -n "${METRICS_N:-5000}" --seed 1 --bn batch --batch 500 \
			$([ "$net" = G_ema ] && echo --ema) --device "$device" -o "$out/fake.npy"
		gan-eval all -t "$threads" --features "$metrics" "$out/real-features.npy" "$out/fake.npy" |
			awk -F '\t' -v e="$1" -v s="$st" -v n="$net" '{ v[$1] = $2 }
			END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e, s, n, v["fd"],
			      v["kid_mean"], v["precision"], v["recall"], v["density"], v["coverage"],
			      v["class_max_share"], v["class_entropy"] }' >> "$out/metrics.tsv"
		step "epoch $1 $net: $(tail -n 1 "$out/metrics.tsv" | cut -f 4-7 |
			awk -F '\t' '{ printf "FD %s KID %s precision %s recall %s", $1, $2, $3, $4 }')"
	done
	rm -f "$out/fake.npy"
}
