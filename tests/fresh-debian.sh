#!/bin/sh
# fresh-debian.sh [DIR] - the README's promise, tried as a newcomer would: a
# bare Debian 12 root (debootstrap --variant=minbase, plus git and make only),
# a clone of this repository in it, then `make demo` and `make check` as the
# README says, inside that root. Run by `make fresh-check`; not part of
# `make check` (it downloads ~400 MB of packages and takes 15-30 minutes).
#
# Needs root (chroot, mounts in a private namespace made with unshare -m:
# nothing of the machine's own /dev or mounts is touched; the root's /dev
# holds device nodes of its own), debootstrap, and a Debian mirror (the
# first URI of /etc/apt/sources.list.d/debian.sources or sources.list, or
# $DEBIAN_MIRROR). Without them it says so and exits 0 (skipped).
# DIR (default: a new temporary folder) keeps the bare root as a tar file
# for a second run, which then skips debootstrap but starts as bare. Prints the last lines of each command and
# ends with "fresh-check: passed" or "fresh-check: FAILED (...)".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
skip() { echo "fresh-check: skipped ($1)"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v debootstrap >/dev/null || skip "debootstrap not installed (apt-get install debootstrap)"
command -v unshare >/dev/null || skip "unshare not found"
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\(http[^ ]*\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
fi
[ -n "$mirror" ] || skip "no Debian mirror configured (set DEBIAN_MIRROR)"

dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/fresh-debian.XXXXXX")}
mkdir -p "$dir" || exit 2
chr="$dir/root"
log="$dir/log"
mkdir -p "$log"
t0=$(date +%s)
say() { echo "fresh-check: $* ($(( $(date +%s) - t0 )) s)"; }

# The root as debootstrap left it plus git and make is kept as a tar file,
# and every run starts from it: a second run skips the download, yet meets
# no package an earlier run installed (make must still stop at once).
pristine="$dir/pristine.tar"
if [ -f "$pristine" ]; then
	say "the root from $pristine (debootstrap + git + make, as the first run left it)"
	rm -rf "$chr" && mkdir -p "$chr" && tar -C "$chr" -xf "$pristine" ||
		{ echo "fresh-check: FAILED (restoring $pristine)"; exit 1; }
else
	rm -rf "$chr"
	say "debootstrap --variant=minbase bookworm from $mirror into $chr"
	debootstrap --variant=minbase bookworm "$chr" "$mirror" > "$log/debootstrap" 2>&1 ||
		{ tail -n 5 "$log/debootstrap"; echo "fresh-check: FAILED (debootstrap)"; exit 1; }
fi

# Everything below runs in a private mount namespace: /proc, a devpts
# instance and a tmpfs /dev/shm of the root's own, gone when it exits.
inroot() { # $1 = log name, rest = shell command run in the root as root
	name=$1; shift
	unshare -m --propagation private sh -c '
		chr=$1; shift
		mount -t proc proc "$chr/proc" &&
		mkdir -p "$chr/dev/pts" "$chr/dev/shm" &&
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$chr/dev/pts" &&
		mount -t tmpfs tmpfs "$chr/dev/shm" &&
		{ [ -e "$chr/dev/ptmx" ] || ln -s pts/ptmx "$chr/dev/ptmx"; } &&
		exec chroot "$chr" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/sh -c "$1"' sh "$chr" "$*" > "$log/$name" 2>&1
}

cp /etc/resolv.conf "$chr/etc/resolv.conf" 2>/dev/null
say "apt-get install git make (the newcomer's two packages)"
inroot apt 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git make ca-certificates' ||
	{ tail -n 5 "$log/apt"; echo "fresh-check: FAILED (apt-get install git make)"; exit 1; }
if [ ! -f "$pristine" ]; then
	tar -C "$chr" -cf "$pristine.tmp" . && mv "$pristine.tmp" "$pristine" ||
		{ rm -f "$pristine.tmp"; echo "fresh-check: FAILED (saving $pristine)"; exit 1; }
fi

say "git clone of $(git -C "$root" rev-parse --short HEAD)"
rm -rf "$chr/root/gantools"
git clone -q "$root" "$chr/root/gantools" || { echo "fresh-check: FAILED (git clone)"; exit 1; }
# The PyTorch peers and contracts live beside the repository (../shared).
[ -d "$root/../shared" ] && { rm -rf "$chr/root/shared"; cp -r "$root/../shared" "$chr/root/shared"; }

rc=0
# `make` before `make demo` must stop at once, naming what is missing.
say "make (before make demo: must stop with one line naming the packages)"
if inroot make-first "cd /root/gantools && make"; then
	echo "fresh-check: make succeeded without the -dev packages?"; rc=1
elif [ "$(wc -l < "$log/make-first")" -eq 1 ] && grep -q 'missing build packages: .*build-essential' "$log/make-first"; then
	cat "$log/make-first"
else
	tail -n 5 "$log/make-first"; echo "fresh-check: make did not stop with one line"; rc=1
fi
for goal in demo check; do
	say "make $goal"
	if inroot "make-$goal" "cd /root/gantools && make $goal"; then
		tail -n 3 "$log/make-$goal"
	else
		tail -n 25 "$log/make-$goal"
		echo "fresh-check: make $goal failed; whole log: $log/make-$goal"
		rc=1
	fi
done
if [ $rc -eq 0 ]; then
	say "passed"
	echo "fresh-check: passed"
else
	echo "fresh-check: FAILED (see $log)"
fi
exit $rc
