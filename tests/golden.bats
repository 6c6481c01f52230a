#!/usr/bin/env bats
# golden.bats - Netpbm-style golden checksums: gan-data and gan-init outputs
# (the same on every machine) and, per preset, a 3-step gan-step and a
# gan-sample of it (per numeric platform) against tests/golden/SUMS, so that a
# drift of a format, the RNG or a kernel that changes both sides of a
# round-trip comparison is still caught.

load helper

setup_file() {
	sh "$BATS_TEST_DIRNAME/golden/sums.sh" "$GAN_BIN" > "$BATS_FILE_TMPDIR/now"
}

# check KEY-PATTERN: every line of SUMS whose key matches has the same sum now.
check() {
	local sums=$BATS_TEST_DIRNAME/golden/SUMS now=$BATS_FILE_TMPDIR/now bad=0 n=0
	while read -r key name want; do
		case $key in \#*|"") continue ;; esac
		[ "$key" = "$1" ] || continue
		n=$((n + 1))
		got=$(awk -v k="$key" -v nm="$name" '$1 == k && $2 == nm { print $3 }' "$now")
		if [ "$got" != "$want" ]; then
			echo "$name: sha256 ${got:-missing}, expected $want"
			bad=1
		fi
	done < "$sums"
	echo "$n sums checked for $1"
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

@test "golden: gan-data and gan-init outputs match their recorded checksums" {
	check any
}

@test "golden: the Gaussians' 3-step gan-step and gan-sample match on every CPU of this architecture" {
	arch=$(uname -m)
	grep -q "^$arch " "$BATS_TEST_DIRNAME/golden/SUMS" ||
		skip "no golden sums recorded for $arch (tests/golden/record.sh)"
	check "$arch"
}

@test "golden: 3-step gan-step and gan-sample of each DCGAN match this platform's checksums" {
	key=$(sed -n 's/^platform //p' "$BATS_FILE_TMPDIR/now")
	grep -q "^$key " "$BATS_TEST_DIRNAME/golden/SUMS" ||
		skip "no golden sums recorded for platform $key (tests/golden/record.sh)"
	check "$key"
}
