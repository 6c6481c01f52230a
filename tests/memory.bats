#!/usr/bin/env bats
# memory.bats - the bytes a command will hold are known before it holds
# them (issue 12 point 3): inputs that declare more than GAN_MEM_LIMIT are
# refused with the size in the message, before any work, and a checkpoint
# whose model text does not match its tensors is refused before the model
# is allocated.

load helper

setup() { scratch; }

# gzip_idx FILE N H W: a gzip'd u8 IDX of N zero images H x W, written in
# chunks (a few hundred KB for hundreds of MB declared).
gzip_idx() {
	"$PY" - "$@" <<'PY'
import struct, sys, zlib
path, n, h, w = sys.argv[1], *map(int, sys.argv[2:5])
z = zlib.compressobj(9, zlib.DEFLATED, 31)
out = open(path, "wb")
out.write(z.compress(b"\0\0\x08\x03" + struct.pack(">III", n, h, w)))
left, chunk = n * h * w, bytes(1 << 22)
while left:
    k = min(left, len(chunk)); out.write(z.compress(chunk[:k])); left -= k
out.write(z.flush())
PY
}

# big_png FILE W H TYPE: a W x H all-zero PNG of colour type TYPE (3 =
# palette, 2 = RGB), rows compressed in chunks.
big_png() {
	"$PY" - "$@" <<'PY'
import struct, sys, zlib
path, w, h, t = sys.argv[1], *map(int, sys.argv[2:5])
ch = {3: 1, 2: 3}[t]
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
z = zlib.compressobj(9)
row = bytes(1 + w * ch)
data = b"".join(z.compress(row) for _ in range(h)) + z.flush()
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, t, 0, 0, 0))
if t == 3:
    png += chunk(b"PLTE", bytes([0, 0, 0, 255, 255, 255]))
open(path, "wb").write(png + chunk(b"IDAT", data) + chunk(b"IEND", b""))
PY
}

@test "a small checkpoint whose model text declares huge layers is refused before allocating" {
	gan-init gaussian2d --seed 1 -o small.st
	"$PY" - <<'PY'
import json, struct
raw = open("small.st", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
hdr = json.loads(raw[8:8 + n])
text = hdr["__metadata__"]["model"]
big = "[G]\nlinear 2 16384\n" + "linear 16384 16384\n" * 4 + "linear 16384 2\n"
hdr["__metadata__"]["model"] = text.replace("[G]\nlinear 2 2", big.rstrip("\n"))
assert hdr["__metadata__"]["model"] != text
h = json.dumps(hdr).encode()
h += b" " * (-len(h) % 8)
open("huge.st", "wb").write(struct.pack("<Q", len(h)) + h + raw[8 + n:])
PY
	[ "$(stat -c %s huge.st)" -lt 8000 ]
	GAN_MEM_LIMIT=100000000 run gan-sample -n 4 huge.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: huge.st: tensor 'G.0.weight': shape [2, 2], model expects [16384, 2]" ]
	run gan-step --data /dev/null --steps 1 -o o.st huge.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-step: huge.st: tensor 'G.0.weight': shape [2, 2], model expects [16384, 2]" ]
}

@test "gan-data mnist: a gzip IDX declaring more than the limit is refused with its size" {
	gzip_idx big.gz 2500 200 400
	[ "$(stat -c %s big.gz)" -lt 1000000 ]
	GAN_MEM_LIMIT=50000000 run gan-data mnist big.gz -o o.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: big.gz: the IDX data (200000000 bytes declared) needs 190.7 MiB of memory but 47.7 MiB is available" ]
	[ ! -e o.npy ]
}

@test "gan-data images: a palette PNG or a folder of large PNGs over the limit is refused" {
	mkdir pal rgb
	big_png pal/p.png 8000 8000 3
	[ "$(stat -c %s pal/p.png)" -lt 200000 ]
	GAN_MEM_LIMIT=50000000 run gan-data images pal --size 8 -o o.npy
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-data: pal/p.png: the 8000x8000 image needs 183.1 MiB of memory but 47.7 MiB is available" ]]
	big_png rgb/a.png 5000 5000 2
	cp rgb/a.png rgb/b.png
	GAN_MEM_LIMIT=50000000 run gan-data images rgb --size 8 -o o.npy
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-data: rgb/a.png: the 5000x5000 image needs 71.5 MiB of memory but 47.7 MiB is available" ]]
	[ ! -e o.npy ]
	# under the limit the same folder converts
	GAN_MEM_LIMIT=200000000 gan-data images rgb --size 8 -o o.npy
}

@test "gan-data gaussian2d -n huge is refused before generating, with the size" {
	GAN_MEM_LIMIT=50000000 run gan-data gaussian2d -n 20000000 -o o.npy
	[ "$status" -eq 1 ]
	[ "$output" = "gan-data: a f32 20000000x2 tensor needs 152.6 MiB of memory but 47.7 MiB is available" ]
	[ ! -e o.npy ]
}

@test "gan-sample -n huge --png is refused before any sample is made" {
	gan-init dcgan-mnist --seed 1 -o m.st
	SECONDS=0
	run timeout 60 gan-sample -n 1000000 --png g.png m.st
	[ "$status" -eq 1 ]
	[ "$output" = "gan-sample: g.png: grid of 30002x30002 pixels is too large" ]
	[ "$SECONDS" -lt 20 ]
	GAN_MEM_LIMIT=300000000 run timeout 60 gan-sample -n 100000 --png g.png m.st
	[ "$status" -eq 1 ]
	[[ "$output" == "gan-sample: 100000 samples needs "*" MiB of memory but 286.1 MiB is available" ]]
	[ ! -e g.png ]
}
