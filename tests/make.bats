#!/usr/bin/env bats
# make.bats - the build's own promises: a missing compiler or -dev package
# stops `make` at once with one line (not a compile error), and the
# dependency script names what it would install.
ROOT="$BATS_TEST_DIRNAME/.."

@test "make: missing headers stop the build at once with one line" {
	run make -s -C "$ROOT" CC=false B="$BATS_TEST_TMPDIR/b" all
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"missing build packages: "*"install them with 'make deps' (scripts/install-deps.sh) or run 'make demo'."* ]]
	[ ! -e "$BATS_TEST_TMPDIR/b" ]
}

@test "make: goals that install first are not stopped by the check" {
	run make -n -C "$ROOT" CC=false B="$BATS_TEST_TMPDIR/b" deps
	[ "$status" -eq 0 ]
}

@test "install-deps.sh: --missing lists nothing here, a bad option is refused" {
	run sh "$ROOT/scripts/install-deps.sh" --missing
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sh "$ROOT/scripts/install-deps.sh" --bogus
	[ "$status" -eq 1 ]
	[ "$output" = "usage: install-deps.sh [--missing | --missing-build | --bench]" ]
}
