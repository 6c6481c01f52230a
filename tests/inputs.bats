#!/usr/bin/env bats
# inputs.bats - the arrays people actually have: NumPy's float64 default,
# integer points and pixels, Fortran order, channels-last images, all
# converted on read; files of the wrong kind named for what they are.

load helper

enter() {
	scratch
	gan-init gaussian2d --seed 1 -o ck.st
	gan-data gaussian2d -n 200 --seed 2 -o d32.npy
}

@test "inputs: f64, integer and Fortran-order points train exactly as f32" {
	enter
	py 'x = np.load("d32.npy")
np.save("d64.npy", x.astype(np.float64))
np.save("dfo.npy", np.asfortranarray(x))
np.save("dfo64.npy", np.asfortranarray(x.astype(np.float64)))
assert np.load("dfo.npy").flags.f_contiguous'
	gan-step ck.st --data d32.npy --steps 5 --log l.tsv -o a.st
	for f in d64 dfo dfo64; do
		gan-step ck.st --data $f.npy --steps 5 --log l.tsv -o b.st
		cmp a.st b.st
	done
	# integer points are taken as their values
	py 'np.save("di.npy", np.round(np.load("d32.npy")).astype(np.int64))
np.save("dr.npy", np.round(np.load("d32.npy")).astype(np.float32))'
	gan-step ck.st --data di.npy --steps 5 --log l.tsv -o i.st
	gan-step ck.st --data dr.npy --steps 5 --log l.tsv -o r.st
	cmp i.st r.st
	# values beyond f32, and bool, are refused in one line
	py 'x = np.load("d64.npy"); x[3, 1] = 1e300; np.save("huge.npy", x)
np.save("b.npy", np.ones((10, 2), bool))'
	run gan-step ck.st --data huge.npy --steps 1 -o x.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: huge.npy: x: f64 value 1e+300 at index 7 is out of the f32 range" ]
	run gan-step ck.st --data b.npy --steps 1 -o x.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: b.npy: x: dtype bool, expected numbers" ]
}

@test "inputs: gan-eval and gan-plot take f64 and integer points" {
	enter
	py 'np.save("d64.npy", np.load("d32.npy").astype(np.float64))
np.save("d1.npy", np.load("d32.npy")[:, 0].astype(np.float64))'
	gan-eval moments d32.npy > a.txt
	gan-eval moments d64.npy > b.txt
	cmp a.txt b.txt
	gan-plot scatter d64.npy d32.npy -o s.png
	gan-plot density d1.npy d1.npy -o dens.png
	run "$PY" "$BATS_TEST_DIRNAME/pngcheck.py" s.png
	[[ "$output" == "700x650 "* ]]
}

@test "inputs: image data sets as integers, f64 and Fortran order; integer pixels checked" {
	scratch
	make_idx imgs 64 28 28
	gan-data mnist imgs -o u8.npy
	gan-init dcgan-mnist --seed 1 -o m.st
	py 'x = np.load("u8.npy")
np.save("i64.npy", x.astype(np.int64))
np.save("fo.npy", np.asfortranarray(x))
y = x.astype(np.int16); y[5, 0, 3, 3] = 256; np.save("bad.npy", y)'
	gan-step m.st --data u8.npy --steps 1 --log l.tsv -o a.st
	gan-step m.st --data i64.npy --steps 1 --log l.tsv -o b.st
	gan-step m.st --data fo.npy --steps 1 --log l.tsv -o c.st
	cmp a.st b.st
	cmp a.st c.st
	run gan-step m.st --data bad.npy --steps 1 -o x.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: bad.npy: x: i16 images hold 256 at index $((5 * 784 + 3 * 28 + 3)), expected pixels 0..255" ]
}

@test "inputs: gan-plot grid takes NHWC, N x H x W and integer images (stated rule)" {
	scratch
	py 'rng = np.random.default_rng(0)
x = rng.integers(0, 256, (6, 3, 8, 10)).astype(np.uint8)
np.save("nchw.npy", x)
np.save("nhwc.npy", x.transpose(0, 2, 3, 1).copy())
np.save("nhwc64.npy", (x.transpose(0, 2, 3, 1) / 255.0 * 2 - 1))
g = x[:, 0]
np.save("grey.npy", g); np.save("grey1.npy", g[:, None]); np.save("greyi.npy", g.astype(np.int32))'
	gan-plot grid nchw.npy -o a.png
	gan-plot grid nhwc.npy -o b.png
	cmp a.png b.png
	gan-plot grid grey1.npy -o c.png
	gan-plot grid grey.npy -o d.png
	gan-plot grid greyi.npy -o e.png
	cmp c.png d.png
	cmp c.png e.png
	# f64 in [-1, 1] maps back onto the same pixels
	gan-plot grid nhwc64.npy -o f.png
	cmp a.png f.png
}

@test "inputs: a file of the wrong kind is named for what it is, never echoed" {
	enter
	printf 'hello\tworld\nmore text here\n' > notes.txt
	run gan-sample d32.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: d32.npy: a .npy stream, not a safetensors checkpoint" ]
	run gan-step d32.npy --data d32.npy
	[ "$output" = "gan-step: d32.npy: a .npy stream, not a safetensors checkpoint" ]
	run gan-step ck.st --data ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: ck.st: record 1: a safetensors checkpoint, not a .npy stream" ]
	run gan-plot loss d32.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: d32.npy: a .npy stream, not a TSV log" ]
	run gan-plot loss ck.st
	[ "$output" = "gan-plot: ck.st: a safetensors checkpoint, not a TSV log" ]
	head -c 300 /dev/urandom | tr -d '\n' | { printf 'x\0'; cat; } > junk.bin
	run gan-plot loss junk.bin
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: junk.bin: binary data, not a TSV log" ]
	run gan-sample notes.txt
	[ "$output" = "gan-sample: notes.txt: a text file, not a safetensors checkpoint" ]
	run gan-plot scatter notes.txt d32.npy -o x.png
	[ "$output" = "gan-plot: notes.txt: record 1: a text file, not a .npy stream" ]
	run gan-plot grid d32.npy -o x.png
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-plot: d32.npy: expected u8 or f32 images"* ]]
	[ ! -e x.png ]
}
