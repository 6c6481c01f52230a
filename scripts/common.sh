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
# noise, epoch-NNN.png, drawn with batch statistics (gan-sample --bn batch:
# G in train mode, as pytorch/examples and d2l draw theirs). Grids are
# numbered by the checkpoint's epoch, so a
# resumed run goes on from where the last one stopped.
train_by_epoch() {
	done_epochs=$(gan-info "$out/ckpt.st" | sed -n 's/^  epoch=//p')
	e=$((done_epochs + 1)) last=$((done_epochs + epochs))
	while [ "$e" -le "$last" ]; do
		step "epoch $e/$last"
		gan-step "$out/ckpt.st" --data "$out/data.npy" --epochs 1 --device "$device" \
			--threads "$threads" --log "$out/log.tsv" -o "$out/ckpt.st"
		gan-sample "$out/ckpt.st" --fixed --bn batch -n "$1" --png "$out/epoch-$(printf %03d "$e").png" \
			--grid "$2"
		e=$((e + 1))
	done
}
