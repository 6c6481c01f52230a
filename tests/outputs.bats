#!/usr/bin/env bats
# outputs.bats - where -o writes (issue 12): a regular file or new name is
# replaced atomically; a device, FIFO or socket is written directly; a
# symlink is followed; closed descriptors 0-2; SIGINT, SIGTERM and SIGHUP
# during a write; the old file's mode; names near the folder's limit.
# Device nodes, FIFOs and sockets are made in the test's own folder: the
# machine's /dev is never written.

load helper

setup() { scratch; }

# is_ckpt FILE: a valid gaussian2d checkpoint (gan-info reads it).
is_ckpt() { gan-info "$1" > /dev/null; }

@test "-o on a character device writes into it and leaves the node a device" {
	[ "$(id -u)" -eq 0 ] || skip "mknod needs root"
	mknod null c 1 3
	run gan-init gaussian2d -o null
	[ "$status" -eq 0 ]
	[ -c null ]
	[ -z "$(ls -A | grep -v '^null$')" ]
}

@test "-o on a FIFO writes into it: the reader gets the whole checkpoint" {
	mkfifo fifo
	timeout 20 cat fifo > got.st &
	run gan-init gaussian2d --seed 3 -o fifo
	wait
	[ "$status" -eq 0 ]
	[ -p fifo ]
	gan-init gaussian2d --seed 3 -o want.st
	cmp got.st want.st
}

@test "-o on a Unix socket connects and writes the checkpoint to it" {
	"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("sock"); s.listen(1); s.settimeout(20)
open("ready", "w").close()
c, _ = s.accept(); out = open("got.st", "wb")
while True:
    b = c.recv(65536)
    if not b: break
    out.write(b)
' &
	for i in $(seq 100); do [ -e ready ] && break; sleep 0.05; done
	run gan-init gaussian2d --seed 4 -o sock
	wait
	[ "$status" -eq 0 ]
	[ -S sock ]
	gan-init gaussian2d --seed 4 -o want.st
	cmp got.st want.st
	run gan-init gaussian2d -o sock
	[ "$status" -eq 1 ]
	[ "$output" = "gan-init: sock: Connection refused" ]
}

@test "-o on a symlink replaces its target and keeps the link" {
	echo old > real.st
	ln -s real.st link.st
	run gan-init gaussian2d -o link.st
	[ "$status" -eq 0 ]
	[ -L link.st ]
	[ "$(readlink link.st)" = real.st ]
	is_ckpt real.st
	ln -s sub/new.st dangling.st
	mkdir sub
	run gan-init gaussian2d -o dangling.st
	[ "$status" -eq 0 ]
	[ -L dangling.st ]
	is_ckpt sub/new.st
	ln -s loop1 loop2
	ln -s loop2 loop1
	run gan-init gaussian2d -o loop1
	[ "$status" -eq 1 ]
	[ "$output" = "gan-init: loop1: Too many levels of symbolic links" ]
}

@test "-o on a link to /proc/self/fd/1 (as /dev/stdout is) writes to stdout" {
	ln -s /proc/self/fd/1 stdout
	gan-init gaussian2d --seed 5 -o stdout > got.st
	[ -L stdout ]
	gan-init gaussian2d --seed 5 > want.st
	cmp got.st want.st
	gan-init gaussian2d --seed 5 -o /proc/self/fd/1 | cmp - want.st
	# appended, as the shell's >> asked, not replaced
	echo head > both
	gan-init gaussian2d --seed 5 -o stdout >> both
	[ "$(head -c 5 both)" = head ]
	[ "$(stat -c %s both)" -eq $(( $(stat -c %s want.st) + 5 )) ]
}

@test "a closed stderr or stdin never lands in the checkpoint (fds 0-2 reopened)" {
	gan-init gaussian2d --seed 1 -o old.st
	gan-init gaussian2d --seed 9 | gan-sample -n 200 > d.npy
	# not under run: run would redirect stderr again
	gan-step --data d.npy --steps 3 -o o.st old.st 2>&-
	is_ckpt o.st
	gan-step --data d.npy --steps 3 -o want.st old.st 2> /dev/null
	cmp o.st want.st
	gan-step --data d.npy --steps 3 -o o2.st old.st <&- 2> /dev/null
	cmp o2.st want.st
}

@test "a closed stdout is a write error, not a silent success" {
	run sh -c 'gan-init gaussian2d >&-'
	[ "$status" -eq 2 ]
	[ "$output" = "gan-init: <stdout>: write error: Bad file descriptor" ]
}

# signal_during_write SIG [WRAP...]: a long gan-step -o ck.st killed by SIG
# once its temporary exists; leaves status, err and the folder to check.
signal_during_write() {
	local sig=$1
	shift
	gan-init gaussian2d --seed 1 -o ck.st
	chmod 640 ck.st
	cp ck.st before.st
	gan-init gaussian2d --seed 9 | gan-sample -n 1000 > d.npy
	"$@" gan-step --data d.npy --epochs 100000 --log /dev/null -o ck.st ck.st 2> err &
	local pid=$! i
	for i in $(seq 200); do
		ls -A | grep -q '^\.ck\.st\.tmp\.' && break
		sleep 0.05
	done
	kill -"$sig" "$pid"
	status=0
	wait "$pid" || status=$?
}

@test "SIGTERM during a write: temp removed, one line, exit 143, old file kept" {
	# the caller may have started us with a signal ignored (nohup, a
	# background job): the child gets the default action back either way
	signal_during_write TERM env --default-signal=TERM
	[ "$status" -eq 143 ]
	[ "$(cat err)" = "gan-step: interrupted by SIGTERM; output not written" ]
	[ -z "$(ls -A | grep '\.tmp\.')" ]
	cmp ck.st before.st
}

@test "SIGHUP and SIGINT during a write: temp removed, exit 129 and 130" {
	signal_during_write HUP env --default-signal=HUP
	[ "$status" -eq 129 ]
	[ "$(cat err)" = "gan-step: interrupted by SIGHUP; output not written" ]
	[ -z "$(ls -A | grep '\.tmp\.')" ]
	cmp ck.st before.st
	# a background job of a script starts with SIGINT ignored: restore it
	signal_during_write INT env --default-signal=INT
	[ "$status" -eq 130 ]
	[ "$(cat err)" = "gan-step: interrupted by SIGINT; output not written" ]
	[ -z "$(ls -A | grep '\.tmp\.')" ]
	cmp ck.st before.st
}

@test "a signal ignored on entry (nohup) stays ignored" {
	gan-init gaussian2d --seed 1 -o ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 200 > d.npy
	nohup gan-step --data d.npy --steps 2000 --log /dev/null -o ck2.st ck.st 2> err > /dev/null &
	local pid=$!
	sleep 0.3
	kill -HUP "$pid" 2> /dev/null || true
	wait "$pid"
	is_ckpt ck2.st
}

@test "rewriting a file keeps its mode (600 stays 600) and its owner" {
	gan-init gaussian2d --seed 1 -o ck.st
	chmod 600 ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 100 > d.npy
	gan-step --data d.npy --steps 2 --log /dev/null -o ck.st ck.st
	[ "$(stat -c %a ck.st)" = 600 ]
	if [ "$(id -u)" -eq 0 ]; then
		chown 12345:23456 ck.st
		gan-step --data d.npy --steps 2 --log /dev/null -o ck.st ck.st
		[ "$(stat -c %u:%g:%a ck.st)" = 12345:23456:600 ]
	fi
	umask 022
	gan-init gaussian2d -o fresh.st
	[ "$(stat -c %a fresh.st)" = 644 ]
}

@test "names of 236 to 255 bytes can be written (the temp name is shortened)" {
	local n
	for n in 236 240 250 255; do
		local name
		name=$(printf 'a%.0s' $(seq $((n - 3)))).st
		run gan-init gaussian2d -o "$name"
		[ "$status" -eq 0 ]
		is_ckpt "$name"
		# a second write finds and replaces it
		run gan-init gaussian2d --seed 2 -o "$name"
		[ "$status" -eq 0 ]
	done
	[ "$(ls -A | wc -l)" -eq 4 ]
	run gan-init gaussian2d -o "$(printf 'a%.0s' $(seq 256))"
	[ "$status" -eq 1 ]
	[[ "$output" == *": File name too long" ]]
}
