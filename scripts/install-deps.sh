#!/bin/sh
# install-deps.sh - installs the Debian packages gantools needs to build,
# test and run; quiet and quick when they are all present.
#   install-deps.sh              installs whatever is missing (as root, or
#                                through sudo)
#   install-deps.sh --missing    prints the missing packages, installs nothing
#   install-deps.sh --missing-build   the same, for building only (the Makefile
#                                asks this when a header is not found)
#   install-deps.sh --bench      also what `make bench` needs: Debian's
#                                PyTorch, which runs the peers (~1 GB)
# Every program `make check` runs is here: a test never depends on one that
# it neither installs nor skips with a reason.
set -e
# To build the tools and the unit tests. libdnnl-dev (oneDNN 2.6, for
# `gan-step --kernels onednn`) is optional to the build: without its header
# the tools build and that option says "oneDNN support not built".
BUILD="build-essential pkg-config libopenblas-dev libopenblas0-pthread libpng-dev zlib1g-dev
libjansson-dev libcairo2-dev libdnnl-dev"
# To run the tests: bats, Python with NumPy (the tests' independent readers
# and writers of .npy, safetensors and PNG), clang and its sanitizer runtime
# (make fuzz), fonts for the pictures, GNU time, man (the man pages render),
# debootstrap (make fresh-check), Open MPI (libgantools-mpi.so is built
# where mpicc is found; tests/mpi.bats runs mpirun; the tools build and run
# without it), valgrind (make check ends with tests/valgrind.sh).
TEST="clang libclang-rt-14-dev fonts-dejavu-core bats python3-numpy time man-db
debootstrap libopenmpi-dev openmpi-bin valgrind"
# To run the peers of `make bench` and bench/quality-mnist.sh (not needed by
# make check: the PyTorch reference values are committed fixtures).
BENCH="python3-torch"
missing_of() {
	out=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			out="$out $p"
	done
	echo "${out# }"
}
want="$BUILD $TEST"
case "${1:-}" in
--missing) missing_of $BUILD $TEST; exit 0 ;;
--missing-build) missing_of $BUILD; exit 0 ;;
--bench) want="$want $BENCH" ;;
"") ;;
*) echo "usage: install-deps.sh [--missing | --missing-build | --bench]" >&2; exit 1 ;;
esac
missing=$(missing_of $want)
[ -z "$missing" ] && exit 0
echo "install-deps: installing: $missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
