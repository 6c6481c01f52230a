/* test_png.c - PNG round trips (grey, RGB, RGBA on white) and the reading of
 * palette + tRNS, 16-bit, low bit depth and interlaced files made here with
 * libpng, plus truncated, corrupt and non-PNG input giving errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libpng16/png.h>
#include <zlib.h>
#include "png.h"
#include "check.h"

/* A growing memory buffer that libpng writes into. */
typedef struct { uint8_t *p; size_t n, cap; } Buf;

static void buf_write(png_structp png, png_bytep d, size_t n)
{
	Buf *b = png_get_io_ptr(png);
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void buf_flush(png_structp png) { (void)png; }

/* Encodes rows (packed as libpng expects for depth/type) into b. */
typedef struct {
	int w, h, depth, type, interlace;
	const png_color *pal; int npal;
	const uint8_t *trns; int ntrns;
	const png_color_16 *trns_color;
} Spec;

static void make_png(Buf *b, const Spec *s, const uint8_t *data, size_t stride)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	if (setjmp(png_jmpbuf(png))) {
		fprintf(stderr, "make_png failed\n");
		exit(2);
	}
	memset(b, 0, sizeof *b);
	png_set_write_fn(png, b, buf_write, buf_flush);
	png_set_IHDR(png, info, s->w, s->h, s->depth, s->type, s->interlace,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (s->pal)
		png_set_PLTE(png, info, s->pal, s->npal);
	if (s->trns || s->trns_color)
		png_set_tRNS(png, info, s->trns, s->ntrns, s->trns_color);
	png_write_info(png, info);
	int passes = png_set_interlace_handling(png);
	for (int p = 0; p < passes; p++)
		for (int y = 0; y < s->h; y++)
			png_write_row(png, data + (size_t)y * stride);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
}

static int decode(const Buf *b, uint8_t **rgb, int *w, int *h, Err *e)
{
	return png_read_rgb_mem(b->p, b->n, "mem.png", rgb, w, h, e);
}

static uint8_t on_white(int c, int a) { return (uint8_t)((a * c + (255 - a) * 255 + 127) / 255); }

static void test_roundtrip(const char *dir)
{
	char path[256];
	uint8_t g[5 * 3], rgb[7 * 4 * 3], *out;
	int w, h;
	Err e = { 0 };
	for (int i = 0; i < 15; i++) g[i] = (uint8_t)(i * 17);
	for (int i = 0; i < 84; i++) rgb[i] = (uint8_t)(i * 37 + 5);

	snprintf(path, sizeof path, "%s/grey.png", dir);
	CHECK(png_write(path, g, 5, 3, 1, &e) == 0);
	CHECK(png_read_rgb(path, &out, &w, &h, &e) == 0);
	CHECK(w == 5 && h == 3);
	int ok = out != NULL;
	for (int i = 0; ok && i < 15; i++)
		ok = out[3 * i] == g[i] && out[3 * i + 1] == g[i] && out[3 * i + 2] == g[i];
	CHECK(ok);
	free(out);

	snprintf(path, sizeof path, "%s/rgb.png", dir);
	CHECK(png_write(path, rgb, 7, 4, 3, &e) == 0);
	CHECK(png_read_rgb(path, &out, &w, &h, &e) == 0);
	CHECK(w == 7 && h == 4 && out && memcmp(out, rgb, sizeof rgb) == 0);
	free(out);

	/* Through a stream. */
	FILE *f = tmpfile();
	CHECK(png_write_file(f, "tmp", rgb, 4, 7, 3, &e) == 0);
	rewind(f);
	CHECK(png_read_rgb_file(f, "tmp", &out, &w, &h, &e) == 0);
	CHECK(w == 4 && h == 7 && out && memcmp(out, rgb, sizeof rgb) == 0);
	free(out);
	fclose(f);
}

static void test_rgba(const char *dir)
{
	char path[256];
	const uint8_t px[4 * 4] = { 255, 0, 0, 128, 10, 20, 30, 255, 7, 8, 9, 0, 100, 200, 50, 64 };
	uint8_t *out;
	int w, h;
	Err e = { 0 };
	snprintf(path, sizeof path, "%s/rgba.png", dir);
	CHECK(png_write(path, px, 2, 2, 4, &e) == 0);
	CHECK(png_read_rgb(path, &out, &w, &h, &e) == 0);
	CHECK(w == 2 && h == 2 && out);
	if (!out) return;
	CHECK(out[0] == 255 && abs(out[1] - 127) <= 1 && abs(out[2] - 127) <= 1);
	CHECK(out[3] == 10 && out[4] == 20 && out[5] == 30);
	CHECK(out[6] == 255 && out[7] == 255 && out[8] == 255);
	CHECK(out[9] == on_white(100, 64) && out[10] == on_white(200, 64) && out[11] == on_white(50, 64));
	free(out);
}

static void test_palette_trns(void)
{
	const png_color pal[4] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 9, 9, 9 } };
	const uint8_t trns[2] = { 0, 128 };
	/* 2-bit indices, 4 pixels per byte: row 0 = 0 1 2 3, row 1 = 3 2 1 0. */
	const uint8_t rows[2] = { 0x1b, 0xe4 };
	Spec s = { .w = 4, .h = 2, .depth = 2, .type = PNG_COLOR_TYPE_PALETTE,
		   .pal = pal, .npal = 4, .trns = trns, .ntrns = 2 };
	Buf b;
	make_png(&b, &s, rows, 1);
	uint8_t *out;
	int w, h;
	Err e = { 0 };
	CHECK(decode(&b, &out, &w, &h, &e) == 0);
	CHECK(w == 4 && h == 2 && out);
	if (out) {
		const uint8_t want0[12] = { 255, 255, 255, 127, 255, 127, 0, 0, 255, 9, 9, 9 };
		CHECK(memcmp(out, want0, 12) == 0);
		CHECK(out[12] == 9 && out[21] == 255 && out[22] == 255 && out[23] == 255);
	}
	free(out);
	free(b.p);
}

static void test_16bit(void)
{
	/* RGB 16-bit, big-endian samples, 3 x 1 pixels. */
	const uint16_t v[9] = { 0, 0xffff, 0x8000, 0x1234, 0xabcd, 0x00ff, 0xff00, 0x7f7f, 0x0101 };
	uint8_t row[18];
	for (int i = 0; i < 9; i++) { row[2 * i] = v[i] >> 8; row[2 * i + 1] = v[i] & 0xff; }
	Spec s = { .w = 3, .h = 1, .depth = 16, .type = PNG_COLOR_TYPE_RGB };
	Buf b;
	make_png(&b, &s, row, sizeof row);
	uint8_t *out;
	int w, h, ok;
	Err e = { 0 };
	CHECK(decode(&b, &out, &w, &h, &e) == 0 && w == 3 && h == 1);
	ok = out != NULL;
	for (int i = 0; ok && i < 9; i++)
		ok = abs(out[i] - (int)((v[i] * 255u + 32767) / 65535)) <= 1;
	CHECK(ok);
	free(out);
	free(b.p);

	/* Grey + alpha 16-bit: grey 0 at half alpha -> about 127. */
	const uint8_t ga[4] = { 0, 0, 0x80, 0x00 };
	Spec s2 = { .w = 1, .h = 1, .depth = 16, .type = PNG_COLOR_TYPE_GRAY_ALPHA };
	make_png(&b, &s2, ga, 4);
	CHECK(decode(&b, &out, &w, &h, &e) == 0 && out);
	CHECK(out && abs(out[0] - 127) <= 1 && out[0] == out[1] && out[1] == out[2]);
	free(out);
	free(b.p);
}

/* 1-bit grey, Adam7 interlaced, 9 x 5, with the tRNS grey key 0 (black is
 * transparent and so white), plus a grey-key tRNS on 8-bit RGB. */
static void test_lowbit_interlaced(void)
{
	uint8_t rows[5 * 2];
	for (int y = 0; y < 5; y++) { rows[2 * y] = (uint8_t)(0xa5 ^ y); rows[2 * y + 1] = 0x80; }
	Spec s = { .w = 9, .h = 5, .depth = 1, .type = PNG_COLOR_TYPE_GRAY,
		   .interlace = PNG_INTERLACE_ADAM7 };
	Buf b;
	make_png(&b, &s, rows, 2);
	uint8_t *out;
	int w, h, ok;
	Err e = { 0 };
	CHECK(decode(&b, &out, &w, &h, &e) == 0 && w == 9 && h == 5);
	ok = out != NULL;
	for (int y = 0; ok && y < 5; y++)
		for (int x = 0; ok && x < 9; x++) {
			int bit = rows[2 * y + x / 8] >> (7 - x % 8) & 1;
			ok = out[3 * (y * 9 + x)] == (bit ? 255 : 0);
		}
	CHECK(ok);
	free(out);
	free(b.p);

	png_color_16 key = { .red = 1, .green = 2, .blue = 3 };
	const uint8_t px[6] = { 1, 2, 3, 4, 5, 6 };
	Spec s2 = { .w = 2, .h = 1, .depth = 8, .type = PNG_COLOR_TYPE_RGB, .trns_color = &key };
	make_png(&b, &s2, px, 6);
	CHECK(decode(&b, &out, &w, &h, &e) == 0 && out);
	const uint8_t want[6] = { 255, 255, 255, 4, 5, 6 };
	CHECK(out && memcmp(out, want, 6) == 0);
	free(out);
	free(b.p);
}

static int starts_with(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static void test_bad_input(const char *dir)
{
	uint8_t px[16 * 16 * 3];
	for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 7);
	Spec s = { .w = 16, .h = 16, .depth = 8, .type = PNG_COLOR_TYPE_RGB };
	Buf b;
	make_png(&b, &s, px, 48);
	uint8_t *out = (uint8_t *)&s;
	int w, h;
	Err e = { 0 };
	size_t cuts[] = { 3, 8, 12, 20, 33, 40, 50, b.n / 2, b.n - 13, b.n - 1 };
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		memset(&e, 0, sizeof e);
		int rc = png_read_rgb_mem(b.p, cuts[i], "cut.png", &out, &w, &h, &e);
		CHECK_MSG(rc == -1 && out == NULL && e.code == EXIT_BAD &&
			  starts_with(e.msg, "cut.png: truncated or corrupt PNG ("),
			  "cut at %zu: rc %d msg \"%s\"", cuts[i], rc, e.msg);
	}
	/* A flipped bit inside the IDAT data fails its CRC. */
	b.p[b.n / 2] ^= 0x10;
	CHECK(png_read_rgb_mem(b.p, b.n, "flip.png", &out, &w, &h, &e) == -1);
	CHECK(starts_with(e.msg, "flip.png: truncated or corrupt PNG ("));
	free(b.p);

	CHECK(png_read_rgb_mem((const uint8_t *)"hello, world", 12, "t.txt", &out, &w, &h, &e) == -1);
	CHECK_STR(e.msg, "t.txt: not a PNG file");
	CHECK(png_read_rgb_mem(NULL, 0, "empty", &out, &w, &h, &e) == -1);
	CHECK_STR(e.msg, "empty: not a PNG file");

	char path[256];
	snprintf(path, sizeof path, "%s/text.png", dir);
	FILE *f = fopen(path, "wb");
	fputs("GIF89a not really", f);
	fclose(f);
	CHECK(png_read_rgb(path, &out, &w, &h, &e) == -1 && out == NULL);
	char want[300];
	snprintf(want, sizeof want, "%s: not a PNG file", path);
	CHECK_STR(e.msg, want);
	snprintf(path, sizeof path, "%s/missing.png", dir);
	CHECK(png_read_rgb(path, &out, &w, &h, &e) == -1 && starts_with(e.msg, path));
}

/* Dimensions beyond 2^28 pixels are refused from the header alone. */
static void test_too_large(void)
{
	uint8_t row[1] = { 0 };
	Spec s = { .w = 1, .h = 1, .depth = 1, .type = PNG_COLOR_TYPE_GRAY };
	Buf b;
	make_png(&b, &s, row, 1);
	/* Patch IHDR width/height to 65536 x 8192 and fix its CRC. */
	uint8_t *ihdr = b.p + 8;
	const uint8_t dims[8] = { 0, 1, 0, 0, 0, 0, 0x20, 0 };
	memcpy(ihdr + 8, dims, 8);
	uint32_t crc = (uint32_t)crc32(0, ihdr + 4, 17);
	for (int i = 0; i < 4; i++) ihdr[21 + i] = (uint8_t)(crc >> (24 - 8 * i));
	uint8_t *out;
	int w, h;
	Err e = { 0 };
	CHECK(png_read_rgb_mem(b.p, b.n, "big.png", &out, &w, &h, &e) == -1);
	CHECK_STR(e.msg, "big.png: image too large (65536x8192)");
	free(b.p);
}

static void test_write_args(const char *dir)
{
	char path[256];
	uint8_t px[12] = { 0 };
	Err e = { 0 };
	snprintf(path, sizeof path, "%s/bad.png", dir);
	CHECK(png_write(path, px, 2, 2, 2, &e) == -1 && e.code == EXIT_BAD);
	CHECK(png_write(path, px, 0, 2, 3, &e) == -1);
	CHECK(png_write(path, NULL, 2, 2, 3, &e) == -1);
	CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof path, "%s/no/such/dir/x.png", dir);
	CHECK(png_write(path, px, 2, 2, 3, &e) == -1 && e.code != 0);
}

static void run(void)
{
	char dir[] = "/tmp/test_png.XXXXXX";
	if (!mkdtemp(dir)) { CHECK(0); return; }
	test_roundtrip(dir);
	test_rgba(dir);
	test_palette_trns();
	test_16bit();
	test_lowbit_interlaced();
	test_bad_input(dir);
	test_too_large();
	test_write_args(dir);
	const char *names[] = { "grey.png", "rgb.png", "rgba.png", "text.png" };
	char path[256];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

CHECK_MAIN("test_png")
