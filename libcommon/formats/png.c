/* png.c - PNG reading (any PNG as 8-bit RGB, alpha composited on white) and
 * writing (grey, RGB, RGBA) through libpng, with libpng's errors caught by
 * setjmp and turned into Err messages naming the file. Never prints. */
#include "png.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpng16/png.h>

#include "memcheck.h"
#include "infile.h"
#include "outfile.h"

/* Where bytes come from: a stream or a memory block. */
typedef struct {
	FILE *f;
	const uint8_t *buf;
	size_t n, pos;
} PngSrc;

/* State shared with libpng's callbacks; lives in the caller of the function
 * that calls setjmp, so nothing in it is lost by the longjmp. */
typedef struct {
	png_structp png;
	png_infop info;
	PngSrc *src;
	FILE *out;
	int write_errno;
	char msg[200];
	uint8_t *pix;
	png_bytep *rows;
	int w, h;
} PngCtx;

static void on_error(png_structp png, png_const_charp msg)
{
	PngCtx *c = png_get_error_ptr(png);
	snprintf(c->msg, sizeof c->msg, "%s", msg ? msg : "unknown error");
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

/* Reads exactly want bytes, returns how many were there. */
static size_t src_read(PngSrc *s, uint8_t *dst, size_t want)
{
	if (s->f)
		return fread(dst, 1, want, s->f);
	size_t left = s->n - s->pos, k = want < left ? want : left;
	if (k > 0)
		memcpy(dst, s->buf + s->pos, k);
	s->pos += k;
	return k;
}

static void read_fn(png_structp png, png_bytep dst, size_t n)
{
	PngCtx *c = png_get_io_ptr(png);
	if (src_read(c->src, dst, n) != n)
		png_error(png, c->src->f && ferror(c->src->f) ? "read error"
							      : "unexpected end of file");
}

/* Asks libpng for 8-bit RGB or RGBA whatever the file holds. */
static void set_transforms(png_structp png, png_infop info)
{
	png_set_expand(png);          /* palette, grey < 8 bits, tRNS -> alpha */
	png_set_scale_16(png);        /* 16-bit -> 8-bit, rounded */
	png_set_gray_to_rgb(png);
	png_set_packing(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
}

/* Out = a*c + (1-a)*255 rounded, in integers: (a*c + (255-a)*255 + 127) / 255.
 * rgba (n pixels of 4) becomes rgb (n pixels of 3) in place. */
static void composite_on_white(uint8_t *pix, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *s = pix + 4 * i;
		unsigned a = s[3];
		uint8_t o[3];
		for (int k = 0; k < 3; k++)
			o[k] = (uint8_t)((a * s[k] + (255 - a) * 255 + 127) / 255);
		memcpy(pix + 3 * i, o, 3);
	}
}

/* Rows of a non-interlaced image, one at a time into c->pix, grown as rows
 * arrive (64 MiB first, then doubling), so a tiny file declaring a huge
 * image fails as truncated without allocating it. -2 when out of memory. */
static int read_rows(PngCtx *c, size_t stride)
{
	size_t h = (size_t)c->h, cap = IO_FIRST_CHUNK / stride;
	cap = cap < 1 ? 1 : cap > h ? h : cap;
	c->pix = malloc(cap * stride);
	if (!c->pix)
		return -2;
	for (size_t y = 0; y < h; y++) {
		if (y == cap) {
			size_t ncap = cap > h / 2 ? h : cap * 2;
			uint8_t *np = realloc(c->pix, ncap * stride);
			if (!np)
				return -2;
			c->pix = np;
			cap = ncap;
		}
		png_read_row(c->png, c->pix + y * stride, NULL);
	}
	return 0;
}

/* An interlaced image needs every row at once: the whole buffer (read_core
 * has checked that it fits in memory). -2 out of memory. */
static int read_interlaced(PngCtx *c, size_t stride)
{
	c->pix = malloc((size_t)c->h * stride);
	c->rows = malloc((size_t)c->h * sizeof *c->rows);
	if (!c->pix || !c->rows)
		return -2;
	for (int y = 0; y < c->h; y++)
		c->rows[y] = c->pix + (size_t)y * stride;
	png_read_image(c->png, c->rows);
	return 0;
}

/* Runs libpng after the 8 signature bytes were checked. Fills c->pix (RGB,
 * c->w x c->h). 0; -1 with c->msg from libpng, -2 when out of memory, -3
 * when the image is too large (c->w, c->h set), -4 when it cannot fit in
 * memory (c->msg). */
static int read_core(PngCtx *c)
{
	if (setjmp(png_jmpbuf(c->png)))
		return -1;
	png_set_sig_bytes(c->png, 8);
	png_read_info(c->png, c->info);
	png_uint_32 w = png_get_image_width(c->png, c->info);
	png_uint_32 h = png_get_image_height(c->png, c->info);
	c->w = (int)(w & 0x7fffffff);  /* libpng caps each side at 2^31 - 1 */
	c->h = (int)(h & 0x7fffffff);
	if ((uint64_t)w * h > (uint64_t)PNG_MAX_PIXELS)
		return -3;
	int interlaced = png_get_interlace_type(c->png, c->info) != PNG_INTERLACE_NONE;
	set_transforms(c->png, c->info);
	int ch = png_get_channels(c->png, c->info);
	if (png_get_bit_depth(c->png, c->info) != 8 || (ch != 3 && ch != 4) ||
	    png_get_rowbytes(c->png, c->info) != (size_t)w * ch)
		png_error(c->png, "unsupported pixel layout");
	Err me;
	char what[64];
	snprintf(what, sizeof what, "the %dx%d image", c->w, c->h);
	if (mem_check((size_t)h * w * ch, what, NULL, &me) < 0) {
		snprintf(c->msg, sizeof c->msg, "%.190s", me.msg);
		return -4;
	}
	int rc = interlaced ? read_interlaced(c, (size_t)w * ch) : read_rows(c, (size_t)w * ch);
	if (rc != 0)
		return rc;
	png_read_end(c->png, NULL);
	if (ch == 4)
		composite_on_white(c->pix, (size_t)w * h);
	return 0;
}

/* Checks the signature, then reads through libpng; see png_read_rgb. */
static int read_src(PngSrc *s, const char *name, uint8_t **rgb, int *w, int *h,
		    Err *e)
{
	uint8_t sig[8];
	size_t got = src_read(s, sig, 8);
	if (s->f && ferror(s->f))
		return err_sys(e, "%s", name);
	if (got == 0 || png_sig_cmp(sig, 0, got) != 0)
		return err_set(e, EXIT_BAD, "%s: not a PNG file", name);
	if (got < 8)
		return err_set(e, EXIT_BAD, "%s: truncated or corrupt PNG (%s)", name,
			       "unexpected end of file");
	PngCtx c = { .src = s };
	c.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
	c.info = c.png ? png_create_info_struct(c.png) : NULL;
	if (!c.png || !c.info) {
		png_destroy_read_struct(&c.png, NULL, NULL);
		return err_set(e, EXIT_SYS, "%s: out of memory", name);
	}
	png_set_read_fn(c.png, &c, read_fn);
	int rc = read_core(&c);
	png_destroy_read_struct(&c.png, &c.info, NULL);
	free(c.rows);
	if (rc != 0) {
		free(c.pix);
		if (rc == -2)
			return err_set(e, EXIT_SYS, "%s: out of memory", name);
		if (rc == -3)
			return err_set(e, EXIT_BAD, "%s: image too large (%dx%d)", name, c.w, c.h);
		if (rc == -4)
			return err_set(e, EXIT_BAD, "%s: %s", name, c.msg);
		return err_set(e, EXIT_BAD, "%s: truncated or corrupt PNG (%s)", name, c.msg);
	}
	uint8_t *shrunk = realloc(c.pix, (size_t)c.w * c.h * 3);
	*rgb = shrunk ? shrunk : c.pix;
	*w = c.w;
	*h = c.h;
	return 0;
}

int png_read_rgb_file(FILE *f, const char *name, uint8_t **rgb, int *w, int *h,
		      Err *e)
{
	PngSrc s = { .f = f };
	*rgb = NULL;
	return read_src(&s, name, rgb, w, h, e);
}

int png_read_rgb_mem(const uint8_t *buf, size_t n, const char *name,
		     uint8_t **rgb, int *w, int *h, Err *e)
{
	PngSrc s = { .buf = buf, .n = buf ? n : 0 };
	*rgb = NULL;
	return read_src(&s, name, rgb, w, h, e);
}

int png_read_rgb(const char *path, uint8_t **rgb, int *w, int *h, Err *e)
{
	*rgb = NULL;
	FILE *f = infile_open(path, 1, e);
	if (!f)
		return -1;
	int rc = png_read_rgb_file(f, infile_name(path), rgb, w, h, e);
	infile_close(f);
	return rc;
}

static void write_fn(png_structp png, png_bytep data, size_t n)
{
	PngCtx *c = png_get_io_ptr(png);
	if (fwrite(data, 1, n, c->out) != n) {
		c->write_errno = errno ? errno : EIO;
		png_error(png, "write error");
	}
}

static void flush_fn(png_structp png)
{
	(void)png;
}

/* Encodes c->pix (c->w x c->h x channels) onto c->out. 0 or -1. */
static int write_core(PngCtx *c, int channels)
{
	static const int types[5] = { 0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB,
				      PNG_COLOR_TYPE_RGB_ALPHA };
	if (setjmp(png_jmpbuf(c->png)))
		return -1;
	png_set_write_fn(c->png, c, write_fn, flush_fn);
	png_set_IHDR(c->png, c->info, (png_uint_32)c->w, (png_uint_32)c->h, 8,
		     types[channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(c->png, c->info);
	size_t stride = (size_t)c->w * channels;
	for (int y = 0; y < c->h; y++)
		png_write_row(c->png, c->pix + (size_t)y * stride);
	png_write_end(c->png, NULL);
	return 0;
}

static int check_write_args(const char *name, const uint8_t *pix, int w, int h,
			    int channels, Err *e)
{
	if (!pix || w < 1 || h < 1 || (int64_t)w * h > PNG_MAX_PIXELS)
		return err_set(e, EXIT_BAD, "%s: cannot write a %dx%d PNG", name, w, h);
	if (channels != 1 && channels != 3 && channels != 4)
		return err_set(e, EXIT_BAD, "%s: PNG needs 1, 3 or 4 channels, not %d",
			       name, channels);
	return 0;
}

int png_write_file(FILE *f, const char *name, const uint8_t *pix, int w, int h,
		   int channels, Err *e)
{
	if (check_write_args(name, pix, w, h, channels, e) < 0)
		return -1;
	PngCtx c = { .out = f, .pix = (uint8_t *)pix, .w = w, .h = h };
	c.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error, on_warning);
	c.info = c.png ? png_create_info_struct(c.png) : NULL;
	if (!c.png || !c.info) {
		png_destroy_write_struct(&c.png, NULL);
		return err_set(e, EXIT_SYS, "%s: out of memory", name);
	}
	int rc = write_core(&c, channels);
	png_destroy_write_struct(&c.png, &c.info);
	if (rc == 0)
		return 0;
	if (c.write_errno) {
		errno = c.write_errno;
		return err_sys(e, "%s", name);
	}
	return err_set(e, EXIT_SYS, "%s: PNG encoding failed (%s)", name, c.msg);
}

int png_write(const char *path, const uint8_t *pix, int w, int h, int channels,
	      Err *e)
{
	const char *name = (!path || strcmp(path, "-") == 0) ? "<stdout>" : path;
	if (check_write_args(name, pix, w, h, channels, e) < 0)
		return -1;
	OutFile o;
	if (outfile_open(&o, path, 1, e) < 0)
		return -1;
	if (png_write_file(o.f, name, pix, w, h, channels, e) < 0) {
		if (!o.is_stdout)
			outfile_abort(&o);
		return -1;
	}
	return outfile_commit(&o, e);
}
