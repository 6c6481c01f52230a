#!/usr/bin/env bats
# gan-plot-pictures.bats - pictures that show what happened, checked as
# images: markers for short series, the step axis, the legend where it
# covers least, a margin above curves, D(x)/D(G(z)) panels, smoothing,
# scatter ink per set, and APNG animations (tests/apngcheck.py).

load helper
PNGCHECK="$PY $BATS_TEST_DIRNAME/pngcheck.py"
APNGCHECK="$PY $BATS_TEST_DIRNAME/apngcheck.py"
BLUE=31,119,180 ORANGE=255,127,14

setup() { scratch; }

# log FILE: a log from lines "step epoch loss_D loss_G D_x D_G_z" on stdin.
log() {
	printf '# step\tepoch\tloss_D\tloss_G\tD_x\tD_G_z\texamples_per_s\n' > "$1"
	while read -r s e d g x z; do
		printf '%s\t%s\t%s\t%s\t%s\t%s\t1000\n' "$s" "$e" "$d" "$g" "$x" "$z"
	done >> "$1"
}

# pic CODE FILE: runs CODE with w, h and px (decode(FILE)) and near(p, c).
pic() {
	"$PY" -c "import sys; sys.path.insert(0, sys.argv[1]); from pngcheck import decode
w, h, px = decode(sys.argv[2])
def near(p, c): return sum(abs(p[i] - c[i]) for i in range(3)) <= 40
at = lambda x, y: px[y * w + x]
$1" "$BATS_TEST_DIRNAME" "$2"
}

@test "gan-plot loss: a one-line log shows its values as markers" {
	echo "5 1 0.6 1.2 0.5 0.4" | log one.tsv
	echo "5 1 nan 1.2 0.5 0.4" | log none.tsv
	gan-plot loss one.tsv -o one.png
	gan-plot loss none.tsv -o none.png
	# the legend alone has some blue; the marker adds a dot's worth
	a=$($PNGCHECK one.png $BLUE | sed -n 2p)
	b=$($PNGCHECK none.png $BLUE | sed -n 2p)
	[ "$((a - b))" -gt 25 ]
}

@test "gan-plot loss: x is the step when the log has more lines than epochs" {
	{ for i in 1 2 3 4 5 6; do echo "$((i * 10)) $(((i + 1) / 2)) 0.$i 1.$i 0.5 0.5"; done; } | log two.tsv
	{ for i in 1 2 3; do echo "$((i * 10)) $i 0.$i 1.$i 0.5 0.5"; done; } | log per-epoch.tsv
	gan-plot loss two.tsv -o auto.png
	gan-plot loss two.tsv --by step -o step.png
	gan-plot loss two.tsv --by epoch -o epoch.png
	cmp auto.png step.png
	! cmp -s auto.png epoch.png
	gan-plot loss per-epoch.tsv -o auto1.png
	gan-plot loss per-epoch.tsv --by epoch -o epoch1.png
	cmp auto1.png epoch1.png
	# the rule holds over every log given, not only the first
	gan-plot loss per-epoch.tsv two.tsv -o m-auto.png
	gan-plot loss per-epoch.tsv two.tsv --by step -o m-step.png
	cmp m-auto.png m-step.png
}

@test "gan-plot loss: the legend goes where the curves are not, and curves keep off the frame" {
	# curves high on the right and across the top: the bottom left is free
	{ for i in $(seq 0 59); do
		echo "$i 1 $(awk "BEGIN{print 0.05 + 0.9 * ($i / 59) ^ 3}") 1.0 0.5 0.5"
	done; } | log corner.tsv
	gan-plot loss corner.tsv -o c.png
	# the legend's border is grey 153: find its box
	run pic '
g = [(i % w, i // w) for i, p in enumerate(px) if p == (153, 153, 153)]
xs, ys = [p[0] for p in g], [p[1] for p in g]
assert min(xs) < 400 and max(ys) > 250, (min(xs), max(xs), min(ys), max(ys))
# loss_G is 1.0 all along, the top of the range: it stays below the frame
top = min(y for y in range(h) for x in (300, 400, 500) if near(at(x, y), (255, 127, 14)))
frame = min(y for y in range(h) if at(400, y) == (51, 51, 51))
assert top - frame >= 8, (top, frame)
print("ok")' c.png
	[ "${lines[-1]}" = "ok" ]
}

@test "gan-plot loss --probs: D(x) and D(G(z)) panels; --smooth K" {
	{ for i in $(seq 1 60); do echo "$i $i 0.5 $((i % 2)).2 0.$((i % 9)) 0.3"; done; } | log a.tsv
	gan-plot loss a.tsv --probs -o p1.png
	gan-plot loss a.tsv a.tsv --probs -o p2.png
	[ "$($PNGCHECK p1.png | cut -d' ' -f1)" = "800x800" ]
	[ "$($PNGCHECK p2.png | cut -d' ' -f1)" = "800x1570" ]
	# the lower panel of p1 draws D(x) in blue and D(G(z)) in orange
	pic '
b = sum(1 for y in range(450, 750) for x in range(80, 780) if near(at(x, y), (31, 119, 180)))
o = sum(1 for y in range(450, 750) for x in range(80, 780) if near(at(x, y), (255, 127, 14)))
assert b > 500 and o > 300, (b, o)' p1.png
	# loss_G alternates 0.2, 1.2: raw it fills the band, smoothed over 2
	# lines it is a flat line at 0.7 (the raw one faint behind it)
	gan-plot loss a.tsv -o raw.png
	gan-plot loss a.tsv --smooth 2 -o smooth.png
	rows='
r = {y for y in range(h) for x in range(300, 500) if near(at(x, y), (255, 127, 14))}
print(len(r))'
	[ "$(pic "$rows" raw.png)" -gt 200 ]
	[ "$(pic "$rows" smooth.png)" -lt 40 ]
	run gan-plot loss a.tsv --smooth 0 -o x.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: --smooth: expected an integer from 1 to 100000, got '0'" ]
}

@test "gan-plot scatter: as many points of each set, whatever their counts" {
	# 1000 real points left of 0, 10000 generated right of it, same spread
	py 'r = np.random.default_rng(1)
a = r.normal(0, 1, (1000, 2)).astype(np.float32); a[:, 0] -= 4
b = r.normal(0, 1, (10000, 2)).astype(np.float32); b[:, 0] += 4
np.save("real.npy", a); np.save("fake.npy", b)'
	gan-plot scatter real.npy fake.npy -o s.png
	pic '
ink = lambda x0, x1: sum(765 - sum(at(x, y)) for y in range(60, 600) for x in range(x0, x1))
l, r = ink(80, 380), ink(390, 690)
assert 0.5 < r / l < 2, (l, r)
print("ok")' s.png
}

@test "gan-plot animate: frames into an APNG, each frame the picture it came from" {
	for i in 1 2 3; do
		{ for s in $(seq 1 $((i + 1))); do echo "$s $s 0.$s 1.$i 0.5 0.5"; done; } | log l$i.tsv
		gan-plot loss l$i.tsv -o f$i.png
	done
	gan-plot animate f1.png f2.png f3.png --delay 300 --loop 2 -o a.png
	run $APNGCHECK a.png f1.png f2.png f3.png
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "800x500 3 2 300" ]
	[ "${lines[1]}" = "same" ] && [ "${lines[2]}" = "same" ] && [ "${lines[3]}" = "same" ]
	# a plain PNG reader shows the first frame
	[ "$($PNGCHECK a.png)" = "$($PNGCHECK f1.png)" ]
	gan-plot animate f2.png > b.png
	run $APNGCHECK b.png
	[ "${lines[0]}" = "800x500 1 0 200" ]
	gan-init dcgan-mnist | gan-sample -n 4 --png small.png
	run gan-plot animate f1.png small.png -o x.png
	[ "$status" -eq 1 ]
	[ "$output" = "gan-plot: small.png: frame 2 is 62x62, frame 1 (f1.png) is 800x500" ]
	run gan-plot animate f1.png missing.png -o x.png
	[ "$status" -eq 1 ]
	[ ! -e x.png ]
	run gan-plot animate --svg f1.png -o x.svg
	[ "$status" -eq 1 ]
}

@test "scripts: gaussian1d.sh and mnist.sh write their animations" {
	run sh "$ROOT/scripts/gaussian1d.sh" -n 240 -o g1
	[ "$status" -eq 0 ]
	run $APNGCHECK g1/plain/animation.png g1/plain/frames/step-000002.png
	# 20 steps, a snapshot and a frame every 2
	[ "${lines[0]}" = "800x500 10 0 250" ]
	[ "${lines[1]}" = "same" ]
	[ "$(ls g1/mbd/snap | wc -l)" -eq 10 ]
	make_idx imgs 70 28 28
	MNIST=imgs run sh "$ROOT/scripts/mnist.sh" -e 2 -n 70 -o m
	[ "$status" -eq 0 ]
	run $APNGCHECK m/animation.png m/epoch-001.png m/epoch-002.png
	[ "${lines[0]}" = "432x432 2 0 400" ]
	[ "${lines[1]}" = "same" ] && [ "${lines[2]}" = "same" ]
}
