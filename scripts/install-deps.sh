#!/bin/sh
# install-deps.sh - installs the Debian packages gantools needs to build,
# test and run; quiet and quick when they are all present.
set -e
PKGS="build-essential clang libclang-rt-14-dev pkg-config libopenblas-dev libopenblas0-pthread
libpng-dev zlib1g-dev libjansson-dev libcairo2-dev fonts-dejavu-core bats python3-numpy
time"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
