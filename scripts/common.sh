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
