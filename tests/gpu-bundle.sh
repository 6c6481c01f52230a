#!/bin/sh
# tests/gpu-bundle.sh [DIR] - the GPU checks for a machine other than the one
# that builds: a GPU host that has a CUDA driver, cuDNN 9 and cuBLAS (PyTorch's
# wheels will do) and Python with numpy, but no compiler, no Debian packages
# and perhaps no network. Builds the tools and the CUDA library for any
# x86-64-v3 CPU into build-dev/ (`-march=native` would be this CPU's), and
# puts beside them in DIR (default gpu-bundle/, ignored by git) what the tools
# and the tests load that such a host may lack: OpenBLAS and the libraries
# the tools link, bats, the PyTorch peers. Copy the checkout with build-dev/
# and DIR there (about 45 MB), then run from its root:
#   sh DIR/run.sh [OUTDIR]
# which runs make gpu-check's test (cuda/test_gpu_ops.cu), tests/gpu.bats and
# bench/gpu.sh, each log in OUTDIR (default DIR/out), and exits non-zero if a
# test failed. Without a device the tests say they skipped.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-gpu-bundle}
case $dir in /*) ;; *) dir=$root/$dir ;; esac
cd "$root"
make --no-print-directory B=build-dev NATIVE=-march=x86-64-v3 all gpu
[ -x build-dev/tests-gpu/test_gpu_ops ] && [ -f build-dev/lib/libgantools-gpu.so ] || {
	echo "gpu-bundle: the CUDA library was not built (nvcc and cuDNN are needed here)" >&2
	exit 1
}
rm -rf "$dir"
mkdir -p "$dir/lib" "$dir/bats/bin" "$dir/bats/lib" "$dir/bats/libexec" "$dir/peers"
# What the tools, the tests and libopenblas link that is not glibc or the
# CUDA libraries (found on the host); OpenBLAS itself (dlopen'ed).
libs=$(for f in build-dev/bin/* build-dev/lib/*.so build-dev/tests-gpu/*; do ldd "$f"; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
	grep -E 'libjansson|libgomp|libpng16|libz\.so|libgfortran|libquadmath' | sort -u)
blas=$(readlink -f "$(ldconfig -p | awk '/libopenblas\.so\.0 / { print $NF; exit }')")
[ -f "$blas" ] || { echo "gpu-bundle: no libopenblas.so.0 here" >&2; exit 1; }
for f in $libs $blas $(ldd "$blas" | awk '$2 == "=>" && /gfortran|quadmath/ { print $3 }'); do
	cp -L "$f" "$dir/lib/"
done
mv "$dir/lib/$(basename "$blas")" "$dir/lib/libopenblas.so.0" 2>/dev/null || true
bats=$(readlink -f "$(command -v bats)")
broot=${bats%/*/*}
cp "$bats" "$dir/bats/bin/"
cp -r "$broot/lib/bats-core" "$dir/bats/lib/"
cp -r "$broot/libexec/bats-core" "$dir/bats/libexec/"
[ -d "$root/../shared/peers" ] && cp "$root"/../shared/peers/*.py "$dir/peers/"
cat > "$dir/run.sh" <<'EOF'
#!/bin/sh
# run.sh [OUTDIR] - written by tests/gpu-bundle.sh; run from the checkout's root.
set -u
b=$(cd "$(dirname "$0")" && pwd)
out=${1:-$b/out}
mkdir -p "$out"
py=
for c in python3 /usr/bin/python3; do
	"$c" -c 'import numpy' 2>/dev/null && { py=$(command -v "$c"); break; }
done
[ -n "$py" ] || { echo "run.sh: a python3 with numpy is needed" >&2; exit 1; }
# cuDNN and cuBLAS: PyTorch's wheels, else the CUDA toolkit's folder.
sp=$("$py" -c 'import site; print(site.getsitepackages()[0])' 2>/dev/null)
nv=$(ls -d "$sp"/nvidia/*/lib "$sp"/nvidia/cu*/lib /usr/local/cuda/lib64 2>/dev/null | tr '\n' ':')
export LD_LIBRARY_PATH="$b/lib:$nv${LD_LIBRARY_PATH:-}"
export GAN_OPENBLAS="$b/lib/libopenblas.so.0" GAN_TEST_PY="$py"
{
	nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
	sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1
	ldd build-dev/lib/libgantools-gpu.so | grep -E 'not found|cudnn|cublas'
} > "$out/host.txt" 2>&1
cat "$out/host.txt"
fail=0
build-dev/tests-gpu/test_gpu_ops > "$out/gpu_ops.txt" 2>&1 || fail=1
grep -E 'FAIL|passed|skipped' "$out/gpu_ops.txt"
GAN_BIN="$PWD/build-dev/bin" "$b/bats/bin/bats" tests/gpu.bats > "$out/gpu_bats.txt" 2>&1 || fail=1
grep -E '^not ok|^# ' "$out/gpu_bats.txt"
echo "gpu.bats: $(grep -c '^ok' "$out/gpu_bats.txt") ok, $(grep -c '^not ok' "$out/gpu_bats.txt") not ok"
BENCH_PEERS="$b/peers" BENCH_PYTHON="$py" sh bench/gpu.sh build-dev/bin > "$out/bench_gpu.txt" 2>&1
cat "$out/bench_gpu.txt"
exit $fail
EOF
chmod +x "$dir/run.sh"
echo "gpu-bundle: $dir ($(du -sh "$dir" build-dev/bin build-dev/lib build-dev/tests-gpu |
	awk '{ s = s sep $1 " " $2; sep = ", " } END { print s }'))"
