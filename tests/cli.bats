#!/usr/bin/env bats
# cli.bats - the command-line convention of all eight tools (libcommon/cli):
# -h/--help lists every option with its default, in the words of the man
# page (tests/helpcheck.py), -V/--version, options before or after operands
# and subcommands, "--", and the strict parser of numbers, ranges and lists.

load helper

TOOLS="gan-data gan-init gan-step gan-sample gan-plot gan-info gan-eval gan-classify"

@test "cli: every tool has -h/--help and -V/--version, both exiting 0" {
	for t in $TOOLS; do
		run "$t" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: $t"* ]]
		[[ "$output" == *"  -h, --help"*"Print this help and exit"* ]]
		[[ "$output" == *"  -V, --version"*"Print the version and exit"* ]]
		run "$t" -h
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: $t"* ]]
		for v in -V --version; do
			run "$t" "$v"
			[ "$status" -eq 0 ]
			[ "$output" = "$t (gantools) 0.1.0" ]
		done
	done
}

@test "cli: --help of every tool and subcommand is the man page's OPTIONS, word for word" {
	scratch
	for t in $TOOLS; do
		"$t" --help > h.txt
		run "$PY" "$ROOT/tests/helpcheck.py" "$ROOT/man/$t.1" h.txt
		echo "$t: $output"
		[ "$status" -eq 0 ]
	done
	for ts in "gan-data gaussian2d" "gan-data gaussian1d" "gan-data mnist" "gan-data images" \
		  "gan-plot loss" "gan-plot metrics" "gan-plot scatter" "gan-plot density" \
		  "gan-plot grid" "gan-plot animate" "gan-eval moments" "gan-eval fd" \
		  "gan-eval kid" "gan-eval pr" "gan-eval all" "gan-eval classes" \
		  "gan-classify train" "gan-classify test" "gan-classify features"; do
		$ts --help > h.txt
		run "$PY" "$ROOT/tests/helpcheck.py" --subset "$ROOT/man/${ts%% *}.1" h.txt
		echo "$ts: $output"
		[ "$status" -eq 0 ]
	done
}

@test "cli: the help lists a default for every option that has one; after the usage, 80 columns" {
	run gan-step --help
	[[ "$output" == *"-b, --batch B"*"default"*"the"*"checkpoint's"* ]]
	[[ "$output" == *"--log-every K"*"default"*"one"*"per epoch"* ]]
	run gan-plot density --help
	[[ "$output" == *"--bins N"*"Histogram bins, 2 to 10000; default 50"* ]]
	for t in $TOOLS; do
		run bash -c "$t --help | awk '/^\$/ { past = 1 } past && length > 80' | wc -l"
		[ "$output" = 0 ]
	done
}

@test "cli: options before or after operands and subcommands; -- ends them" {
	scratch
	gan-data -n 20 --seed 3 gaussian2d -o a.npy
	gan-data gaussian2d -o b.npy --seed 3 -n 20
	cmp a.npy b.npy
	gan-init -o i1.st gaussian2d --seed 2
	gan-init --seed 2 gaussian2d -o i2.st
	cmp i1.st i2.st
	gan-step i1.st --data a.npy --steps 2 -o s1.st 2>/dev/null
	gan-step --steps 2 -o s2.st i1.st --data a.npy 2>/dev/null
	cmp s1.st s2.st
	gan-sample s1.st -n 4 -o p1.npy
	gan-sample -n 4 -o p2.npy s1.st
	cmp p1.npy p2.npy
	gan-step --data a.npy --steps 4 --log-every 1 --log log.tsv -o s4.st i1.st 2>/dev/null
	gan-plot -o l1.png loss log.tsv
	gan-plot loss log.tsv -o l2.png
	cmp l1.png l2.png
	gan-plot --delay 50 -o a1.png animate l1.png l2.png
	gan-plot animate l1.png l2.png -o a2.png --delay 50
	cmp a1.png a2.png
	gan-eval -t 1 fd a.npy b.npy > f1.txt
	gan-eval fd a.npy -k 2 b.npy --threads 1 > f2.txt
	cmp f1.txt f2.txt
	run gan-info a.npy --stats
	[ "$status" -eq 0 ]
	[[ "$output" == *" std "* ]]
	gan-eval --ref-mean 1,2 moments a.npy > e1.txt
	gan-eval moments a.npy --ref-mean 1,2 > e2.txt
	cmp e1.txt e2.txt
	cp a.npy ./-a.npy
	run gan-info -- -a.npy
	[ "$status" -eq 0 ]
	[[ "$output" == "record 1: x f32 20x2"* ]]
}

@test "cli: a subcommand after an option that takes an argument" {
	scratch
	make_idx img.idx 6 4 4
	make_idx lab.idx 6
	gan-data --labels lab.idx mnist img.idx -o a.npy
	gan-data mnist img.idx --labels lab.idx -o b.npy
	cmp a.npy b.npy
	[ "$(records a.npy)" = "uint8 6x1x4x4
int64 6" ]
	mkdir -p dir/c0
	make_png dir/c0/a.png 4 4
	gan-data --labels images dir --size 2 -o c.npy
	[ "$(records c.npy)" = "uint8 1x3x2x2
int64 1" ]
}

@test "cli: unknown options and missing arguments, one wording for every tool" {
	for t in gan-init gan-step gan-sample gan-info gan-classify gan-eval; do
		run "$t" --bogus
		[ "$status" -eq 1 ]
		[ "${lines[0]}" = "$t: --bogus: unknown option" ]
		[[ "${lines[1]}" == "usage: $t"* ]]
	done
	run gan-plot loss --bins 5 log.tsv
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "gan-plot: --bins: unknown option" ]
	run gan-step --data
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "gan-step: --data: missing argument" ]
	run gan-eval moments --ref-mean
	[ "${lines[0]}" = "gan-eval: --ref-mean: missing argument" ]
	run gan-eval --ref-mean 1 median
	[ "$status" -eq 1 ]
	[ "$output" = "gan-eval: unknown command 'median' (expected moments, fd, kid, pr, all or classes)" ]
	run gan-plot animate --smooth 3 a.png
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "gan-plot: --smooth: unknown option" ]
	[ "${lines[1]}" = "usage: gan-plot animate [-o FILE] [--delay MS] [--loop N] FRAME.png..." ]
	run gan-eval --kid 3 fd a.npy b.npy
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "gan-eval: --kid: unknown option" ]
	run gan-data --bogus gaussian2d
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "gan-data: --bogus: unknown option" ]
	run gan-data -h mnist
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: gan-data mnist"* ]]
	run gan-classify -t 2 guess
	[ "$status" -eq 1 ]
	[ "$output" = "gan-classify: unknown command 'guess' (expected train, test or features)" ]
}

@test "cli: numbers, ranges and lists are parsed strictly in every tool" {
	scratch
	gan-data gaussian1d -n 40 -o g1.npy
	run gan-plot density --range 1:2x g1.npy g1.npy -o d.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: --range: expected LO:HI with LO < HI, got '1:2x'" ]
	run gan-plot density --range " 1:2" g1.npy g1.npy -o d.png
	[ "$status" -eq 1 ]
	run gan-plot density --bins 3e g1.npy g1.npy -o d.png
	[ "$output" = "gan-plot: --bins: expected an integer from 2 to 10000, got '3e'" ]
	run gan-plot grid --scale 2x g1.npy -o d.png
	[ "$output" = "gan-plot: --scale: expected an integer from 1 to 32, got '2x'" ]
	run gan-data gaussian2d -n 5x
	[ "$output" = "gan-data: -n: expected a positive integer, got '5x'" ]
	run gan-data gaussian2d --seed +5
	[ "$output" = "gan-data: --seed: expected a non-negative integer, got '+5'" ]
	run gan-data gaussian1d --mean 1e
	[ "$output" = "gan-data: --mean: expected a number, got '1e'" ]
	run gan-init gaussian2d --seed 1.5
	[ "$output" = "gan-init: --seed: expected an integer 0..2^64-1, got '1.5'" ]
	gan-init gaussian2d -o ck.st
	run gan-sample -n " 4" ck.st
	[ "$output" = "gan-sample: -n: expected an integer in 1..1000000, got ' 4'" ]
	run gan-sample --grid 2x2x --png g.png ck.st
	[ "$output" = "gan-sample: --grid: expected RxC like 5x5, got '2x2x'" ]
	gan-sample --seed 18446744073709551615 -n 2 ck.st > big.npy
	run gan-step --data g1.npy --lr-d 1e-3x ck.st
	[ "$output" = "gan-step: --lr-d: expected a learning rate >= 0, got '1e-3x'" ]
	run gan-step --data g1.npy --steps 10x ck.st
	[[ "$output" == "gan-step: --steps: expected an integer in 1.."*", got '10x'" ]]
	run gan-eval moments --ref-mean 1,2, g1.npy
	[ "$output" = "gan-eval: --ref-mean: expected comma-separated numbers, got '1,2,'" ]
	run gan-eval moments --ref-mean "1, 2" g1.npy
	[ "$status" -eq 1 ]
	run gan-sample --scale 2.0 --png g.png ck.st
	[ "$output" = "gan-sample: --scale: expected an integer in 1..32, got '2.0'" ]
	run gan-sample --bn Batch ck.st
	[ "$output" = "gan-sample: --bn: expected 'running' or 'batch', got 'Batch'" ]
	run gan-step --data g1.npy --keep +3 --save-every 1 -o o.st ck.st
	[ "$output" = "gan-step: --keep: expected an integer in 1..1000000, got '+3'" ]
	run gan-plot loss --smooth 0x1 log.tsv
	[ "$output" = "gan-plot: --smooth: expected an integer from 1 to 100000, got '0x1'" ]
	run gan-plot animate --delay " 20" a.png
	[ "$output" = "gan-plot: --delay: expected an integer from 1 to 65535, got ' 20'" ]
	run gan-eval fd --kid-seed 1x a.npy b.npy
	[ "$output" = "gan-eval: --kid-seed: expected an integer in 0..4294967295, got '1x'" ]
	run gan-classify train --epochs 2e0 d.npy
	[ "$output" = "gan-classify: --epochs: expected an integer in 1..1000000, got '2e0'" ]
	run gan-classify train --seed -1 d.npy
	[ "$output" = "gan-classify: --seed: expected an integer 0..2^64-1, got '-1'" ]
}
