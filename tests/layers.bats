#!/usr/bin/env bats
# layers.bats - the include direction of libcommon/ and cuda/ (tests/layers.sh):
# the tree passes, and a copy with an upward include, an include of no header
# and a trainer header in the CUDA backend is refused, each named.

load helper

@test "layers: every include of libcommon/ and cuda/ points down the layers" {
	run sh "$ROOT/tests/layers.sh" "$ROOT"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "layers: "*" includes checked, 0 violations" ]]
}

@test "layers: upward includes, unknown headers and a trainer in cuda/ are refused" {
	scratch
	cp -r "$ROOT/libcommon" "$ROOT/cuda" .
	printf '#include "net.h"\n#include "nosuch.h"\n' >> libcommon/nn/linear.c
	printf '#include "train.h"\n' >> cuda/gpu.cu
	run sh "$ROOT/tests/layers.sh" "$PWD"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'layers: libcommon/nn/linear.c includes engine/net.h: nn may use base' ]
	[ "${lines[1]}" = 'layers: libcommon/nn/linear.c includes "nosuch.h", which is no header of libcommon/ or cuda/' ]
	[[ "$output" == *'layers: cuda/gpu.cu includes engine/train.h: the CUDA backend knows no trainer'* ]]
	[[ "${lines[-1]}" == "layers: "*" includes checked, 3 violations" ]]
}
