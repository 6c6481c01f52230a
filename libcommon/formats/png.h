/* png.h - PNG files in and out through libpng: any PNG read as 8-bit RGB
 * (alpha composited on white), grey/RGB/RGBA written atomically or to stdout.
 * Note: this is gantools' header; png.c reaches libpng as <libpng16/png.h>. */
#ifndef GAN_PNG_H
#define GAN_PNG_H

#include <stdint.h>
#include <stdio.h>
#include "err.h"

/* Largest accepted image: width * height <= PNG_MAX_PIXELS. */
#define PNG_MAX_PIXELS ((int64_t)1 << 28)

/* Reads any PNG (grey, palette, tRNS, 16-bit, interlaced, alpha) as 8-bit
 * RGB: *rgb is malloc'ed, h x w x 3 interleaved (HWC), alpha composited on
 * white (out = a*c + (1-a)*255, rounded). path "-" or NULL is stdin.
 * 0, or -1 with e ("<path>: not a PNG file", "<path>: truncated or corrupt
 * PNG (<libpng message>)"); *rgb is NULL on failure. */
int png_read_rgb(const char *path, uint8_t **rgb, int *w, int *h, Err *e);
/* Same from an open stream; name is used in messages. */
int png_read_rgb_file(FILE *f, const char *name, uint8_t **rgb, int *w, int *h,
		      Err *e);
/* Same from memory (buf, n bytes). */
int png_read_rgb_mem(const uint8_t *buf, size_t n, const char *name,
		     uint8_t **rgb, int *w, int *h, Err *e);

/* Writes pix, h x w x channels interleaved (HWC), 8-bit; channels 1 (grey),
 * 3 (RGB) or 4 (RGBA). path "-" or NULL is stdout (refused on a terminal);
 * a named file is written atomically (outfile.h). 0 or -1 with e. */
int png_write(const char *path, const uint8_t *pix, int w, int h, int channels,
	      Err *e);
/* Same onto an open stream (not closed or flushed); name for messages. */
int png_write_file(FILE *f, const char *name, const uint8_t *pix, int w, int h,
		   int channels, Err *e);

#endif
