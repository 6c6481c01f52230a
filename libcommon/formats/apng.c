/* apng.c - APNG writer (see apng.h): the PNG signature, IHDR, acTL, then
 * per frame an fcTL and its image data (IDAT for the first frame, fdAT
 * after), each frame's rows filtered "up" and compressed with zlib, chunk
 * CRCs by zlib's crc32; through outfile.h, so a named file is atomic. */
#include "apng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "outfile.h"

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* One chunk: length, type, data (n bytes), CRC of type and data. */
static int put_chunk(FILE *f, const char *type, const uint8_t *data, size_t n)
{
	uint8_t head[8], crc[4];
	be32(head, (uint32_t)n);
	memcpy(head + 4, type, 4);
	uLong c = crc32(0, head + 4, 4);
	if (n)
		c = crc32(c, data, (uInt)n);
	be32(crc, (uint32_t)c);
	return fwrite(head, 1, 8, f) == 8 && (!n || fwrite(data, 1, n, f) == n) &&
	       fwrite(crc, 1, 4, f) == 4 ? 0 : -1;
}

/* The zlib stream of a frame's rows, each with filter byte 2 ("up": the
 * byte above subtracted), after 4 bytes left free at the start for fdAT's
 * sequence number; *n is the stream's length. NULL when out of memory. */
static uint8_t *frame_data(const uint8_t *rgb, int w, int h, size_t *n)
{
	size_t stride = (size_t)w * 3, raw_n = (stride + 1) * (size_t)h;
	uint8_t *raw = malloc(raw_n);
	uLongf cap = compressBound((uLong)raw_n);
	uint8_t *out = malloc(cap + 4);
	if (!raw || !out) {
		free(raw);
		free(out);
		return NULL;
	}
	for (int y = 0; y < h; y++) {
		uint8_t *r = raw + (size_t)y * (stride + 1);
		const uint8_t *cur = rgb + (size_t)y * stride, *up = y ? cur - stride : NULL;
		r[0] = 2;
		for (size_t i = 0; i < stride; i++)
			r[1 + i] = (uint8_t)(cur[i] - (up ? up[i] : 0));
	}
	int rc = compress2(out + 4, &cap, raw, (uLong)raw_n, 6);
	free(raw);
	if (rc != Z_OK) {
		free(out);
		return NULL;
	}
	*n = cap;
	return out;
}

/* IHDR and acTL. */
static int put_header(FILE *f, int w, int h, int n, int loops)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t ihdr[13] = { 0 }, actl[8];
	be32(ihdr, (uint32_t)w);
	be32(ihdr + 4, (uint32_t)h);
	ihdr[8] = 8;                 /* bit depth */
	ihdr[9] = 2;                 /* RGB */
	be32(actl, (uint32_t)n);
	be32(actl + 4, (uint32_t)loops);
	return fwrite(sig, 1, 8, f) == 8 && !put_chunk(f, "IHDR", ihdr, 13) &&
	       !put_chunk(f, "acTL", actl, 8) ? 0 : -1;
}

/* Frame i: its fcTL, then IDAT (i = 0) or fdAT; *seq counts fcTL and fdAT.
 * 0, -1 with e when out of memory, -2 on a write error (errno set). */
static int put_frame(FILE *f, const uint8_t *rgb, int i, int w, int h, int delay_ms,
		     uint32_t *seq, Err *e)
{
	uint8_t fctl[26] = { 0 };
	be32(fctl, (*seq)++);
	be32(fctl + 4, (uint32_t)w);
	be32(fctl + 8, (uint32_t)h);
	fctl[20] = (uint8_t)(delay_ms >> 8), fctl[21] = (uint8_t)delay_ms;   /* delay_num */
	fctl[22] = 1000 >> 8, fctl[23] = 1000 & 0xff;                        /* delay_den */
	size_t n;
	uint8_t *z = frame_data(rgb, w, h, &n);
	if (!z)
		return err_set(e, EXIT_SYS, "out of memory (frame %d)", i + 1);
	int rc;
	if (i == 0) {
		rc = put_chunk(f, "fcTL", fctl, 26) || put_chunk(f, "IDAT", z + 4, n);
	} else {
		be32(z, (*seq)++);
		rc = put_chunk(f, "fcTL", fctl, 26) || put_chunk(f, "fdAT", z, n + 4);
	}
	free(z);
	return rc ? -2 : 0;
}

int apng_write(const char *path, const uint8_t *const *frames, int n, int w, int h,
	       int delay_ms, int loops, Err *e)
{
	if (n < 1 || w < 1 || h < 1 || (int64_t)w * h > ((int64_t)1 << 28) || delay_ms < 1 ||
	    delay_ms > 65535 || loops < 0)
		return err_set(e, EXIT_BAD, "apng: bad frames (%d of %dx%d)", n, w, h);
	OutFile o;
	if (outfile_open(&o, path, 1, e))
		return -1;
	const char *name = o.is_stdout ? "<stdout>" : o.path;
	uint32_t seq = 0;
	int rc = put_header(o.f, w, h, n, loops) ? err_sys(e, "%s: write error", name) : 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		rc = put_frame(o.f, frames[i], i, w, h, delay_ms, &seq, e);
		if (rc == -2)
			rc = err_sys(e, "%s: write error", name);
	}
	if (rc == 0 && put_chunk(o.f, "IEND", NULL, 0))
		rc = err_sys(e, "%s: write error", name);
	if (rc) {
		outfile_abort(&o);
		return -1;
	}
	return outfile_commit(&o, e);
}
