#!/usr/bin/env bats
# failures.bats - issue 12 point 5: each failure found by the adversarial
# round, reproduced (mode and long names are in outputs.bats).

load helper

setup() { scratch; }

LOGHDR='# step	epoch	loss_D	loss_G	D_x	D_G_z	examples_per_s'

@test "gan-plot loss: an overflowing loss range ends (bounded ticks), PNG and SVG" {
	printf '%s\n1\t0\t9e307\t-9e307\t0.5\t0.5\t1\n2\t0\t-9e307\t9e307\t0.5\t0.5\t1\n' "$LOGHDR" > a.tsv
	printf '%s\n1\t0\t0\t1.7e308\t0.5\t0.5\t1\n2\t0\t1.7e308\t0\t0.5\t0.5\t1\n' "$LOGHDR" > b.tsv
	for f in a b; do
		run timeout 20 gan-plot loss $f.tsv -o $f.png
		[ "$status" -eq 0 ]
		[ "$(head -c 4 $f.png | tail -c 3)" = PNG ]
		run timeout 20 gan-plot loss $f.tsv --svg -o $f.svg
		[ "$status" -eq 0 ]
		grep -q '</svg>' $f.svg
	done
}

@test "gan-step --log into a missing folder: exit 1 before any work, no temporary left" {
	gan-init gaussian2d --seed 1 -o ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 100 > d.npy
	run gan-step --data d.npy --steps 2 --log nodir/l.tsv -o o.st ck.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: nodir/l.tsv: No such file or directory" ]
	[ -z "$(ls -A | grep tmp)" ]
	[ ! -e o.st ]
}

@test "gan-plot --svg into a closed pipe exits 141 quietly; a full disk names the file" {
	gan-init gaussian2d --seed 1 -o ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 100 > d.npy
	gan-step --data d.npy --steps 20 --log-every 1 --log l.tsv -o o.st ck.st
	{ sleep 0.5; s=0; gan-plot loss l.tsv --svg 2> err || s=$?; echo $s > rc; } | true
	[ "$(cat rc)" -eq 141 ]
	[ ! -s err ]
	mkdir full
	unshare -m true 2> /dev/null || skip "unshare -m is not allowed here"
	run unshare -m sh -c 'mount -t tmpfs -o size=8k none full && gan-plot loss l.tsv --svg -o full/p.svg; echo "rc $?"; ls -A full'
	[ "${lines[0]}" = "gan-plot: full/p.svg: write error: No space left on device" ]
	[ "${lines[1]}" = "rc 2" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "gan-data mnist: a valid gzip followed by garbage is refused; several members are read" {
	make_idx i.idx 5 4 4
	gzip -c i.idx > g.gz
	cp g.gz gg.gz
	printf 'garbage' >> gg.gz
	run gan-data mnist gg.gz
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: gg.gz: trailing data after the gzip data" ]
	run sh -c 'cat gg.gz | gan-data mnist'
	[ "$output" = "gan-data: <stdin>: trailing data after the gzip data" ]
	head -c 20 i.idx | gzip -c > mm.gz
	tail -c +21 i.idx | gzip -c >> mm.gz
	gan-data mnist mm.gz | cmp - <(gan-data mnist g.gz)
}

@test "gan-eval moments: NaN or infinite points are refused with the example" {
	py 'a = np.zeros((10, 2), "f4"); a[6, 1] = np.nan; np.save("n.npy", a)'
	run gan-eval moments n.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-eval: n.npy: x holds a non-finite value at example 6" ]
}

@test "gan-sample: finite G weights that overflow give exit 3, not Inf samples" {
	gan-init gaussian2d --seed 1 -o ck.st
	"$PY" - <<'PY'
import json, struct
import numpy as np
raw = bytearray(open("ck.st", "rb").read())
n = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
b, e = hdr["G.0.weight"]["data_offsets"]
raw[8 + n + b:8 + n + e] = np.full((e - b) // 4, 3e38, "<f4").tobytes()
open("big.st", "wb").write(raw)
PY
	gan-info big.st > /dev/null
	run gan-sample -n 10 -o s.npy big.st
	[ "$status" -eq 3 ]
	[[ "$output" == "gan-sample: big.st: G gives a non-finite value in sample "*"; nothing written" ]]
	[ ! -e s.npy ]
	[ -z "$(ls -A | grep tmp)" ]
}

@test "gan-step: a batch-norm model with --batch 1 is refused before training (exit 1)" {
	gan-init dcgan-mnist --seed 1 -o m.st
	py 'np.save("img.npy", np.zeros((10, 1, 28, 28), "u1"))'
	run gan-step m.st --data img.npy --batch 1 --steps 1 -o o.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: batch 1: model dcgan-mnist has batch norm over single values, which needs at least 2 examples per batch" ]
	[ ! -e o.st ]
}

@test "gan-info --stats: the truncation message gives the record's declared size" {
	py 'np.save("big.npy", np.zeros((1000, 1000), "f4"))'
	head -c 3000000 big.npy > cut.npy
	run gan-info --stats cut.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-info: cut.npy: record 1: truncated data (expected 4000000 bytes, got 2999872)" ]
}

@test "gan-sample's memory message names no option it lacks" {
	gan-init dcgan-mnist --seed 1 -o m.st
	GAN_MEM_LIMIT=150000000 run gan-sample -n 4 m.st
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-sample: the model at batch 256 needs "*" MiB of memory but 143.1 MiB is available" ]]
	[[ "$output" != *--batch* ]]
}

@test "gan-data images: a dangling .png symlink is bad input (exit 1)" {
	mkdir imgs
	make_png imgs/b.png 4 4
	ln -s nowhere.png imgs/a.png
	run gan-data images imgs --size 4
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: imgs/a.png: dangling symlink" ]
}

@test "gan-step: an epoch step past the data's batches names the data file" {
	gan-init gaussian2d --seed 1 -o ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 1000 > d.npy
	gan-step --data d.npy --steps 50 --log /dev/null -o mid.st ck.st
	gan-init gaussian2d --seed 9 | gan-sample -n 100 > small.npy
	run gan-step --data small.npy --steps 1 -o o.st mid.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: small.npy: batch 8 at epoch step 50 does not fit the data (13 batches per epoch)" ]
}
