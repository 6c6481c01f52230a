#!/usr/bin/env bats
# gan-plot.bats - gan-plot: each chart checked as an image (size, not blank,
# the series' colours present), SVG output, and its error messages.

PATH="${GAN_BIN:-$BATS_TEST_DIRNAME/../build/bin}:$PATH"
PNGCHECK="/usr/bin/python3 $BATS_TEST_DIRNAME/pngcheck.py"
BLUE=31,119,180 ORANGE=255,127,14 GREEN=44,160,44

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf '# step\tepoch\tloss_D\tloss_G\tD_x\tD_G_z\texamples_per_s\n' > log.tsv
	for e in 1 2 3 4 5 6; do
		printf '%d\t%d\t0.%d\t1.%d\t0.5\t0.5\t1000\n' $((e * 125)) $e $((9 - e)) $((6 - e)) >> log.tsv
	done
}

# pixels: FILE COLOUR -> number of pixels near COLOUR
pixels() { $PNGCHECK "$1" "$2" | sed -n 2p; }

@test "gan-plot: --help, --version, usage errors" {
	run gan-plot --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: gan-plot loss"* ]]
	run gan-plot --version
	[ "$output" = "gan-plot (gantools) 0.1.0" ]
	run gan-plot
	[ "$status" -eq 1 ]
	run gan-plot pie x
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: unknown command 'pie' (expected loss, metrics, scatter, density, grid or animate)" ]
	run gan-plot scatter only-one.npy
	[ "$status" -eq 1 ]
	[[ "$output" == "usage: gan-plot loss"* ]]
	run gan-plot grid --grid 5by5 x.npy
	[ "$output" = "gan-plot: --grid: expected RxC such as 5x5, got '5by5'" ]
	run gan-plot density --range 3:1 a b
	[ "$output" = "gan-plot: --range: expected LO:HI with LO < HI, got '3:1'" ]
}

@test "gan-plot loss: one log is an 800x500 chart with both curves" {
	gan-plot loss log.tsv -o loss.png
	run $PNGCHECK loss.png $BLUE $ORANGE
	[ "$status" -eq 0 ]
	[ "${lines[0]%% *}" = "800x500" ]
	[ "${lines[0]##* }" -gt 50 ]        # antialiased: many colours, not blank
	[ "${lines[1]}" -gt 200 ]           # loss_D in blue
	[ "${lines[2]}" -gt 200 ]           # loss_G in orange
	[ ! -e .loss.png.tmp* ]
}

@test "gan-plot loss: several logs get two panels; stdout and SVG" {
	cp log.tsv other.tsv
	gan-plot loss log.tsv other.tsv > two.png
	run $PNGCHECK two.png
	[ "${lines[0]%% *}" = "800x800" ]
	gan-plot loss log.tsv -o loss.svg
	head -c 5 loss.svg | grep -q '<?xml'
	grep -q '<svg' loss.svg
	gan-plot loss --svg log.tsv > plain-name
	grep -q '<svg' plain-name
}

@test "gan-plot loss: bad logs are refused with the line named" {
	printf '1\t1\t0.5\n' > short.tsv
	run gan-plot loss short.tsv -o x.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: short.tsv:1: expected 7 tab-separated fields, got 3" ]
	printf '# header only\n' > empty.tsv
	run gan-plot loss empty.tsv -o x.png
	[ "$output" = "gan-plot: empty.tsv: no data lines" ]
	printf '1\t1\tabc\t1\t1\t1\t1\n' > word.tsv
	run gan-plot loss word.tsv -o x.png
	[ "$output" = "gan-plot: word.tsv:1: field 3 (loss_D): 'abc' is not a number" ]
	run gan-plot loss missing.tsv -o x.png
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-plot: missing.tsv: No such file or directory" ]]
	[ ! -e x.png ]
}

@test "gan-plot scatter: real in blue, generated in orange" {
	# two spread-out sets (an untrained G puts its points in one small blob)
	gan-data gaussian2d -n 300 --seed 5 > fake.npy
	gan-data gaussian2d -n 300 > real.npy
	gan-plot scatter real.npy fake.npy -o s.png
	run $PNGCHECK s.png 143,187,217 255,191,134   # the colours at alpha 0.5 on white
	[ "${lines[0]%% *}" = "700x650" ]
	[ "${lines[1]}" -gt 100 ]
	[ "${lines[2]}" -gt 100 ]
	gan-init dcgan-mnist --seed 1 | gan-sample -n 2 > img.npy
	run gan-plot scatter real.npy img.npy -o s.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: img.npy: expected f32 N x 2 points, got f32 2x1x28x28" ]
}

@test "gan-plot density: histograms and D's decision boundary" {
	gan-init gaussian1d --seed 3 -o ck.st
	gan-sample ck.st -n 500 > fake.npy
	gan-sample ck.st -n 500 --seed 7 > real.npy
	gan-plot density real.npy fake.npy --ckpt ck.st --range -8:8 -o d.png
	run $PNGCHECK d.png $BLUE $ORANGE $GREEN
	[ "${lines[0]%% *}" = "800x500" ]
	[ "${lines[1]}" -gt 100 ]
	[ "${lines[2]}" -gt 100 ]
	[ "${lines[3]}" -gt 100 ]             # the boundary D(x)
	gan-init gaussian2d --seed 1 -o g2.st
	run gan-plot density real.npy fake.npy --ckpt g2.st -o d.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: g2.st: D of model gaussian2d does not take 1-D points" ]
}

@test "gan-plot grid: tiles with 2-pixel borders, upscaling" {
	gan-init dcgan-mnist --seed 1 | gan-sample -n 10 > img.npy
	gan-plot grid img.npy -o g.png
	run $PNGCHECK g.png
	[ "${lines[0]%% *}" = "122x92" ]      # 4 x 3 tiles of 28 + 2
	gan-plot grid img.npy --grid 2x5 --scale 2 -o g2.png
	run $PNGCHECK g2.png
	[ "${lines[0]%% *}" = "292x118" ]     # 5 x 2 tiles of 56 + 2
	run gan-plot grid --svg img.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: grid: SVG output is not supported (pictures are PNG)" ]
	gan-init gaussian2d | gan-sample -n 5 > pts.npy
	run gan-plot grid pts.npy -o g.png
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-plot: pts.npy: expected u8 or f32 images N x C x H x W with C = 1 or 3, got f32 5x2" ]]
}

@test "gan-plot metrics: four panels by epoch, G and G_ema; bad logs refused" {
	printf '# epoch\tstep\tnet\tfd\tkid\tprecision\trecall\tdensity\tcoverage\tclass_max_share\tclass_entropy\n' > m.tsv
	for e in 1 2 3; do
		printf '%d\t%d\tG\t%d\t0.0%d\t0.%d\t0.%d\t0.9\t0.8\t0.12\t2.29\n' $e $((e * 938)) $((40 - 10 * e)) $((5 - e)) $((5 + e)) $((4 + e)) >> m.tsv
		printf '%d\t%d\tG_ema\t%d\t0.0%d\t0.%d\t0.%d\t1.1\t0.85\t0.11\t2.3\n' $e $((e * 938)) $((50 - 15 * e)) $((6 - e)) $((4 + e)) $((3 + e)) >> m.tsv
	done
	gan-plot metrics m.tsv -o m.png
	run $PNGCHECK m.png
	[ "${lines[0]%% *}" = "1000x760" ]
	[ "$(pixels m.png $BLUE)" -gt 1000 ] && [ "$(pixels m.png $ORANGE)" -gt 1000 ]
	[ "$(pixels m.png $GREEN)" -gt 300 ]
	head -n 3 m.tsv > one.tsv
	gan-plot metrics one.tsv m.tsv --svg -o m.svg
	grep -q '<svg' m.svg
	printf '1\t938\tH\t1\t1\t1\t1\t1\t1\t1\t1\n' > bad.tsv
	run gan-plot metrics bad.tsv
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: bad.tsv:1: field 3 (net): 'H' is not G or G_ema" ]
	printf '1\t938\tG\t1\t1\n' > bad.tsv
	run gan-plot metrics bad.tsv
	[ "$output" = "gan-plot: bad.tsv:1: expected 11 tab-separated fields, got 5" ]
	printf '# nothing\n' > bad.tsv
	run gan-plot metrics bad.tsv
	[ "$output" = "gan-plot: bad.tsv: no data lines" ]
	run gan-plot metrics log.tsv
	[ "$output" = "gan-plot: log.tsv:2: field 3 (net): '0.8' is not G or G_ema" ]
}
