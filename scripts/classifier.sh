#!/bin/sh
# classifier.sh mnist|fashion-mnist - trains the feature classifier of
# gan-eval (preset lenet, gan-classify) on the 60,000 training images of the
# data set, reports its accuracy on the 10,000 test images, and writes it to
# data/classifier-NAME.st (GANTOOLS_DATA overrides data/), where gan-eval
# finds it (gan-eval fd --features NAME ...). Fetches the data first.
# Options: -e EPOCHS (default the preset's 4)  -s SEED (1)  -t THREADS (2)
set -eu
. "$(dirname "$0")/paths.sh"
usage() { echo "usage: classifier.sh [-e EPOCHS] [-s SEED] [-t THREADS] mnist|fashion-mnist" >&2; exit 1; }
epochs="" seed=1 threads=2
while getopts e:s:t:h opt; do
	case $opt in
	e) epochs=$OPTARG ;;
	s) seed=$OPTARG ;;
	t) threads=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
name=$1
data=${GANTOOLS_DATA:-$root/data}
case $name in
mnist) sh "$here/fetch-mnist.sh"; sfx="" ;;
fashion-mnist) sh "$here/fetch-fashion-mnist.sh"; sfx=".gz" ;;
*) usage ;;
esac
say() { printf 'classifier: %s\n' "$*" >&2; }
src=$data/$name
tmp=$(mktemp -d "$data/.classifier-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
gan-data mnist "$src/train-images-idx3-ubyte$sfx" --labels "$src/train-labels-idx1-ubyte$sfx" \
	-o "$tmp/train.npy"
gan-data mnist "$src/t10k-images-idx3-ubyte$sfx" --labels "$src/t10k-labels-idx1-ubyte$sfx" \
	-o "$tmp/test.npy"
say "training lenet on $name (${epochs:-the preset's} epochs, seed $seed, $threads threads)"
start=$(date +%s)
gan-classify train ${epochs:+-e "$epochs"} -s "$seed" -t "$threads" --test "$tmp/test.npy" \
	-l "$tmp/log.tsv" -o "$tmp/classifier.st" "$tmp/train.npy"
sed 's/^/  /' "$tmp/log.tsv" >&2
gan-classify test -t "$threads" "$tmp/classifier.st" "$tmp/test.npy" > "$tmp/test.txt"
acc=$(awk '$1 == "accuracy" { print $2 }' "$tmp/test.txt")
mv "$tmp/classifier.st" "$data/classifier-$name.st"
cp "$tmp/log.tsv" "$data/classifier-$name.log.tsv"
say "$data/classifier-$name.st: test accuracy $acc ($(( $(date +%s) - start )) s)"
