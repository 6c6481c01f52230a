# common.sh - sourced by the pipeline scripts: finds the tools (the build
# tree first, then PATH), parses and checks every shared option before any
# file is written, keeps a resumed run's data and seed, prints steps.
# A script sets name, default_epochs, limit, about (one line of help) and,
# when it trains on from DIR/ckpt.st, resumes=1, before sourcing this.
. "$(dirname "$0")/paths.sh"
prog=$(basename "$0")

usage() {
	echo "usage: $prog [-e EPOCHS] [-s SEED] [-o DIR] [-d cpu|cuda] [-t THREADS] [-n EXAMPLES]${resumes:+ [-k KEEP]}"
}
help() {
	usage
	cat <<HELP
$about

  -e EPOCHS    epochs to train (default $default_epochs)
  -s SEED      seed of the data, the initialisation and the samples (default ${default_seed:-1})
  -o DIR       the run's folder (default runs/$name)
  -d DEVICE    cpu or cuda (default cpu)
  -t THREADS   BLAS threads (default 2)
  -n EXAMPLES  examples in the data set (default $limit)
HELP
	if [ "${resumes:-}" ]; then
		cat <<HELP
  -k KEEP      keep only the KEEP newest per-epoch snapshots (default: all)
  -h, --help   this text

Run again on the same DIR, it resumes: it trains EPOCHS more epochs from
DIR/ckpt.st on the run's own data and seed (DIR/settings); a different -s
or -n is refused.
HELP
	else
		echo "  -h, --help   this text"
	fi
}
bad() {
	echo "$prog: $*" >&2
	exit 1
}
# uint NAME VALUE LO MAXDIGITS: VALUE is a decimal integer >= LO.
uint() {
	case $2 in
	'' | *[!0-9]*) bad "$1: expected an integer, got '$2'" ;;
	esac
	[ "${#2}" -le "$4" ] || bad "$1: '$2' is too large"
	[ "$2" -ge "$3" ] || bad "$1: expected an integer >= $3, got '$2'"
}

case "${1:-}" in
-h | --help) help; exit 0 ;;
esac
epochs=$default_epochs seed=${default_seed:-1} seed_given="" out="" device=cpu threads=2
limit_given="" keep=""
while getopts e:s:o:d:t:n:k:h opt; do
	case $opt in
	e) epochs=$OPTARG ;;
	s) seed=$OPTARG seed_given=1 ;;
	o) out=$OPTARG ;;
	d) device=$OPTARG ;;
	t) threads=$OPTARG ;;
	n) limit=$OPTARG limit_given=1 ;;
	k) keep=$OPTARG ;;
	h) help; exit 0 ;;
	*) usage >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "$prog: unexpected argument '$1'" >&2; usage >&2; exit 1; }
uint -e "$epochs" 1 6
uint -s "$seed" 0 18
uint -t "$threads" 1 4
uint -n "$limit" 1 9
[ -z "$keep" ] || uint -k "$keep" 1 6
[ -z "$keep" ] || [ "${resumes:-}" ] || bad "-k: $prog keeps no per-epoch snapshots"
case $device in
cpu | cuda) ;;
*) bad "-d: expected cpu or cuda, got '$device'" ;;
esac
out=${out:-runs/$name}
[ ! -e "$out" ] || [ -d "$out" ] || bad "-o $out: not a folder"

# A resumable run keeps its settings in DIR/settings: a resumed run trains
# on its own data and seed, and a different -s or -n is refused.
resuming=""
if [ "${resumes:-}" ] && [ -f "$out/ckpt.st" ]; then
	resuming=1
	if [ -f "$out/settings" ]; then
		old_seed=$(sed -n 's/^seed=//p' "$out/settings")
		old_limit=$(sed -n 's/^examples=//p' "$out/settings")
		[ -z "$seed_given" ] || [ "$seed" = "$old_seed" ] ||
			bad "$out: the run was started with -s $old_seed and resumes with it; leave out -s or start another -o DIR"
		[ -z "$limit_given" ] || [ "$limit" = "$old_limit" ] ||
			bad "$out: the run was started with -n $old_limit and resumes on that data; leave out -n or start another -o DIR"
		seed=$old_seed limit=$old_limit
	fi
fi
mkdir -p "$out"
if [ "${resumes:-}" ] && [ -z "$resuming" ]; then
	printf 'seed=%s\nexamples=%s\n' "$seed" "$limit" > "$out/settings.part"
	mv "$out/settings.part" "$out/settings"
fi
step() { printf '%s: %s\n' "$name" "$*" >&2; }

# train_by_epoch N RxC SCALE: trains $out/ckpt.st on $out/data.npy for
# $epochs more epochs, one at a time, keeping a snapshot of each
# (ckpt-epoch-NNN.st, the newest $keep when -k is given) and writing after
# each a grid of N images of the fixed noise, epoch-NNN.png, each pixel
# SCALE x SCALE, drawn with batch statistics (gan-sample --bn batch: G in
# train mode, as pytorch/examples and d2l draw theirs); real.png, a grid of
# the data's first N images, once; at the end animation.png, an APNG of all
# the epoch grids. Grids and snapshots are numbered by the checkpoint's
# epoch, so a resumed run goes on from where the last stopped.
train_by_epoch() {
	[ -f "$out/real.png" ] ||
		gan-plot grid "$out/data.npy" --grid "$2" --scale "$3" -o "$out/real.png"
	done_epochs=$(gan-info "$out/ckpt.st" | sed -n 's/^  epoch=//p')
	e=$((done_epochs + 1)) last=$((done_epochs + epochs))
	while [ "$e" -le "$last" ]; do
		step "epoch $e/$last"
		gan-step "$out/ckpt.st" --data "$out/data.npy" --epochs 1 --device "$device" \
			--threads "$threads" --log "$out/log.tsv" --save-every 1 \
			${keep:+--keep "$keep"} -o "$out/ckpt.st"
		gan-sample "$out/ckpt.st" --fixed --bn batch -n "$1" --grid "$2" --scale "$3" \
			--png "$out/epoch-$(printf %03d "$e").png"
		[ -z "${metrics:-}" ] || epoch_metrics "$e"
		e=$((e + 1))
	done
	gan-plot animate --delay 400 "$out"/epoch-[0-9][0-9][0-9]*.png -o "$out/animation.png"
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
