#!/usr/bin/env bats
# man-examples.bats - every EXAMPLES block of every man page is extracted
# and run, so none can rot: shell blocks in a folder of small inputs named
# as the pages name them; "$ command" lines have their output compared
# with the lines after them; a Python block is run on a stream of records;
# the model file of gantools-model(5) is the my.model of gan-init(1).

load helper

MAN="$BATS_TEST_DIRNAME/../man"

# blocks PAGE DIR: writes the literal blocks of PAGE's EXAMPLES section to
# DIR/1, DIR/2, ... (roff escapes \e undone) and prints their count.
blocks() {
	mkdir -p "$2"
	awk -v dir="$2" '
		/^\.Sh / { ex = ($2 == "EXAMPLES"); next }
		ex && /^\.Bd -literal/ { n++; f = dir "/" n; printf "" > f; inb = 1; next }
		inb && /^\.Ed/ { inb = 0; close(f); next }
		inb { gsub(/\\e/, "\\"); gsub(/\\\(aq/, "\047"); print > f }
		END { print n + 0 }' "$1"
}

# The inputs the pages name, made once per test file.
setup_file() {
	export FIX="$BATS_FILE_TMPDIR/fix"
	# the pages say python3: the one with NumPy
	mkdir -p "$BATS_FILE_TMPDIR/bin"
	ln -s "$PY" "$BATS_FILE_TMPDIR/bin/python3"
	export PATH="$BATS_FILE_TMPDIR/bin:$PATH"
	mkdir -p "$FIX" && cd "$FIX" || return 1
	blocks "$MAN/gantools-model.5" "$BATS_FILE_TMPDIR/model" > /dev/null
	cp "$BATS_FILE_TMPDIR/model/1" my.model
	gan-data gaussian2d -n 200 --seed 2 -o data.npy
	cp data.npy d.npy
	gan-init gaussian2d --seed 1 | gan-step --data d.npy --epochs 2 --log log.tsv > ckpt.st
	cp ckpt.st ck.st
	gan-sample ckpt.st -n 200 -o fake.npy
	gan-data gaussian1d -n 240 --mean 4 --std 0.5 -o data1.npy
	gan-init gaussian1d --seed 3 | gan-step --data data1.npy --epochs 1 --log l1.tsv > ckpt1.st
	gan-sample ckpt1.st -n 200 -o fake1.npy
	gan-init dcgan-mnist --seed 1 -o mnist.st
	mkdir -p runs/a runs/b runs/mnist data/mnist data/fashion-mnist data/pokemon/sub
	cp log.tsv runs/a/log.tsv
	cp l1.tsv runs/b/log.tsv
	gan-sample mnist.st --fixed --png runs/mnist/epoch-001.png --grid 5x5
	gan-sample mnist.st --fixed --bn batch --png runs/mnist/epoch-002.png --grid 5x5
	make_idx data/mnist/train-images-idx3-ubyte 60 28 28
	make_idx data/mnist/train-labels-idx1-ubyte 60
	make_idx fashion 10000 28 28
	gzip -c fashion > data/fashion-mnist/train-images-idx3-ubyte.gz
	for i in 1 2 3; do make_png data/pokemon/sub/$i.png 20 20 RGBA $i; done
	# gan-classify(1): MNIST-shaped IDX files with labels 0-9
	make_idx train-images-idx3-ubyte 130 28 28
	make_idx train-labels-idx1-ubyte 130
	make_idx t10k-images-idx3-ubyte 70 28 28
	make_idx t10k-labels-idx1-ubyte 70
	blocks "$MAN/gan-sample.1" "$BATS_FILE_TMPDIR/sample" > /dev/null
	cp "$BATS_FILE_TMPDIR/sample/2" read-stream.py
}

# run_page PAGE: runs each block of PAGE in a fresh copy of the inputs.
run_page() {
	local page=$1 dir="$BATS_TEST_TMPDIR/blocks" n
	n=$(blocks "$MAN/$page" "$dir")
	[ "$n" -ge 1 ]
	cp -R "$FIX" "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w" || return 1
	for k in $(seq 1 "$n"); do
		if head -1 "$dir/$k" | grep -q '^\$ '; then
			check_transcript "$dir/$k" || { echo "$page: block $k failed"; return 1; }
		elif head -1 "$dir/$k" | grep -q '^import '; then
			got=$({ gan-sample ck.st -n 3; gan-sample ck.st -n 2; } | "$PY" "$dir/$k")
			[ "$got" = "$(printf '(3, 2)\n(2, 2)')" ] ||
				{ echo "$page: block $k: got '$got'"; return 1; }
		elif head -1 "$dir/$k" | grep -q '^\['; then
			gan-init "$dir/$k" -o model-check.st
		else
			# (stderr is allowed: gan-step logs there by default)
			bash -e -o pipefail "$dir/$k" > "out.$k" 2> "err.$k" ||
				{ echo "$page: block $k failed:"; cat "$dir/$k" "err.$k"; return 1; }
		fi
	done
}

# check_transcript FILE: "$ command" lines are run, the lines up to the next
# one are the output they must print.
check_transcript() {
	local cmd="" want="" line
	while IFS= read -r line || [ -n "$line" ]; do
		if [ "${line#\$ }" != "$line" ]; then
			[ -z "$cmd" ] || [ "$(bash -e -o pipefail -c "$cmd")" = "$want" ] || return 1
			cmd=${line#\$ } want=""
		else
			want="${want:+$want
}$line"
		fi
	done < "$1"
	[ "$(bash -e -o pipefail -c "$cmd")" = "$want" ] || {
		echo "command: $cmd"; echo "expected: $want"; echo "got: $(bash -c "$cmd")"; return 1; }
}

@test "man examples: gan-classify(1)" { run_page gan-classify.1; }
@test "man examples: gan-data(1)" { run_page gan-data.1; }
@test "man examples: gan-eval(1)" { run_page gan-eval.1; }
@test "man examples: gan-info(1)" { run_page gan-info.1; }
@test "man examples: gan-init(1)" { run_page gan-init.1; }
@test "man examples: gan-plot(1)" { run_page gan-plot.1; }
@test "man examples: gan-sample(1)" { run_page gan-sample.1; }
@test "man examples: gan-step(1)" { run_page gan-step.1; }
@test "man examples: gantools-formats(5)" { run_page gantools-formats.5; }
@test "man examples: gantools-model(5)" { run_page gantools-model.5; }

@test "man examples: every page with an EXAMPLES section is covered here" {
	for p in "$MAN"/*.[0-9]; do
		grep -q '^\.Sh EXAMPLES' "$p" || continue
		grep -q "run_page ${p##*/};" "$BATS_TEST_FILENAME"
	done
}
