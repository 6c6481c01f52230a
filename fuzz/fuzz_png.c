/* fuzz_png.c - libFuzzer harness for the PNG reader (png_read_rgb_mem):
 * any bytes must give an 8-bit RGB image of the stated size or a one-line
 * error; a decoded image is written back and must decode identical. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encodes rgb (h x w x 3) to PNG in memory and decodes it: same pixels. */
static void round_trip(const uint8_t *rgb, int w, int h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	Err e = {0};
	if (!f || png_write_file(f, "rt.png", rgb, w, h, 3, &e) != 0)
		abort();
	fclose(f);
	uint8_t *back = NULL;
	int w2 = 0, h2 = 0;
	if (png_read_rgb_mem((const uint8_t *)buf, len, "rt.png", &back, &w2, &h2, &e) != 0 ||
	    w2 != w || h2 != h || memcmp(back, rgb, (size_t)w * h * 3) != 0)
		abort();
	free(back);
	free(buf);
}

/* Images over this many pixels are skipped: the reader allocates w x h x 4
 * bytes (up to 1 GiB) before decoding, which an ASan build then poisons,
 * and the same code runs on smaller images (see the fuzzing notes). */
#define MAX_PIXELS ((uint64_t)1 << 22)

/* Pixels an IHDR at the usual place declares (0 if there is none). */
static uint64_t declared_pixels(const uint8_t *d, size_t n)
{
	if (n < 24 || memcmp(d + 12, "IHDR", 4) != 0)
		return 0;
	uint64_t w = (uint64_t)d[16] << 24 | d[17] << 16 | d[18] << 8 | d[19];
	uint64_t h = (uint64_t)d[20] << 24 | d[21] << 16 | d[22] << 8 | d[23];
	return w * h;
}

/* data is one PNG file. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (declared_pixels(data, size) > MAX_PIXELS)
		return 0;
	uint8_t *rgb = NULL;
	int w = 0, h = 0;
	Err e = {0};
	if (png_read_rgb_mem(data, size, "fuzz.png", &rgb, &w, &h, &e) == 0) {
		if (!rgb || w <= 0 || h <= 0 || (int64_t)w * h > PNG_MAX_PIXELS)
			abort();
		/* Re-encoding is skipped for big images to keep runs fast. */
		if ((int64_t)w * h <= 4096)
			round_trip(rgb, w, h);
		else if (rgb[(size_t)w * h * 3 - 1] == 0 && rgb[0] == 1)
			rgb[0] = 0;   /* touches both ends of the buffer for ASan */
		free(rgb);
	} else if (e.code == 0 || e.msg[0] == '\0' || strchr(e.msg, '\n') || rgb) {
		abort();
	}
	return 0;
}
