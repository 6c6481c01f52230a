#!/usr/bin/env bats
# gan-info.bats - gan-info on .npy streams and safetensors checkpoints: the
# lines it prints, --stats, stdin, and the exact messages for bad files.

load helper

setup() { scratch; }

@test "gan-info --help, --version, bad option" {
	run gan-info --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: gan-info [--stats] [FILE ...]" ]
	[[ "$output" == *"      --stats    Also print the mean and standard deviation"* ]]
	run gan-info --version
	[ "$output" = "gan-info (gantools) 0.1.0" ]
	run gan-info --bogus x
	[ "$status" -eq 1 ]
	[ "$output" = "gan-info: --bogus: unknown option
usage: gan-info [--stats] [FILE ...]" ]
}

@test "gan-info: f32 record with min/mean/max agreeing with numpy" {
	gan-data gaussian2d -n 321 --seed 2 > g.npy
	run gan-info g.npy
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]            # the record, then a line per column
	[[ "${lines[0]}" == "record 1: x f32 321x2 min "*" mean "*" max "* ]]
	py '
x = np.load("g.npy").astype(np.float64)
for line, v in zip(sys.argv[1:], (x, x[:, 0], x[:, 1])):
    w = line.split()
    got = dict(zip(w[-6::2], map(float, w[-5::2])))
    for k, r in (("min", v.min()), ("mean", v.mean()), ("max", v.max())):
        assert abs(got[k] - r) <= 1e-5 * max(1, abs(r)), (k, got[k], r)' "${lines[@]}"
}

@test "gan-info: data set stream x then y, u8 and i64 min/max, --stats" {
	make_idx img 20 3 3
	make_idx lab 20
	gan-data mnist img --labels lab > d.npy
	run gan-info d.npy
	[ "$status" -eq 0 ]
	[ "$output" = "record 1: x u8 20x1x3x3 min 0 max 141
record 2: y i64 20 min 0 max 9" ]
	run gan-info --stats - < d.npy
	[ "${lines[1]}" = "record 2: y i64 20 min 0 max 9 mean 4.5 std 2.87228" ]
	gan-data gaussian1d -n 4 > g.npy
	cat d.npy g.npy | gan-info > three
	[ "$(sed -n 3p three | cut -d' ' -f1-4)" = "record 3: f32 4x1" ]
}

@test "gan-info: several files, stdin by default and as -" {
	gan-data gaussian2d -n 3 > a.npy
	gan-data gaussian1d -n 2 > b.npy
	run gan-info a.npy - < b.npy
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "a.npy:" ]
	[[ "${lines[2]}" == "  column 0: "* ]] && [[ "${lines[3]}" == "  column 1: "* ]]
	[ "${lines[4]}" = "<stdin>:" ]
	[[ "${lines[5]}" == "record 1: x f32 2x1 "* ]]
	run gan-info < a.npy
	[[ "$output" == "record 1: x f32 3x2 min "* ]]
}

@test "gan-info: numpy-written dtypes and a 0-d record" {
	py '
with open("s.npy", "wb") as f:
    for a in (np.zeros(3, "?"), np.arange(6, dtype="<i2").reshape(2, 3) - 3,
              np.float64(2.5), np.array([1.5, np.inf], "<f2")):
        np.lib.format.write_array(f, np.asarray(a))'
	run gan-info s.npy
	[ "$status" -eq 0 ]
	[ "$output" = "record 1: x bool 3 min 0 max 0
record 2: i16 2x3 min -3 max 2
  column 0: min -3 max 0
  column 1: min -2 max 1
  column 2: min -1 max 2
record 3: f64 scalar min 2.5 mean 2.5 max 2.5
record 4: f16 2 min 1.5 mean 1.5 max 1.5 nonfinite 1" ]
}

@test "gan-info: a checkpoint's tensors, parameter count and metadata" {
	gan-init gaussian2d --seed 1 > c.st
	run gan-info c.st
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "tensors: 25, parameters: 43" ]
	[ "${lines[1]}" = "G.0.weight F32 2x2" ]
	[ "${lines[2]}" = "G.0.bias F32 2" ]
	[[ "$output" == *"
noise.fixed F32 64x2
metadata:
"* ]]
	[[ "$output" == *"
  model_name=gaussian2d
"* ]]
	[[ "$output" == *"
    linear 2 2"* ]]
	# The tensor lines agree with a reader that knows nothing of gantools.
	sh "$ROOT/tests/safetensors_py.sh" c.st | awk -F'\t' '$1 == "tensor" {
		s = $4; gsub(/[][ ]/, "", s); gsub(/,/, "x", s); print $2, $3, s }' > want
	printf '%s\n' "$output" | sed -n '2,26p' > got
	diff want got
	run gan-info --stats c.st
	[[ "${lines[1]}" == "G.0.weight F32 2x2 mean "*" std "* ]]
}

@test "gan-info: a hand-made safetensors file, exactly" {
	make_st ok.st '{"w":{"dtype":"I64","shape":[2,1],"data_offsets":[0,16]},"s":{"dtype":"F32","shape":[],"data_offsets":[16,20]},"__metadata__":{"text":"a\nb\n","format":"pt"}}' 20
	run gan-info ok.st
	[ "$status" -eq 0 ]
	[ "$output" = "tensors: 2, parameters: 3
w I64 2x1
s F32 scalar
metadata:
  format=pt
  text=a
    b" ]
	run gan-info --stats - < ok.st
	[ "${lines[1]}" = "w I64 2x1 mean 0 std 0" ]
}

@test "gan-info: bad safetensors files, exact messages" {
	make_st dup.st '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' 8
	run gan-info dup.st
	[ "$status" -eq 1 ]
	[ "$output" = 'gan-info: dup.st: header: duplicate key "a" at line 1 column 57' ]
	make_st j.st '{"a":{"dtype":"F32",'
	run gan-info j.st
	[[ "$output" == "gan-info: j.st: header: invalid JSON: "* ]]
	make_st t.st '{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}' 8
	run gan-info t.st
	[ "$output" = "gan-info: t.st: tensor 'a': unknown dtype 'Q7'" ]
	make_st gap.st '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}' 12
	run gan-info gap.st
	[ "$output" = "gan-info: gap.st: tensor 'b': offsets [8, 12] not contiguous (expected begin 4)" ]
	make_st sh.st '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' 4
	run gan-info sh.st
	[ "$output" = "gan-info: sh.st: truncated (expected 8 data bytes, got 4)" ]
	make_st len.st '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}' 8
	run gan-info len.st
	[ "$output" = "gan-info: len.st: tensor 'a': 8 bytes for shape [3] of F32 (expected 12)" ]
	printf '\010\0\0\0\0\0\0\0{"a":' > tr.st
	run gan-info tr.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-info: tr.st: header length 8 out of range (file has 13 bytes)" ]
	printf '\377\377\377\377\377\377\377\377{' > huge.st
	run gan-info huge.st
	[ "$output" = "gan-info: huge.st: not a .npy stream or a safetensors file" ]
}

@test "gan-info: bad .npy files, exact messages" {
	gan-data gaussian2d -n 3 > g.npy
	printf 'P5\n2 2\n255\n' > pgm.npy
	run gan-info pgm.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-info: pgm.npy: not a .npy stream or a safetensors file" ]
	{ cat g.npy; printf 'garbage!'; } > two.npy
	run gan-info two.npy
	[ "$status" -eq 1 ]
	[ "${lines[3]}" = "gan-info: two.npy: record 2: bad magic (not a .npy file)" ]
	head -c 100 g.npy > th.npy
	run gan-info th.npy
	[ "$output" = "gan-info: th.npy: record 1: truncated header (expected 118 bytes, got 90)" ]
	head -c 140 g.npy > td.npy
	run gan-info td.npy
	[ "$output" = "gan-info: td.npy: record 1: truncated data (expected 24 bytes, got 12)" ]
	{ npy_header "'|O'" False "(2,)"; printf '12345678abcdefgh'; } > o.npy
	run gan-info o.npy
	[ "$output" = "gan-info: o.npy: record 1: header: dtype '|O' not supported" ]
	{ npy_header "'>f4'" False "(2,)"; printf '12345678'; } > be.npy
	run gan-info be.npy
	[ "$output" = "gan-info: be.npy: record 1: header: dtype '>f4' not supported (big-endian)" ]
	{ printf '\223NUMPY\001\000\040\116'; head -c 20000 /dev/zero; } > long.npy
	run gan-info long.npy
	[ "$output" = "gan-info: long.npy: record 1: header length 20000 exceeds 10000" ]
	printf '\223NUMPY\011\000' > v.npy
	run gan-info v.npy
	[ "$output" = "gan-info: v.npy: record 1: unsupported version 9.0" ]
	: > empty.npy
	run gan-info empty.npy
	[ "$output" = "gan-info: empty.npy: empty file" ]
}

@test "gan-info: missing file, and it goes on with the next" {
	gan-data gaussian2d -n 3 > g.npy
	run gan-info nope.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-info: nope.npy: No such file or directory" ]
	run gan-info nope.npy g.npy
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "gan-info: nope.npy: No such file or directory" ]
	[[ "${lines[3]}" == "record 1: x f32 3x2 "* ]]
}

@test "gan-info: a closed pipe ends it quietly" {
	py '
with open("a.npy", "wb") as f:
    for i in range(20000):
        np.lib.format.write_array(f, np.zeros(1, "u1"))'
	run bash -c 'gan-info a.npy 2>err | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"; cat err'
	[ "$output" = "141" ] || [ "$output" = "0" ]
}
