#!/bin/sh
# run-unit.sh DIR - runs every unit-test binary in DIR from the repository
# root, once under each OpenBLAS kernel set this CPU can run: the library's
# own choice, Haswell (AVX2 + FMA) and SkylakeX (AVX-512), so a result that
# depends on which kernel ran shows on whichever machine the suite runs.
# Prints each binary's line and a total; exit 1 if any failed.
# UNIT_KERNELS="default Haswell" overrides the list.
dir=$1
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { for f in "$@"; do case " $flags " in *" $f "*) ;; *) return 1;; esac; done; }
if [ -z "${UNIT_KERNELS:-}" ]; then
	UNIT_KERNELS=default
	has avx2 fma && UNIT_KERNELS="$UNIT_KERNELS Haswell"
	has avx512f avx512bw avx512dq avx512vl && UNIT_KERNELS="$UNIT_KERNELS SkylakeX"
fi
pass=0 fail=0
for k in $UNIT_KERNELS; do
	echo "  == OpenBLAS kernels: $k"
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		if [ "$k" = default ]; then
			out=$(env -u OPENBLAS_CORETYPE "$t" 2>&1); rc=$?
		else
			out=$(OPENBLAS_CORETYPE=$k "$t" 2>&1); rc=$?
		fi
		line=$(printf '%s\n' "$out" | tail -n 1)
		printf '%s\n' "$out" | grep -v ': [0-9]* passed, [0-9]* failed$' | sed 's/^/  /' >&2
		p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
		f=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
		if [ -z "$p" ]; then p=0; f=1; line="${t##*/}: crashed or printed no result (status $rc)"; fi
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
		echo "  $line"
		pass=$((pass + p)); fail=$((fail + f))
	done
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
