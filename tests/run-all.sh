#!/bin/sh
# run-all.sh BUILD SANBUILD - the whole of `make check`: unit tests, the fuzz
# corpus replay and bats on the optimised build, then all again on the
# sanitizer build; then a few tools under valgrind on build-vg/ when built.
# Ends with one line "check: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
total_p=0 total_f=0
count() { # $1 = file holding a run's output; adds its unit/bats counts
	p=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$1")
	f=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$1")
	total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-0}))
}
replay_count() { # "fuzz-replay: N passed, N failed"; no such line is a failure
	p=$(sed -n 's/^fuzz-replay: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$1")
	f=$(sed -n 's/^fuzz-replay: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$1")
	[ -n "$p" ] || { p=0; f=1; }
	[ "$f" -eq 0 ] || rc=1
	total_p=$((total_p + p)); total_f=$((total_f + f))
}
bats_count() { # TAP output: ok / not ok lines
	p=$(grep -c '^ok ' "$1"); f=$(grep -c '^not ok ' "$1")
	total_p=$((total_p + p)); total_f=$((total_f + f))
	echo "bats: $p passed, $f failed"
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# intercept_tls_get_addr=0: the sanitizer runtime of gcc 12 / clang 14
# misreads glibc 2.36's dynamic TLS blocks and its leak check at exit then
# crashes ("Tracer caught signal 11", google/sanitizers#1322) in any process
# with threads and a dlopen'ed library that has thread-local data (oneDNN's
# libdnnl.so.2 under --kernels onednn); leaks are still checked everywhere.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:intercept_tls_get_addr=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
rc=0
for b in "$1" "$2"; do
	echo "== unit tests ($b)"
	sh tests/run-unit.sh "$b/tests" 2>&1 | tee "$tmp/unit"; count "$tmp/unit"
	grep -q '^unit: [0-9]* passed, 0 failed$' "$tmp/unit" || rc=1
	echo "== fuzz corpus replay ($b)"
	san=0; [ "${b##*/}" = build-san ] && san=1
	${MAKE:-make} --no-print-directory -s fuzz-replay SAN=$san 2>&1 | tee "$tmp/replay"
	replay_count "$tmp/replay"
	echo "== bats ($b)"
	GAN_BIN="$b/bin" bats --tap tests/*.bats 2>&1 | tee "$tmp/bats" || rc=1
	bats_count "$tmp/bats"
done
# memcheck on the valgrind build (make VG=1), where make check built it
if [ -d build-vg/bin ]; then
	echo "== valgrind (build-vg)"
	sh tests/valgrind.sh "$root/build-vg/bin" 2>&1 | tee "$tmp/vg"
	p=$(sed -n 's/^valgrind: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$tmp/vg")
	f=$(sed -n 's/^valgrind: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$tmp/vg")
	[ -n "$p" ] || { p=0; f=1; }
	[ "$f" -eq 0 ] || rc=1
	total_p=$((total_p + p)); total_f=$((total_f + f))
fi
echo "check: $total_p passed, $total_f failed"
[ "$total_f" -eq 0 ] && [ "$rc" -eq 0 ]
