#!/usr/bin/env bats
# gan-step-snapshots.bats - gan-step --save-every N / --keep K: snapshots
# beside -o FILE, equal to a run stopped there, the oldest pruned.

[ -f "$BATS_TEST_DIRNAME/helper.bash" ] && load helper
PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"

enter() {
	cd "$BATS_TEST_TMPDIR"
	gan-init gaussian2d --seed 1 -o ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 200 > d.npy
	mkdir run
}

@test "gan-step --save-every N: a snapshot every N epochs, equal to a run stopped there" {
	enter
	gan-step ck.st --data d.npy --epochs 5 --save-every 2 --log l.tsv -o run/ck.st
	[ "$(ls run | tr '\n' ' ')" = "ck-epoch-002.st ck-epoch-004.st ck.st " ]
	gan-step ck.st --data d.npy --epochs 4 --log l.tsv -o four.st
	cmp four.st run/ck-epoch-004.st
	gan-step run/ck-epoch-004.st --data d.npy --epochs 1 --log l.tsv -o five.st
	cmp five.st run/ck.st
	# a resumed run numbers its snapshots by the checkpoint's epoch
	gan-step run/ck.st --data d.npy --epochs 1 --save-every 1 --log l.tsv -o run/ck.st
	[ -f run/ck-epoch-006.st ]
	# no temporaries left behind
	[ "$(ls -A run | grep -c tmp)" -eq 0 ]
}

@test "gan-step --save-every N --steps: snapshots by step; --keep K prunes the oldest" {
	enter
	gan-step ck.st --data d.npy --steps 50 --save-every 20 --log l.tsv -o run/s.safetensors
	[ "$(ls run | tr '\n' ' ')" = "s-step-000020.safetensors s-step-000040.safetensors s.safetensors " ]
	gan-step ck.st --data d.npy --epochs 6 --save-every 1 --keep 2 --log l.tsv -o run/ck.st
	[ "$(ls run | grep ck | tr '\n' ' ')" = "ck-epoch-005.st ck-epoch-006.st ck.st " ]
	# other files and other kinds are never touched
	touch run/ck-epoch-x.st run/ck-epoch-001.npy run/other-epoch-001.st
	gan-step run/ck.st --data d.npy --epochs 1 --save-every 1 --keep 1 --log l.tsv -o run/ck.st
	[ "$(ls run | grep -c 'ck-epoch-0..\.st')" -eq 1 ]
	[ -f run/ck-epoch-007.st ] && [ -f run/ck-epoch-x.st ] && [ -f run/ck-epoch-001.npy ]
	[ -f run/other-epoch-001.st ] && [ -f run/s-step-000040.safetensors ]
}

@test "gan-step --save-every: usage errors" {
	enter
	run gan-step ck.st --data d.npy --save-every 1
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --save-every needs -o FILE (snapshots are written beside it)" ]
	run gan-step ck.st --data d.npy --keep 2 -o x.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: --keep needs --save-every N" ]
	run gan-step ck.st --data d.npy --save-every 0 -o x.st
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-step: --save-every: expected an integer in 1.."* ]]
	[ ! -e x.st ]
}
