#!/bin/sh
# bench/mpi.sh - `make bench` rows for data-parallel training: dcgan64 and
# dcgan-mnist as 1 process x 1 thread, 1 x 2 threads and 2 processes x 1
# thread (mpirun, --sync-bn); examples/s, scaling efficiency, and per step
# the bytes reduced and the all-reduce time from gan-step's log; where this
# user may (root: unshare -n, tc), dcgan64's 2 processes again over TCP on a
# private loopback held to 1 Gbit/s, with --overlap off and on.
# Usage: sh bench/mpi.sh BINDIR. BENCH_MPI_STEPS64 (2), BENCH_MPI_STEPS (10),
# BENCH_MPI_LINK (1gbit; tc's rate of the slow link, empty: no such rows).
set -u
die() { echo "bench-mpi: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: sh bench/mpi.sh BINDIR"
bin=$(cd "$1" 2>/dev/null && pwd) || die "$1: no such directory"
command -v mpirun >/dev/null || { echo "bench-mpi: skipped (mpirun not found: openmpi-bin)"; exit 0; }
[ -f "$bin/../lib/libgantools-mpi.so" ] ||
	{ echo "bench-mpi: skipped (MPI support not built: libopenmpi-dev)"; exit 0; }
py=${BENCH_PYTHON:-/usr/bin/python3}
s64=${BENCH_MPI_STEPS64:-2}
smn=${BENCH_MPI_STEPS:-10}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gan-bench-mpi.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
grep -qw avx512f /proc/cpuinfo && export OPENBLAS_CORETYPE=SkylakeX
export OMP_WAIT_POLICY=PASSIVE
root=""
[ "$(id -u)" -eq 0 ] && root=--allow-run-as-root
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)

# rate LOG: examples/s over the per-step log lines after the first (warm-up).
rate() {
	awk '!/^#/ && NF >= 7 && $7 > 0 { if (++n > 1) { ex += b; t += b / $7 } }
		END { if (t > 0) printf "%.2f\n", ex / t; else print "-" }' b="$2" "$1"
}

# The slow link: $tmp/link.sh RATE CMD... runs CMD in the network namespace
# that unshare -n made, its loopback up and limited to RATE by a token
# bucket (tc tbf), so that mpirun's TCP transport crosses a link of that
# rate, as between two hosts. pre, mpix and gsx (empty for the plain rows)
# put it in front of mpirun, add mpirun's options and gan-step's.
link=${BENCH_MPI_LINK-1gbit}
cat >"$tmp/link.sh" <<'EOS'
ip link set lo up && tc qdisc add dev lo root tbf rate "$1" burst 1mb latency 100ms || exit 1
shift
exec "$@"
EOS
pre="" mpix="" gsx=""

# one NAME CKPT DATA BATCH STEPS PROCS THREADS: prints NAME, ex/s, bytes and
# ms of all-reduce per step (or - -).
one() {
	log=$tmp/$1.tsv
	rm -f "$log"
	set -- "$@" "$bin/gan-step" "$2" --data "$3" --batch "$4" --steps $(( $5 + 1 )) \
		--threads "$7" --device cpu --log-every 1 --log "$log" -o "$tmp/out.st"
	name=$1 batch=$4 procs=$6
	shift 7
	if [ "$procs" -gt 1 ]; then
		OMP_NUM_THREADS=1 $pre mpirun $root --oversubscribe -np "$procs" $mpix -x OMP_NUM_THREADS \
			-x OMP_WAIT_POLICY ${OPENBLAS_CORETYPE:+-x OPENBLAS_CORETYPE} "$@" --sync-bn $gsx \
			>"$tmp/err" 2>&1 || { tail -n 5 "$tmp/err" >&2; echo "$name - - -"; return; }
	else
		"$@" >"$tmp/err" 2>&1 || { tail -n 5 "$tmp/err" >&2; echo "$name - - -"; return; }
	fi
	red=$(awk '/^# processes/ { for (i = 1; i < NF; i++) {
			if ($i == "bytes_reduced_per_step") b = $(i + 1)
			if ($i == "allreduce_ms_per_step") m = $(i + 1) } }
		END { print (b == "" ? "-" : b), (m == "" ? "-" : m) }' "$log")
	echo "$name $(rate "$log" "$batch") $red"
}

"$py" -c "import numpy as np
np.save('$tmp/d64.npy', np.random.default_rng(1).integers(0, 256, (256, 3, 64, 64), dtype=np.uint8))
np.save('$tmp/mn.npy', np.random.default_rng(1).integers(0, 256, (4096, 1, 28, 28), dtype=np.uint8))" ||
	die "numpy could not write the data"
"$bin/gan-init" dcgan64 --seed 1 -o "$tmp/d64.st" && "$bin/gan-init" dcgan-mnist --seed 1 -o "$tmp/mn.st" ||
	die "gan-init failed"
{
	for w in "dcgan64 d64 64 $s64" "dcgan-mnist mn 64 $smn"; do
		set -- $w
		one "$1-1x1" "$tmp/$2.st" "$tmp/$2.npy" "$3" "$4" 1 1
		one "$1-1x2" "$tmp/$2.st" "$tmp/$2.npy" "$3" "$4" 1 2
		one "$1-2x1" "$tmp/$2.st" "$tmp/$2.npy" "$3" "$4" 2 1
	done
	if [ -n "$link" ] && unshare -n sh "$tmp/link.sh" "$link" true 2>/dev/null; then
		pre="unshare -n sh $tmp/link.sh $link"
		mpix="--mca btl tcp,self --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo"
		for o in off on; do
			gsx="--overlap $o"
			one "dcgan64-2x1-$link-overlap-$o" "$tmp/d64.st" "$tmp/d64.npy" 64 "$s64" 2 1
		done
		pre="" mpix="" gsx=""
	else
		echo "bench-mpi: no rows over a ${link:-slow} link (needs root for unshare -n and tc)" >&2
	fi
} >"$tmp/rows"
echo "data-parallel (mpirun --sync-bn, batch 64 global): $cpu, $(nproc) CPUs," \
	"OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, load $(cut -d ' ' -f 1 /proc/loadavg)"
awk 'BEGIN { fmt = "%-31s %10s %12s %16s %14s\n"
		printf fmt, "run (procs x thr)", "ex/s", "efficiency", "bytes/step", "allreduce ms" }
	{ w = $1; sub(/-[0-9]x[0-9].*$/, "", w); r[$1] = $2
	  if ($1 ~ /-2x1/ && r[w "-1x1"] > 0 && $2 != "-")
		e = sprintf("%.0f%%", 100 * $2 / (2 * r[w "-1x1"]))
	  else e = "-"
	  printf fmt, $1, $2, e, $3, $4 }' "$tmp/rows"
echo "efficiency: 2 processes' ex/s over twice 1 x 1's; 1x2 is one process on the same 2 cores"
[ -n "$link" ] && grep -q -- "-$link-" "$tmp/rows" &&
	echo "$link rows: the 2 processes over TCP on a loopback held to $link (tc tbf), gradients summed after (off) or during (on) each backward"
