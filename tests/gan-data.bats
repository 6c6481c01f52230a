#!/usr/bin/env bats
# gan-data.bats - gan-data: every subcommand and option, exact error texts
# and statuses, outputs checked with numpy, and the data fetch scripts.

load helper

setup() { scratch; }

U2='usage: gan-data gaussian2d [-n N] [--seed S] [--shuffle] [-o FILE]'
U1='usage: gan-data gaussian1d [-n N] [--mean M] [--std S] [--seed S] [--shuffle] [-o FILE]'
UM='usage: gan-data mnist [--labels FILE] [-n N] [--seed S] [--shuffle] [-o FILE] [FILE]'
UI='usage: gan-data images [--size S] [--labels] [-n N] [--seed S] [--shuffle] [-o FILE] DIR'

@test "gan-data --help and --version" {
	run gan-data --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$U2" ]
	[ "${lines[3]}" = "       ${UI#usage: }" ]
	[[ "$output" == *"Options of gan-data images:"* ]]
	run gan-data --version
	[ "$status" -eq 0 ]
	[ "$output" = "gan-data (gantools) 0.1.0" ]
	run gan-data mnist --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$UM" ]
	[[ "$output" == *"      --labels FILE  An IDX file of u8 labels"* ]]
	run gan-data images -h
	[ "${lines[0]}" = "$UI" ]
}

@test "gan-data usage errors: exact messages, status 1" {
	run gan-data
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "$U2" ]
	run gan-data shuffle
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "gan-data: unknown subcommand 'shuffle' (expected gaussian2d, gaussian1d, mnist or images)" ]
	run gan-data gaussian2d -n abc
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: -n: expected a positive integer, got 'abc'" ]
	run gan-data gaussian2d -n 0
	[ "$output" = "gan-data: -n: expected a positive integer, got '0'" ]
	run gan-data gaussian1d -n -5
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: -n: expected a positive integer, got '-5'" ]
	run gan-data gaussian2d -n
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: -n: missing argument
$U2" ]
	run gan-data gaussian2d --mean 3
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: --mean: unknown option
$U2" ]
	run gan-data gaussian2d extra
	[ "$output" = "gan-data: extra: unexpected argument
$U2" ]
	run gan-data images
	[ "$status" -eq 1 ]
	[ "$output" = "$UI" ]
	run gan-data mnist a b
	[ "$output" = "$UM" ]
	run gan-data gaussian2d --seed x1
	[ "$output" = "gan-data: --seed: expected a non-negative integer, got 'x1'" ]
	run gan-data gaussian1d --std 0
	[ "$output" = "gan-data: --std: expected a positive number, got '0'" ]
	run gan-data gaussian1d --mean nan
	[ "$output" = "gan-data: --mean: expected a number, got 'nan'" ]
	run gan-data images --size 5000 .
	[ "$output" = "gan-data: --size: expected an integer from 1 to 4096, got '5000'" ]
}

@test "gan-data gaussian2d: 1000 x 2 f32 by default, seeded, -o" {
	gan-data gaussian2d > a.npy
	[ "$(records a.npy)" = "float32 1000x2" ]
	gan-data gaussian2d --seed 0 -o b.npy
	cmp a.npy b.npy
	gan-data gaussian2d --seed 7 -n 10 -o c.npy
	[ "$(records c.npy)" = "float32 10x2" ]
	run cmp -s a.npy c.npy
	[ "$status" -ne 0 ]
	[ -z "$(ls -A | grep tmp || true)" ]
	run gan-data gaussian2d -o nodir/x.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: nodir/x.npy: No such file or directory" ]
}

@test "gan-data gaussian2d: mean ~ b and cov ~ A^T A for n = 100000" {
	gan-data gaussian2d -n 100000 --seed 3 > g.npy
	py '
x = np.load("g.npy").astype(np.float64)
A = np.array([[1, 2], [-0.1, 0.5]]); b = np.array([1, 2])
m, c = x.mean(0), np.cov(x.T)
assert x.shape == (100000, 2)
assert np.all(np.abs(m - b) < 0.03), m
assert np.all(np.abs(c - A.T @ A) < 0.06), c'
}

@test "gan-data gaussian1d: --mean --std, defaults N(4, 0.5)" {
	gan-data gaussian1d -n 50000 > d.npy
	gan-data gaussian1d -n 50000 --mean -2 --std 3 --seed 9 > e.npy
	py '
d, e = np.load("d.npy"), np.load("e.npy")
assert d.shape == (50000, 1) and d.dtype == np.float32
assert abs(d.mean() - 4) < 0.02 and abs(d.std() - 0.5) < 0.02, (d.mean(), d.std())
assert abs(e.mean() + 2) < 0.1 and abs(e.std() - 3) < 0.1, (e.mean(), e.std())'
}

@test "gan-data --shuffle permutes rows, same multiset, seeded" {
	gan-data gaussian2d -n 500 --seed 4 > a.npy
	gan-data gaussian2d -n 500 --seed 4 --shuffle > b.npy
	gan-data gaussian2d -n 500 --seed 4 --shuffle > c.npy
	cmp b.npy c.npy
	py '
a, b = np.load("a.npy"), np.load("b.npy")
assert not np.array_equal(a, b)
assert np.array_equal(a[np.lexsort(a.T)], b[np.lexsort(b.T)])'
}

@test "gan-data mnist: raw and gzip IDX, --labels, -n, stdin" {
	make_idx img 30 5 4
	make_idx lab 30
	gan-data mnist img > x.npy
	[ "$(records x.npy)" = "uint8 30x1x5x4" ]
	gzip -k img
	gan-data mnist img.gz --labels lab -n 12 > xy.npy
	[ "$(records xy.npy)" = "uint8 12x1x5x4
int64 12" ]
	gan-data mnist - < img.gz | cmp - x.npy
	py '
f = open("xy.npy", "rb")
x, y = np.lib.format.read_array(f), np.lib.format.read_array(f)
i = np.arange(12)
want = (i[:, None, None, None] * 7 + np.arange(20).reshape(1, 1, 5, 4)) % 256
assert np.array_equal(x, want) and np.array_equal(y, i % 10)'
}

@test "gan-data mnist --shuffle keeps images and labels together" {
	make_idx img 50 2 2
	make_idx lab 50
	gan-data mnist img --labels lab --shuffle --seed 5 > s.npy
	py '
f = open("s.npy", "rb")
x, y = np.lib.format.read_array(f), np.lib.format.read_array(f)
i = (x[:, 0, 0, 0].astype(int) * 183) % 256   # 7 * 183 = 1 (mod 256)
assert not np.array_equal(i, np.arange(50))
assert sorted(i) == list(range(50)) and np.array_equal(y, i % 10)'
}

@test "gan-data mnist errors: missing, not IDX, wrong rank, count mismatch" {
	make_idx img 30 5 4
	make_idx lab 29
	run gan-data mnist nope
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: nope: No such file or directory" ]
	printf 'hello world\n' > bad
	run gan-data mnist bad
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: bad: not an IDX file (bad magic)" ]
	run gan-data mnist lab
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: lab: expected a 3-D IDX image file (n x h x w), got 1-D" ]
	run gan-data mnist img --labels lab
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: lab: 29 labels for 30 images" ]
	run gan-data mnist img --labels img
	[ "$output" = "gan-data: img: expected a 1-D IDX label file, got 3-D" ]
	run gan-data mnist - --labels - < img
	[ "$output" = "gan-data: images and labels cannot both come from stdin" ]
	head -c 100 img > short
	run gan-data mnist short
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-data: short: truncated"* ]]
}

@test "gan-data images: sorted tree, composited on white, exact at same size" {
	mkdir -p d/b d/a/deep
	make_png d/b/z.png 4 4 RGBA 1
	make_png d/a/deep/y.png 4 4 RGB 2
	make_png d/a/x.PNG 4 4 LA 3
	make_png d/top.png 4 4 L 4
	printf 'not an image' > d/a/notes.txt
	gan-data images d --size 4 > i.npy
	[ "$(records i.npy)" = "uint8 4x3x4x4" ]
	py '
x = np.load("i.npy")
def comp(p):
    a = np.load(p + ".src.npy").astype(np.float64)
    c, al = (a[..., :-1], a[..., -1:] / 255) if a.shape[2] in (2, 4) else (a, 1)
    c = np.round(c * al + 255 * (1 - al))
    c = np.repeat(c, 3, 2) if c.shape[2] == 1 else c
    return c.transpose(2, 0, 1).astype(np.uint8)
order = ["d/a/deep/y.png", "d/a/x.PNG", "d/b/z.png", "d/top.png"]
for k, p in enumerate(order):
    assert np.array_equal(x[k], comp(p)), p
assert (x[2].reshape(3, -1)[:, ::4] == 255).all()'
}

@test "gan-data images: --size resizes, -n takes the first, --labels" {
	mkdir -p d/cat d/dog/small
	make_png d/dog/a.png 68 56 RGBA 1
	make_png d/cat/b.png 20 30 RGB 2
	make_png d/dog/small/c.png 3 3 L 3
	make_png d/cat/a.png 7 9 RGBA 4
	gan-data images d --labels > l.npy
	[ "$(records l.npy)" = "uint8 4x3x64x64
int64 4" ]
	py '
f = open("l.npy", "rb")
np.lib.format.read_array(f)
assert np.lib.format.read_array(f).tolist() == [0, 0, 1, 1]'
	gan-data images d --size 8 -n 3 > s.npy
	[ "$(records s.npy)" = "uint8 3x3x8x8" ]
	gan-data images d --size 8 -n 3 --shuffle --seed 1 > t.npy
	[ "$(records t.npy)" = "uint8 3x3x8x8" ]
	run gan-data images d 2>&1
	[ "$status" -eq 0 ]
	make_png d/loose.png 2 2
	run gan-data images d --labels
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: d/loose.png: not in a class subfolder (--labels)" ]
}

@test "gan-data images errors: bad PNG named, nothing on stdout, no PNG, missing" {
	mkdir -p d e
	make_png d/a.png 4 4
	printf 'GIF89a' > d/b.png
	run bash -c 'gan-data images d > out.npy'
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: d/b.png: not a PNG file" ]
	[ ! -s out.npy ]
	head -c 60 d/a.png > d/b.png
	run gan-data images d
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-data: d/b.png: truncated or corrupt PNG"* ]]
	run gan-data images e
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: e: no PNG files" ]
	run gan-data images nowhere
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: nowhere: No such file or directory" ]
	run gan-data images d -o out2.npy
	[ ! -e out2.npy ]
	[ -z "$(ls -A | grep '\.tmp\.' || true)" ]
}

@test "gan-data: a closed pipe ends it quietly (status 141 or 0)" {
	run bash -c 'gan-data gaussian2d -n 200000 2>err | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"; cat err'
	[ "$output" = "141" ] || [ "$output" = "0" ]
}

@test "gan-data: no progress when stderr is not a terminal" {
	mkdir d
	make_png d/a.png 4 4
	run bash -c 'gan-data images d 2>err >/dev/null; cat err'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "gan-data refuses to write to a terminal" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "$GAN_BIN/gan-data gaussian2d" /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"gan-data: refusing to write binary data to a terminal"* ]]
}

@test "fetch scripts: POSIX sh syntax and sums of the right form" {
	for s in mnist fashion-mnist pokemon; do
		sh -n "$ROOT/scripts/fetch-$s.sh"
		grep -q '^set -eu$' "$ROOT/scripts/fetch-$s.sh"
	done
	grep -q '^ba891046[0-9a-f]*776db  train-images-idx3-ubyte$' "$ROOT/scripts/fetch-mnist.sh"
	[ "$(grep -c '^[0-9a-f]\{64\}  ' "$ROOT/scripts/fetch-fashion-mnist.sh")" -eq 4 ]
	grep -q '^setsum=[0-9a-f]\{64\}$' "$ROOT/scripts/fetch-pokemon.sh"
}

@test "fetch scripts: nothing to do when the verified files are there" {
	[ -f "$ROOT/data/mnist/train-images-idx3-ubyte" ] || skip "MNIST not fetched"
	mkdir -p data/mnist
	cp "$ROOT"/data/mnist/*-ubyte data/mnist/
	GANTOOLS_DATA=$PWD/data run sh "$ROOT/scripts/fetch-mnist.sh"
	[ "$status" -eq 0 ]
	[ "$output" = "fetch-mnist: $PWD/data/mnist: present and verified, nothing to do" ]
	run gan-data mnist data/mnist/t10k-images-idx3-ubyte --labels data/mnist/t10k-labels-idx1-ubyte
	[ "$status" -eq 0 ]
}
