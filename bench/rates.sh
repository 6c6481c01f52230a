# bench/rates.sh - sourced by bench/run.sh, bench/gpu.sh and bench/ab.sh: the
# rates they read off gan-step's log and the peers' output.

# log_rate LOG WARM BATCH: examples/s over the log lines (--log-every 1) after the
# first WARM ones: all examples over the sum of the per-step times; status 1 if none.
log_rate() {
	awk -v w="$2" -v b="$3" '!/^#/ && NF >= 7 && $7 > 0 { if (++n > w) { ex += b; t += b / $7 } }
		END { if (t > 0) printf "%.2f\n", ex / t; else exit 1 }' "$1"
}

# peer_rate LOG: the number before "examples/sec" in a peer's output ("-":
# stdin); status 1 if none.
peer_rate() {
	awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^examples\/sec/) r = $(i - 1) }
		END { if (r == "") exit 1; print r }' "$1"
}
