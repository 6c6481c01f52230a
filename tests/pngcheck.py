#!/usr/bin/python3
"""pngcheck.py FILE [R,G,B ...] - decodes an 8-bit, non-interlaced PNG (grey,
RGB or RGBA; what gantools writes) with zlib only, and prints
"WIDTHxHEIGHT COLOURS" then, for each R,G,B given, the number of pixels
within 40 (sum of absolute channel differences) of it. Exit 1 if the file
is not such a PNG. Importable: decode(path) -> (w, h, [(r, g, b), ...])."""
import struct
import sys
import zlib


def decode(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit('pngcheck: %s: not a PNG' % path)
    pos, idat, w = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            if depth != 8 or interlace or ctype not in (0, 2, 6):
                sys.exit('pngcheck: %s: unsupported PNG layout' % path)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    ch = {0: 1, 2: 3, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b, c = prev[i], prev[i - ch] if i >= ch else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    px = [tuple(r[i:i + 3]) if ch >= 3 else (r[i],) * 3 for r in rows for i in range(0, stride, ch)]
    return w, h, px


def main():
    w, h, px = decode(sys.argv[1])
    print('%dx%d %d' % (w, h, len(set(px))))
    for arg in sys.argv[2:]:
        want = tuple(int(v) for v in arg.split(','))
        print(sum(1 for p in px if sum(abs(p[i] - want[i]) for i in range(3)) <= 40))


if __name__ == '__main__':
    main()
