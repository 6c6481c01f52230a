#!/bin/sh
# crash-safety.sh BIN [N [SEED]] - kills `gan-step -o ck.st ck.st` with
# SIGKILL at N random moments of its run and checks that ck.st then loads
# (gan-info) and is byte for byte the old or the new checkpoint. Counts the
# temporary files (.ck.st.tmp.<pid>.*) a kill leaves behind: a kill between
# outfile_open and the rename leaves one, which the next write of ck.st
# removes (its writer is gone), so there is at most one at any time and
# none after one more successful write at the end.
# Prints "crash-safety: N trials: A old, B new, C torn; at most M temp
# files at once, T left after a last write". Fails on a torn file or a
# temp file left after the last write.
# With SIG (TERM, INT or HUP) the runs get that signal instead, and each
# trial must also leave no temp file at all, exit 0 or 128 + the signal,
# and print at most one line ("gan-step: interrupted by SIGTERM...").
set -u
bin=$(cd "${1:?usage: crash-safety.sh BIN [N [SEED [SIG]]]}" && pwd)
n=${2:-200}
seed=${3:-1}
sig=${4:-KILL}
case $sig in
KILL) signo=9 ;; TERM) signo=15 ;; INT) signo=2 ;; HUP) signo=1 ;;
*) echo "crash-safety: signal $sig not one of KILL TERM INT HUP" >&2; exit 2 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy of the tools, so a rebuild during the trials is no failure.
mkdir "$work/bin" && for t in gan-init gan-sample gan-step gan-info; do
	cp "$bin/$t" "$work/bin/" || exit 2
done
PATH=$work/bin:$PATH
GAN_MODELS=$(cd "$(dirname "$0")/../models" && pwd)
export GAN_MODELS
cd "$work" || exit 2
export ASAN_OPTIONS=detect_leaks=0

gan-init gaussian2d --seed 1 -o old.st || exit 2
gan-init gaussian2d --seed 9 | gan-sample -n 200 > d.npy || exit 2
step() { gan-step --data d.npy --steps 10 --log /dev/null "$@"; }
step -o new.st old.st || exit 2
cmp -s old.st new.st && { echo "crash-safety: one step left the checkpoint unchanged"; exit 2; }

# Microseconds of one whole run (the mean of three), to spread the kills.
t0=$(date +%s%N)
for i in 1 2 3; do
	cp old.st ck.st && step -o ck.st ck.st || exit 2
	cmp -s ck.st new.st || { echo "crash-safety: gan-step is not deterministic"; exit 2; }
done
t1=$(date +%s%N)
us=$(( (t1 - t0) / 3000 ))

old=0 new=0 torn=0 most=0 stray=0 badexit=0
awk -v n="$n" -v s="$seed" -v us="$us" 'BEGIN { srand(s);
	for (i = 0; i < n; i++) printf "%.6f\n", rand() * us * 1.1 / 1e6 }' > delays
while read -r d; do
	cp old.st ck.st
	# Not through step(): a backgrounded function is a subshell, and
	# killing it would leave gan-step running.
	# env: a background job of sh starts with SIGINT ignored
	env --default-signal=INT gan-step --data d.npy --steps 10 --log /dev/null \
		-o ck.st ck.st 2> err &
	pid=$!
	sleep "$d"
	kill -"$sig" "$pid" 2>/dev/null
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	if [ "$sig" != KILL ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne $((128 + signo)) ]; then
			badexit=$((badexit + 1))
			echo "crash-safety: exit $rc after SIG$sig at ${d}s: $(cat err)" >&2
		elif [ "$(wc -l < err)" -gt 1 ]; then
			badexit=$((badexit + 1))
			echo "crash-safety: more than one line after SIG$sig: $(cat err)" >&2
		fi
		s=$(ls -A | grep -c '^\.ck\.st\.tmp\.')
		[ "$s" -gt 0 ] && echo "crash-safety: SIG$sig at ${d}s left a temp file" >&2
		stray=$((stray + s))
	fi
	if cmp -s ck.st old.st; then
		old=$((old + 1))
	elif cmp -s ck.st new.st; then
		new=$((new + 1))
	else
		torn=$((torn + 1))
		cp ck.st "torn.$torn.st"
		echo "crash-safety: torn checkpoint after a kill at ${d}s" >&2
	fi
	if ! gan-info ck.st > /dev/null 2> info.err; then
		torn=$((torn + 1))
		echo "crash-safety: gan-info failed after a kill at ${d}s: $(cat info.err)" >&2
	fi
	# Left in place: the next trial's write must remove them.
	temps=$(ls -A | grep -c '^\.ck\.st\.tmp\.')
	[ "$temps" -gt "$most" ] && most=$temps
done < delays
step -o ck.st ck.st || exit 2
left=$(ls -A | grep -c '^\.ck\.st\.tmp\.')
if [ "$sig" = KILL ]; then
	echo "crash-safety: $n trials (run of ${us}us): $old old, $new new, $torn torn;" \
		"at most $most temp files at once, $left left after a last write"
	[ "$torn" -eq 0 ] && [ "$left" -eq 0 ]
else
	echo "crash-safety: $n SIG$sig trials (run of ${us}us): $old old, $new new," \
		"$torn torn; $stray temp files left by a signal, $badexit bad exits," \
		"$left left after a last write"
	[ "$torn" -eq 0 ] && [ "$left" -eq 0 ] && [ "$stray" -eq 0 ] && [ "$badexit" -eq 0 ]
fi
