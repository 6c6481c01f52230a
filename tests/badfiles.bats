#!/usr/bin/env bats
# badfiles.bats - the negative-file suite: one crafted file per validation
# rule of gantools-formats(5) (made at test time by badfiles/make-bad.py),
# read by the tool that reads it: status 1 and exactly one line on stderr.

load helper

setup_file() {
	export BAD="$BATS_FILE_TMPDIR/bad"
	mkdir -p "$BAD"
	gan-init gaussian2d --seed 1 -o "$BAD/good.st"
	gan-data gaussian2d -n 40 -o "$BAD/good.npy"
	"$PY" "$BATS_TEST_DIRNAME/badfiles/make-bad.py" "$BAD" "$BAD/good.st"
}

setup() { cd "$BAD" || return 1; }

# fails MESSAGE CMD [ARG...]: CMD exits 1 with MESSAGE as its whole stderr.
fails() {
	local want=$1 st=0 got
	shift
	"$@" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" || st=$?
	got=$(cat "$BATS_TEST_TMPDIR/err")
	if [ "$st" -ne 1 ] || [ "$got" != "$want" ] ||
	   [ "$(wc -l < "$BATS_TEST_TMPDIR/err")" -ne 1 ]; then
		printf 'command:  %s\nstatus:   %s (expected 1)\nstderr:   %s\nexpected: %s\n' \
			"$*" "$st" "$got" "$want"
		return 1
	fi
}

# ---- .npy records (gan-info reads every record of a stream) ----

@test "rule npy-magic: bad magic" {
	fails "gan-eval: npy-magic.npy: record 1: bad magic (not a .npy file)" \
		gan-eval moments npy-magic.npy
	fails "gan-info: npy-magic.npy: not a .npy stream or a safetensors file" \
		gan-info npy-magic.npy
}

@test "rule npy-version: unsupported version" {
	fails "gan-info: npy-version.npy: record 1: unsupported version 9.0" gan-info npy-version.npy
}

@test "rule npy-header-length: header length over 10000" {
	fails "gan-info: npy-header-length.npy: record 1: header length 20000 exceeds 10000" \
		gan-info npy-header-length.npy
}

@test "rule npy-not-dict: a header that is not a dict literal is never evaluated" {
	fails "gan-info: npy-not-dict.npy: record 1: header: expected '{'" gan-info npy-not-dict.npy
	[ ! -e evaled ]
}

@test "rule npy-eval: an expression as a value is refused, never evaluated" {
	fails "gan-info: npy-eval.npy: record 1: header: 'descr' must be a string (structured dtypes are not supported)" \
		gan-info npy-eval.npy
	[ ! -e evaled ]
}

@test "rule npy-missing-key: header without 'shape'" {
	fails "gan-info: npy-missing-key.npy: record 1: header: missing key 'shape'" \
		gan-info npy-missing-key.npy
}

@test "rule npy-duplicate-key: 'descr' twice" {
	fails "gan-info: npy-duplicate-key.npy: record 1: header: duplicate key 'descr'" \
		gan-info npy-duplicate-key.npy
}

@test "rule npy-unknown-key: an extra key" {
	fails "gan-info: npy-unknown-key.npy: record 1: header: unknown key 'extra'" \
		gan-info npy-unknown-key.npy
}

@test "rule npy-object: dtype |O" {
	fails "gan-info: npy-object.npy: record 1: header: dtype '|O' not supported" \
		gan-info npy-object.npy
}

@test "rule npy-big-endian: dtype >f4" {
	fails "gan-info: npy-big-endian.npy: record 1: header: dtype '>f4' not supported (big-endian)" \
		gan-info npy-big-endian.npy
}

@test "rule npy-dtype: a dtype outside the allowed list (<c8)" {
	fails "gan-info: npy-dtype.npy: record 1: header: dtype '<c8' not supported" \
		gan-info npy-dtype.npy
}

@test "rule npy-rank: rank 9" {
	fails "gan-info: npy-rank.npy: record 1: header: rank 9 exceeds 8" gan-info npy-rank.npy
}

@test "rule npy-negative-dim: a negative dimension" {
	fails "gan-info: npy-negative-dim.npy: record 1: header: negative dimension in shape" \
		gan-info npy-negative-dim.npy
}

@test "rule npy-overflow: a shape whose byte size overflows" {
	fails "gan-info: npy-overflow.npy: record 1: header: shape is too large (size overflows)" \
		gan-info npy-overflow.npy
}

@test "rule npy-huge-dim: a dimension beyond 64 bits" {
	fails "gan-info: npy-huge-dim.npy: record 1: header: dimension too large in shape" \
		gan-info npy-huge-dim.npy
}

@test "rule npy-one-tuple: (2) is not a tuple" {
	fails "gan-info: npy-one-tuple.npy: record 1: header: shape must be a tuple (a 1-tuple needs a trailing comma)" \
		gan-info npy-one-tuple.npy
}

@test "rule npy-nul: a NUL byte in the header" {
	fails "gan-info: npy-nul.npy: record 1: header: contains a NUL byte" gan-info npy-nul.npy
}

@test "rule npy-truncated-header: the file ends inside the header" {
	fails "gan-info: npy-truncated-header.npy: record 1: truncated header (expected 118 bytes, got 90)" \
		gan-info npy-truncated-header.npy
}

@test "rule npy-truncated-data: the file ends inside the data" {
	fails "gan-info: npy-truncated-data.npy: record 1: truncated data (expected 24 bytes, got 20)" \
		gan-info npy-truncated-data.npy
	fails "gan-info: <stdin>: record 1: truncated data (expected 24 bytes, got 20)" \
		sh -c 'cat npy-truncated-data.npy | gan-info'
}

@test "rule npy-trailing: garbage after a record is a bad second record" {
	fails "gan-info: npy-trailing.npy: record 2: bad magic (not a .npy file)" \
		gan-info npy-trailing.npy
	[[ "$(cat "$BATS_TEST_TMPDIR/out")" == "record 1: x f32 3x2 "* ]]
}

@test "rule npy-second-record: a stream whose second record is bad" {
	fails "gan-info: npy-second-record.npy: record 2: header: dtype '|O' not supported" \
		gan-info npy-second-record.npy
}

@test "rule npy-data-nonfinite: NaN in an f32 data set" {
	fails "gan-step: npy-data-nonfinite.npy: x holds a non-finite value at example 2" \
		gan-step good.st --data npy-data-nonfinite.npy --steps 1 -o never.st
	[ ! -e never.st ]
}

# ---- safetensors containers (gan-info; gan-sample where gan-info's format
# sniffing already refuses the first bytes) ----

@test "rule st-header-length-zero: header length 0" {
	fails "gan-sample: st-header-length-zero.st: header length 0 out of range (2 to 104857600)" \
		gan-sample st-header-length-zero.st
}

@test "rule st-header-length-huge: header length 2^62, file and pipe" {
	fails "gan-sample: st-header-length-huge.st: header length 4611686018427387904 out of range (file has 10 bytes)" \
		gan-sample st-header-length-huge.st
	fails "gan-sample: <stdin>: header length 4611686018427387904 out of range (file has 10 bytes)" \
		sh -c 'cat st-header-length-huge.st | gan-sample'
	fails "gan-info: st-header-length-huge.st: not a .npy stream or a safetensors file" \
		gan-info st-header-length-huge.st
}

@test "rule st-header-length-past-end: header length larger than the file" {
	fails "gan-info: st-header-length-past-end.st: header length 64 out of range (file has 13 bytes)" \
		gan-info st-header-length-past-end.st
}

@test "rule st-utf8: invalid UTF-8 in the header" {
	fails "gan-info: st-utf8.st: header: invalid JSON: unable to decode byte 0xff near '\"' at line 1 column 22" \
		gan-info st-utf8.st
}

@test "rule st-json: invalid JSON" {
	fails "gan-info: st-json.st: header: invalid JSON: string or '}' expected near end of file at line 1 column 20" \
		gan-info st-json.st
}

@test "rule st-duplicate-key: a tensor name twice" {
	fails "gan-info: st-duplicate-key.st: header: duplicate key \"a\" at line 1 column 63" \
		gan-info st-duplicate-key.st
}

@test "rule st-not-object: a JSON array at the top level" {
	fails "gan-sample: st-not-object.st: header: not a JSON object" gan-sample st-not-object.st
}

@test "rule st-dtype: unknown dtype" {
	fails "gan-info: st-dtype.st: tensor 'a': unknown dtype 'Q7'" gan-info st-dtype.st
}

@test "rule st-shape-not-list: shape is a number" {
	fails "gan-info: st-shape-not-list.st: tensor 'a': shape is not an array of non-negative integers" \
		gan-info st-shape-not-list.st
}

@test "rule st-shape-negative: a negative dimension" {
	fails "gan-info: st-shape-negative.st: tensor 'a': shape is not an array of non-negative integers" \
		gan-info st-shape-negative.st
}

@test "rule st-offsets-not-contiguous: the second tensor starts late" {
	fails "gan-info: st-offsets-not-contiguous.st: tensor 'b': offsets [12, 20] not contiguous (expected begin 8)" \
		gan-info st-offsets-not-contiguous.st
}

@test "rule st-offsets-overlap: two tensors share bytes" {
	fails "gan-info: st-offsets-overlap.st: tensor 'b': offsets [4, 12] not contiguous (expected begin 8)" \
		gan-info st-offsets-overlap.st
}

@test "rule st-offsets-gap: unused bytes between tensors" {
	fails "gan-info: st-offsets-gap.st: tensor 'b': offsets [8, 12] not contiguous (expected begin 4)" \
		gan-info st-offsets-gap.st
}

@test "rule st-offsets-not-zero: the first tensor does not start at 0" {
	fails "gan-info: st-offsets-not-zero.st: tensor 'a': offsets [4, 12] not contiguous (expected begin 0)" \
		gan-info st-offsets-not-zero.st
}

@test "rule st-offsets-not-end: data continues after the last tensor" {
	fails "gan-info: st-offsets-not-end.st: data section is 20 bytes but tensors end at 16" \
		gan-info st-offsets-not-end.st
}

@test "rule st-truncated-data: the data section is short" {
	fails "gan-info: st-truncated-data.st: truncated (expected 16 data bytes, got 12)" \
		gan-info st-truncated-data.st
}

@test "rule st-byte-length: byte range differs from shape x dtype size" {
	fails "gan-info: st-byte-length.st: tensor 'a': 8 bytes for shape [3] of F32 (expected 12)" \
		gan-info st-byte-length.st
}

@test "rule st-metadata-value: a non-string __metadata__ value" {
	fails "gan-info: st-metadata-value.st: __metadata__: value of 'step' is not a string" \
		gan-info st-metadata-value.st
}

@test "rule st-nan: NaN in an F32 tensor" {
	fails "gan-info: st-nan.st: tensor 'a': non-finite value at index 1" gan-info st-nan.st
}

@test "rule st-inf: -Inf in an F32 tensor" {
	fails "gan-info: st-inf.st: tensor 'a': non-finite value at index 0" gan-info st-inf.st
}

# ---- checkpoints: what the model expects (gan-sample, gan-step) ----

@test "rule ck-missing-tensor: a parameter is missing" {
	fails "gan-sample: ck-missing-tensor.st: tensor 'G.0.bias' missing" gan-sample ck-missing-tensor.st
	fails "gan-step: ck-missing-tensor.st: tensor 'G.0.bias' missing" \
		gan-step ck-missing-tensor.st --data good.npy --steps 1 -o never.st
	[ ! -e never.st ]
}

@test "rule ck-unexpected-tensor: a tensor the model does not have" {
	fails "gan-sample: ck-unexpected-tensor.st: unexpected tensor 'G.7.weight'" \
		gan-sample ck-unexpected-tensor.st
}

@test "rule ck-shape: a parameter of the wrong shape" {
	fails "gan-sample: ck-shape.st: tensor 'G.0.weight': shape [4, 1], model expects [2, 2]" \
		gan-sample ck-shape.st
}

@test "rule ck-dtype: a parameter of the wrong dtype" {
	fails "gan-sample: ck-dtype.st: tensor 'G.0.weight': dtype F64, model expects F32" \
		gan-sample ck-dtype.st
	fails "gan-step: ck-dtype.st: tensor 'G.0.weight': dtype F64, model expects F32" \
		gan-step ck-dtype.st --data good.npy --steps 1 -o never.st
}

@test "rule ck-metadata-missing: metadata 'step' missing" {
	fails "gan-sample: ck-metadata-missing.st: metadata 'step' missing" gan-sample ck-metadata-missing.st
}

@test "rule ck-metadata-value: metadata 'lr_d' is not a number" {
	fails "gan-sample: ck-metadata-value.st: metadata 'lr_d': 'fast' is not a learning rate" \
		gan-sample ck-metadata-value.st
}

@test "rule ck-seed: metadata 'seed' beyond 2^64" {
	fails "gan-sample: ck-seed.st: metadata 'seed' missing or not a number" gan-sample ck-seed.st
}

@test "rule ck-model-text: bad model text in the metadata" {
	fails "gan-sample: ck-model-text.st: model:26: bad number 'zwei' for linear (expected an integer in 1..65536)" \
		gan-sample ck-model-text.st
}

@test "rule ck-format: another format string" {
	fails "gan-sample: ck-format.st: not a gantools checkpoint (metadata 'format' is 'someone-elses-format-3', expected 'gantools-checkpoint-1')" \
		gan-sample ck-format.st
}

# ---- IDX (gan-data mnist) ----

@test "rule idx-magic: bad magic" {
	fails "gan-data: idx-magic.idx: not an IDX file (bad magic)" gan-data mnist idx-magic.idx
}

@test "rule idx-type: not u8 (type 0x0D, float)" {
	fails "gan-data: idx-type.idx: IDX type 0x0D not supported (u8 images only)" \
		gan-data mnist idx-type.idx
}

@test "rule idx-dims: 5 dimensions" {
	fails "gan-data: idx-dims.idx: IDX with 5 dimensions not supported (1 to 4)" \
		gan-data mnist idx-dims.idx
}

@test "rule idx-truncated: data shorter than the header says" {
	fails "gan-data: idx-truncated.idx: truncated: expected 36 bytes of data, got 31" \
		gan-data mnist idx-truncated.idx
}

@test "rule idx-trailing: bytes after the data" {
	fails "gan-data: idx-trailing.idx: trailing data after 36 bytes of IDX data" \
		gan-data mnist idx-trailing.idx
}

@test "rule idx-gzip-truncated: a cut gzip file" {
	fails "gan-data: idx-gzip-truncated.idx: truncated gzip data (unexpected end of file)" \
		gan-data mnist idx-gzip-truncated.idx
}

@test "rule idx-gzip-corrupt: damaged deflate data" {
	fails "gan-data: idx-gzip-corrupt.idx: corrupt gzip data (invalid distance too far back)" \
		gan-data mnist idx-gzip-corrupt.idx
}

# ---- PNG (gan-data images) ----

@test "rule png-not-png: a .png that is not a PNG" {
	fails "gan-data: png-not-png/a.png: not a PNG file" gan-data images --size 4 png-not-png
}

@test "rule png-truncated: a cut PNG" {
	fails "gan-data: png-truncated/a.png: truncated or corrupt PNG (unexpected end of file)" \
		gan-data images --size 4 png-truncated
}

@test "rule png-crc: a chunk with a bad CRC" {
	fails "gan-data: png-crc/a.png: truncated or corrupt PNG (IHDR: CRC error)" \
		gan-data images --size 4 png-crc
}

@test "rule png-too-large: 60000x60000 declared, refused before decoding" {
	fails "gan-data: png-too-large/a.png: image too large (60000x60000)" \
		gan-data images --size 4 png-too-large
}

# ---- model files (gan-init FILE) ----

@test "rule model-layer: unknown layer" {
	fails "gan-init: model-layer.model:14: unknown layer 'tanhh'" gan-init model-layer.model
}

@test "rule model-number: bad number" {
	fails "gan-init: model-number.model:6: bad number '0.05x' for lr_d (expected a number in 0..10)" \
		gan-init model-number.model
}

@test "rule model-shape: layer shapes do not chain" {
	fails "gan-init: model-shape.model:15: linear expects 4 input features, gets 5" \
		gan-init model-shape.model
}

@test "rule model-section: missing [D] section" {
	fails "gan-init: model-section.model: no layers in [D]" gan-init model-section.model
}

@test "rule model-key: a key set twice" {
	fails "gan-init: model-key.model:10: key 'batch' set twice" gan-init model-key.model
}

@test "badfiles: every rule has a test and a row in RULES.md" {
	local tests rows id
	tests=$(sed -n 's/^@test "rule \([a-z0-9-]*\):.*/\1/p' "$BATS_TEST_FILENAME" | sort)
	rows=$(sed -n 's/^| `\([a-z0-9-]*\)` .*/\1/p' "$BATS_TEST_DIRNAME/badfiles/RULES.md" | sort)
	[ "$tests" = "$rows" ]
	for id in $tests; do
		ls "$BAD/$id"* > /dev/null
	done
	echo "badfiles: $(echo "$tests" | wc -l) rules covered" >&3
}
