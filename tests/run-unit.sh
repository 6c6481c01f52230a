#!/bin/sh
# run-unit.sh DIR - runs every unit-test binary in DIR from the repository
# root; prints each binary's line and a total. Exit 1 if any failed.
dir=$1
pass=0 fail=0
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | tail -n 1)
	printf '%s\n' "$out" | grep -v ': [0-9]* passed, [0-9]* failed$' | sed 's/^/  /' >&2
	p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then p=0; f=1; line="${t##*/}: crashed or printed no result (status $rc)"; fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	echo "  $line"
	pass=$((pass + p)); fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
