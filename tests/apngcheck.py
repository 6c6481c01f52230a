#!/usr/bin/python3
"""apngcheck.py FILE [FRAME.png ...] - checks an animated PNG as the APNG
specification lays it out: every chunk's CRC, acTL before the first IDAT,
fcTL/fdAT sequence numbers 0, 1, 2, ... in order, one fcTL per frame of
the full size. Prints "WIDTHxHEIGHT FRAMES PLAYS DELAY_MS", then for each
FRAME.png given, whether frame k decodes to the same pixels ("same" or
"differs"). Exit 1 if the file is not such an APNG."""
import os
import struct
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pngcheck import decode  # noqa: E402


def chunks(data):
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit('apngcheck: not a PNG')
    pos = 8
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack('>I', data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) != crc:
            sys.exit('apngcheck: bad CRC in %s' % kind)
        yield kind, body
        pos += 12 + n


def frames(path):
    data = open(path, 'rb').read()
    ihdr, actl, seq, out, delays, seen_idat = None, None, 0, [], set(), False
    for kind, body in chunks(data):
        if kind == b'IHDR':
            ihdr = body
        elif kind == b'acTL':
            if seen_idat:
                sys.exit('apngcheck: acTL after IDAT')
            actl = struct.unpack('>II', body)
        elif kind == b'fcTL':
            s, w, h, x, y, dn, dd, _, _ = struct.unpack('>IIIIIHHBB', body)
            if s != seq or (w, h, x, y) != struct.unpack('>II', ihdr[:8]) + (0, 0):
                sys.exit('apngcheck: bad fcTL %d' % s)
            seq += 1
            delays.add(1000 * dn // dd)
            out.append(b'')
        elif kind in (b'IDAT', b'fdAT'):
            if kind == b'fdAT':
                if struct.unpack('>I', body[:4])[0] != seq:
                    sys.exit('apngcheck: bad fdAT sequence')
                seq += 1
                body = body[4:]
            seen_idat = True
            out[-1] += body
    if actl is None or actl[0] != len(out) or len(delays) != 1:
        sys.exit('apngcheck: acTL says %s frames, %d found' % (actl, len(out)))
    w, h = struct.unpack('>II', ihdr[:8])
    return w, h, actl[1], delays.pop(), ihdr, out


def main():
    w, h, plays, delay, ihdr, zs = frames(sys.argv[1])
    print('%dx%d %d %d %d' % (w, h, len(zs), plays, delay))
    for k, ref in enumerate(sys.argv[2:]):
        def ck(t, d):
            return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
        png = b'\x89PNG\r\n\x1a\n' + ck(b'IHDR', ihdr) + ck(b'IDAT', zs[k]) + ck(b'IEND', b'')
        with tempfile.NamedTemporaryFile(suffix='.png') as f:
            f.write(png)
            f.flush()
            print('same' if decode(f.name)[2] == decode(ref)[2] else 'differs')


if __name__ == '__main__':
    main()
