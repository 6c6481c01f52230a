#!/usr/bin/env bats
# reproducible.bats - the Gaussian GANs never reach OpenBLAS (their products
# run on gemm.c's own loops, each entry summed in order), so they train to
# the same bits whichever kernels OpenBLAS picks and whichever variants of
# its maths glibc picks for the CPU. Before, gaussian1d's 12x8x8 products went
# to OpenBLAS and its checkpoints differed between the Haswell, SkylakeX and
# Prescott kernels. (A PORTABLE=1 build, SSE2 without -march=native, gives
# the same bits as well; measured, not tested here.)
load helper

setup() { scratch; }

# train TAG ENV...: the three Gaussian presets under the environment ENV.
train() {
	local tag=$1
	shift
	env "$@" gan-data gaussian2d -n 400 --seed 2 -o "d2.npy"
	env "$@" gan-init gaussian2d --seed 2 -o "i2.st"
	env "$@" gan-step i2.st --data d2.npy --epochs 3 -o "$tag-2d.st" 2>/dev/null
	env "$@" gan-data gaussian1d -n 1200 --mean 4 --std 0.5 --seed 2 -o d1.npy
	for p in gaussian1d gaussian1d-mbd; do
		env "$@" gan-init "$p" --seed 2 -o "i-$p.st"
		env "$@" gan-step "i-$p.st" --data d1.npy --steps 60 -o "$tag-$p.st" 2>/dev/null
	done
}

@test "reproducible: the Gaussians give the same bits under every OpenBLAS kernel and glibc variant" {
	masks=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512DQ,-AVX512BW,-AVX2,-FMA,-AVX
	train ref X=1
	train haswell OPENBLAS_CORETYPE=Haswell
	train prescott OPENBLAS_CORETYPE=Prescott GLIBC_TUNABLES=$masks
	grep -qw avx512f /proc/cpuinfo && train skx OPENBLAS_CORETYPE=SkylakeX
	for w in 2d gaussian1d gaussian1d-mbd; do
		cmp "ref-$w.st" "haswell-$w.st"
		cmp "ref-$w.st" "prescott-$w.st"
	done
	if grep -qw avx512f /proc/cpuinfo; then
		for w in 2d gaussian1d gaussian1d-mbd; do cmp "ref-$w.st" "skx-$w.st"; done
	fi
}
