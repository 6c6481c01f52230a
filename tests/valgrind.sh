#!/bin/sh
# valgrind.sh BIN - a few tools under valgrind's memcheck, on the VG=1 build
# (build-vg/, no -march=native: valgrind cannot run AVX-512 code): a small
# pipeline from gan-init to gan-plot, a gzip IDX, and bad inputs. Each case
# must give its usual exit status and no memcheck error or definite leak.
# Ends with one line "valgrind: N passed, N failed".
set -u
bin=${1:?usage: valgrind.sh BIN}
supp=$(cd "$(dirname "$0")" && pwd)/valgrind.supp
command -v valgrind > /dev/null || { echo "valgrind: not installed"; echo "valgrind: 0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 2
pass=0 fail=0
# vg WANT TOOL ARGS...: TOOL under memcheck must exit WANT (99 = memcheck).
vg() {
	want=$1 tool=$2
	shift 2
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--suppressions="$supp" \
		--log-file=vg.log "$bin/$tool" "$@" > out 2> err
	rc=$?
	if [ "$rc" -eq "$want" ] && [ ! -s vg.log ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL valgrind: $tool $* (exit $rc, want $want)"
		sed 's/^/  /' vg.log err | head -30
	fi
}
vg 0 gan-init gaussian2d --seed 1 -o g.st
vg 0 gan-data gaussian2d -n 200 --seed 2 -o d.npy
vg 0 gan-step --data d.npy --steps 30 --log-every 5 --log l.tsv -o g2.st g.st
vg 0 gan-sample -n 100 -o s.npy g2.st
vg 0 gan-info --stats s.npy
vg 0 gan-eval moments s.npy
vg 0 gan-plot loss l.tsv -o p.png
vg 0 gan-plot scatter d.npy s.npy --svg -o p.svg
printf '\000\000\010\003\000\000\000\002\000\000\000\002\000\000\000\002\001\002\003\004\005\006\007\010' > i.idx
gzip -c i.idx > i.gz
vg 0 gan-data mnist i.gz -o m.npy
head -c 1000 g2.st > cut.st
vg 1 gan-info cut.st
printf 'garbage' >> i.gz
vg 1 gan-data mnist i.gz
vg 1 gan-sample -n 4 cut.st
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
