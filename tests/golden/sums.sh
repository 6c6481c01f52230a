#!/bin/sh
# golden/sums.sh BIN - prints "KEY NAME SHA256" for the CPU-deterministic
# outputs of the tools in BIN (Netpbm-style golden checksums): gan-data and
# gan-init (key "any": RNG and formats only, the same on every machine), and
# for each preset a 3-step gan-step and a gan-sample of its result: key the
# architecture (uname -m) for the Gaussians, which never reach OpenBLAS and
# give the same bits on every CPU of it (tests/reproducible.bats), the numeric
# platform for the DCGANs, whose BLAS kernels and vector width change last bits.
# tests/golden.bats compares with tests/golden/SUMS; tests/golden/record.sh
# rewrites that file's lines for this platform.
set -eu
bin=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
sum() { sha256sum "$1" | cut -d' ' -f1; }
# The numeric platform: the machine, the compiler's -march=native target
# and whether it has AVX-512 (vector width), the kernel set OpenBLAS runs
# (its own choice, or OPENBLAS_CORETYPE, which some machines set in their
# environment): the kernel set decides the DCGANs' bits, seen on an AMD
# EPYC Zen 5 that reproduces the Zen 4 sums under OpenBLAS's own choice
# (Cooperlake), the Intel Xeons' under SkylakeX, and others under Haswell;
# and the thread count pinned below.
target=$(${CC:-cc} -march=native -Q --help=target 2>/dev/null |
	awk '$1 == "-march=" { m = $2 } $1 == "-mavx512f" && $2 == "[enabled]" { v = "-avx512" }
	     END { print (m ? m : "unknown") v }')
core=$(/usr/bin/python3 -c 'import ctypes, sys
f = ctypes.CDLL(sys.argv[1]).openblas_get_corename
f.restype = ctypes.c_char_p
print(f().decode())' "${GAN_OPENBLAS:-libopenblas.so.0}" 2>/dev/null || echo unknown)
key="$(uname -m)-$target-$core-t2"
echo "platform $key"
arch=$(uname -m)

"$bin/gan-data" gaussian2d --seed 1 -o g2.npy
echo "any gan-data-gaussian2d-seed1 $(sum g2.npy)"
"$bin/gan-data" gaussian1d --seed 1 -o g1.npy
echo "any gan-data-gaussian1d-seed1 $(sum g1.npy)"
for p in gaussian2d gaussian1d gaussian1d-mbd dcgan-mnist dcgan64; do
	"$bin/gan-init" "$p" --seed 1 -o "$p.st"
	echo "any gan-init-$p-seed1 $(sum "$p.st")"
done

# Image data sets without an RNG: byte k is (7 k) mod 251.
/usr/bin/python3 -c 'import numpy as np
for name, shape in (("m.npy", (32, 1, 28, 28)), ("p.npy", (8, 3, 64, 64))):
    n = int(np.prod(shape))
    np.save(name, (np.arange(n, dtype=np.int64) * 7 % 251).astype(np.uint8).reshape(shape))'
"$bin/gan-data" gaussian2d --seed 2 -n 64 -o s2.npy
"$bin/gan-data" gaussian1d --seed 2 -n 64 -o s1.npy
for p in gaussian2d gaussian1d gaussian1d-mbd dcgan-mnist dcgan64; do
	case $p in
	gaussian2d) d=s2.npy b=8 ;;
	gaussian1d*) d=s1.npy b=12 ;;
	dcgan-mnist) d=m.npy b=16 ;;
	dcgan64) d=p.npy b=4 ;;
	esac
	"$bin/gan-step" --threads 2 --device cpu --steps 3 --batch $b --data $d \
		-o "$p-3.st" "$p.st" 2>/dev/null
	k=$key
	case $p in gaussian*) k=$arch ;; esac
	echo "$k gan-step-$p-3 $(sum "$p-3.st")"
	"$bin/gan-sample" --device cpu -n 8 --seed 1 -o "$p-3.npy" "$p-3.st"
	echo "$k gan-sample-$p-3 $(sum "$p-3.npy")"
done
