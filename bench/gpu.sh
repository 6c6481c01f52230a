#!/bin/sh
# bench/gpu.sh BINDIR - `make bench-gpu`: gan-step --device cuda against the
# PyTorch peers on the same GPU (bench/peer_cuda.py runs them unchanged there),
# on the peers' random data: examples/s, the ratio, and GFLOP/s of the model's
# own work (bench/README.md), in fp32 (the peer with cuDNN's TF32 turned off)
# and with --precision tf32 (the peer as PyTorch runs by default). gan-step's rate comes from its --log-every 1 log
# after WARM steps (cuDNN picks its algorithms on the first sight of a batch);
# the peers time their own loop. Settings: BENCH_GPU_STEPS (200),
# BENCH_GPU_WARM (5), BENCH_PYTHON (python3), BENCH_PEERS (../shared/peers).
set -u
die() { echo "bench-gpu: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: sh bench/gpu.sh BINDIR"
bin=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
root=$(cd "$(dirname "$0")/.." && pwd)
steps=${BENCH_GPU_STEPS:-200}
warm=${BENCH_GPU_WARM:-5}
py=${BENCH_PYTHON:-python3}
peers=${BENCH_PEERS:-$root/../shared/peers}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gan-bench-gpu.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
export GAN_MODELS=${GAN_MODELS:-$root/models}

"$bin/gan-init" gaussian2d --seed 1 -o "$tmp/p.st" &&
	"$bin/gan-data" gaussian2d -n 64 --seed 1 -o "$tmp/p.npy" || die "gan-init or gan-data failed"
"$bin/gan-step" --device cuda --steps 1 --data "$tmp/p.npy" -o "$tmp/p2.st" "$tmp/p.st" \
	2>"$tmp/err" || die "no CUDA device: $(tail -n 1 "$tmp/err")"
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
havepeer=0
"$py" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' 2>/dev/null &&
	[ -f "$peers/torch_dcgan64.py" ] && havepeer=1

# log_rate, peer_rate
. "$root/bench/rates.sh"

# row NAME PRESET BATCH SHAPE GFLOP_PER_EXAMPLE STEPS PRECISION PEER_CMD...
row() {
	name=$1 preset=$2 batch=$3 shape=$4 work=$5 n=$6 prec=$7
	shift 7
	"$py" -c 'import numpy as np, sys
n, s = int(sys.argv[2]), tuple(int(v) for v in sys.argv[3].split("x"))
np.save(sys.argv[1], np.random.default_rng(1).integers(0, 256, (n,) + s, dtype=np.uint8))' \
		"$tmp/d.npy" $((batch * 8)) "$shape" || die "$py with numpy is needed for the data"
	"$bin/gan-init" "$preset" --seed 1 -o "$tmp/i.st" || die "gan-init $preset failed"
	"$bin/gan-step" --device cuda --precision "$prec" --batch "$batch" --steps "$n" --log-every 1 \
		--log "$tmp/log.tsv" --data "$tmp/d.npy" -o "$tmp/o.st" "$tmp/i.st" 2>"$tmp/err" ||
		die "gan-step $preset: $(tail -n 1 "$tmp/err")"
	ours=$(log_rate "$tmp/log.tsv" "$warm" "$batch")
	peer=
	if [ "$havepeer" = 1 ]; then
		tf=1
		[ "$prec" = tf32 ] || tf=0
		peer=$(PEER_TF32=$tf "$py" "$root/bench/peer_cuda.py" "$@" 2>"$tmp/perr" | peer_rate -)
		[ -n "$peer" ] || echo "bench-gpu: peer $1: $(tail -n 1 "$tmp/perr")" >&2
	fi
	awk -v n="$name" -v o="$ours" -v p="$peer" -v w="$work" 'BEGIN {
		printf "| %s | %.1f | %s | %s | %.0f |\n", n, o, (p == "" ? "-" : sprintf("%.1f", p)),
			(p == "" ? "-" : sprintf("%.2fx", o / p)), o * w }'
}

echo "GPU: ${gpu:-unknown}; host CPU: ${cpu:-unknown}; $steps steps, the first $warm dropped"
echo
echo "| workload | gantools ex/s | peer ex/s | ratio | gantools GFLOP/s |"
echo "|---|---|---|---|---|"
q=$((steps / 4 > warm ? steps / 4 : warm + 1))
for prec in fp32 tf32; do
	row "dcgan-mnist, batch 64, $prec" dcgan-mnist 64 1x28x28 0.163 "$steps" "$prec" \
		"$peers/torch_dcgan_mnist.py" 2 "$steps"
	row "dcgan64, batch 64, $prec" dcgan64 64 3x64x64 2.71 "$steps" "$prec" \
		"$peers/torch_dcgan64.py" 2 64 "$steps"
	row "dcgan64, batch 256, $prec" dcgan64 256 3x64x64 2.71 "$q" "$prec" \
		"$peers/torch_dcgan64.py" 2 256 "$q"
done
