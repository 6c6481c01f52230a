/* im2col.c - im2col and col2im for conv2d.c: per row of kernel positions a
 * copy of a shifted image row, zero where the kernel overhangs the padding.
 * Stride 2 (the DCGAN layers) first splits an image row into its even and
 * odd pixels, so that every column row is one contiguous copy (im2col) or
 * sum (col2im), and col2im writes each pixel once instead of scattering. */
#include <string.h>

#include "im2col.h"
#include "par.h"

/* Widest image row of the stride-2 path (its split rows live on the stack). */
#define SPLIT_W_MAX 4096

/* Range [x0, x1) of output positions ox in [0, ow) with 0 <= ox*s + off < w. */
static void valid_range(int off, int s, int w, int ow, int *x0, int *x1)
{
	int lo = off >= 0 ? 0 : (-off + s - 1) / s;
	int hi = w - off <= 0 ? 0 : (w - off + s - 1) / s;
	if (lo > ow) lo = ow;
	if (hi > ow) hi = ow;
	if (hi < lo) hi = lo;
	*x0 = lo;
	*x1 = hi;
}

/* Valid ranges of every kernel column kj < RANGE_MAX, filled once per call;
 * wider kernels compute theirs per row. */
#define RANGE_MAX 16
typedef struct {
	int x0[RANGE_MAX], x1[RANGE_MAX];
} Ranges;

static void ranges_init(Ranges *r, const Geom *g)
{
	for (int kj = 0; kj < g->k && kj < RANGE_MAX; kj++)
		valid_range(kj - g->p, g->s, g->w, g->ow, &r->x0[kj], &r->x1[kj]);
}

static void range_of(const Ranges *r, const Geom *g, int kj, int *x0, int *x1)
{
	if (kj < RANGE_MAX) {
		*x0 = r->x0[kj];
		*x1 = r->x1[kj];
	} else {
		valid_range(kj - g->p, g->s, g->w, g->ow, x0, x1);
	}
}

/* dst[0, x0) = 0, dst[x0, x1) = src[x * s], dst[x1, ow) = 0. */
static void row_gather(float *restrict dst, const float *restrict src, int s,
		       int x0, int x1, int ow)
{
	for (int ox = 0; ox < x0; ox++)
		dst[ox] = 0;
	if (s == 1)
		memcpy(dst + x0, src + x0, sizeof(float) * (size_t)(x1 - x0));
	else if (s == 2)
		PAR_SIMD
		for (int ox = x0; ox < x1; ox++)
			dst[ox] = src[2 * ox];
	else
		for (int ox = x0; ox < x1; ox++)
			dst[ox] = src[ox * s];
	for (int ox = x1; ox < ow; ox++)
		dst[ox] = 0;
}

/* im2col (im2col.h) for any stride. */
static void im2col_any(float *col, size_t ldc, const float *img, const Geom *g)
{
	Ranges r;
	ranges_init(&r, g);
	for (int c = 0; c < g->c; c++)
	for (int ki = 0; ki < g->k; ki++) {
		float *rows = col + (size_t)(c * g->k + ki) * g->k * ldc;
		for (int oy = 0; oy < g->oh; oy++) {
			int iy = oy * g->s - g->p + ki;
			if (iy < 0 || iy >= g->h) {
				for (int kj = 0; kj < g->k; kj++)
					memset(rows + kj * ldc + (size_t)oy * g->ow, 0,
					       sizeof(float) * (size_t)g->ow);
				continue;
			}
			const float *src = img + ((size_t)c * g->h + iy) * g->w - g->p;
			for (int kj = 0; kj < g->k; kj++) {
				int x0, x1;
				range_of(&r, g, kj, &x0, &x1);
				row_gather(rows + kj * ldc + (size_t)oy * g->ow, src + kj,
					   g->s, x0, x1, g->ow);
			}
		}
	}
}

/* dst[x * s] += src[x] for x in [x0, x1). */
static void row_scatter(float *restrict dst, const float *restrict src, int s, int x0, int x1)
{
	if (s == 1)
		PAR_SIMD
		for (int ox = x0; ox < x1; ox++)
			dst[ox] += src[ox];
	else if (s == 2)
		PAR_SIMD
		for (int ox = x0; ox < x1; ox++)
			dst[2 * ox] += src[ox];
	else
		for (int ox = x0; ox < x1; ox++)
			dst[ox * s] += src[ox];
}

/* col2im (im2col.h) for any stride: zero, then scatter every column row. */
static void col2im_any(float *img, const float *col, size_t ldc, const Geom *g)
{
	Ranges r;
	ranges_init(&r, g);
	memset(img, 0, sizeof(float) * (size_t)g->c * g->h * g->w);
	for (int c = 0; c < g->c; c++)
	for (int ki = 0; ki < g->k; ki++) {
		const float *rows = col + (size_t)(c * g->k + ki) * g->k * ldc;
		for (int oy = 0; oy < g->oh; oy++) {
			int iy = oy * g->s - g->p + ki;
			if (iy < 0 || iy >= g->h)
				continue;
			float *dst = img + ((size_t)c * g->h + iy) * g->w - g->p;
			for (int kj = 0; kj < g->k; kj++) {
				int x0, x1;
				range_of(&r, g, kj, &x0, &x1);
				row_scatter(dst + kj, rows + kj * ldc + (size_t)oy * g->ow,
					    g->s, x0, x1);
			}
		}
	}
}


/* ev[j] = src[2j], od[j] = src[2j + 1]: the even and odd pixels of a row of w. */
static void row_split(float *restrict ev, float *restrict od, const float *restrict src, int w)
{
	int ho = w / 2;
	PAR_SIMD
	for (int j = 0; j < ho; j++) {
		ev[j] = src[2 * j];
		od[j] = src[2 * j + 1];
	}
	if (w & 1)
		ev[ho] = src[w - 1];
}

/* The inverse of row_split. */
static void row_merge(float *restrict dst, const float *restrict ev, const float *restrict od,
		      int w)
{
	int ho = w / 2;
	PAR_SIMD
	for (int j = 0; j < ho; j++) {
		dst[2 * j] = ev[j];
		dst[2 * j + 1] = od[j];
	}
	if (w & 1)
		dst[w - 1] = ev[ho];
}

/* Stride 2: kernel column kj reads pixel 2 ox - p + kj = 2 (ox + q) + r, the
 * (ox + q)-th of the row's even (r = 0) or odd (r = 1) pixels. */
typedef struct {
	Ranges rg;
	int r[RANGE_MAX], q[RANGE_MAX];
} Taps;

static void taps_init(Taps *t, const Geom *g)
{
	ranges_init(&t->rg, g);
	for (int kj = 0; kj < g->k; kj++) {
		int off = kj - g->p;
		t->r[kj] = off & 1;
		t->q[kj] = (off - t->r[kj]) / 2;
	}
}

/* 1 when the stride-2 paths below take g. */
static int split_ok(const Geom *g)
{
	return g->s == 2 && g->k <= RANGE_MAX && g->w <= SPLIT_W_MAX;
}

/* Zeroes the rows (ki, oy) of channel c that fall on the top or bottom padding. */
static void zero_pad_rows(float *col, size_t ldc, const Geom *g, int c)
{
	for (int ki = 0; ki < g->k; ki++)
		for (int oy = 0; oy < g->oh; oy++) {
			int iy = oy * g->s - g->p + ki;
			if (iy >= 0 && iy < g->h)
				continue;
			float *rows = col + (size_t)(c * g->k + ki) * g->k * ldc + (size_t)oy * g->ow;
			for (int kj = 0; kj < g->k; kj++)
				memset(rows + kj * ldc, 0, sizeof(float) * (size_t)g->ow);
		}
}

/* im2col for stride 2: each image row is split once, then copied to the
 * column rows (ki, oy, kj) that read it. */
static void im2col_s2(float *col, size_t ldc, const float *img, const Geom *g)
{
	Taps t;
	taps_init(&t, g);
	float ph[2][SPLIT_W_MAX / 2];
	for (int c = 0; c < g->c; c++) {
		zero_pad_rows(col, ldc, g, c);
		for (int iy = 0; iy < g->h; iy++) {
			row_split(ph[0], ph[1], img + ((size_t)c * g->h + iy) * g->w, g->w);
			for (int ki = (iy + g->p) & 1; ki < g->k; ki += 2) {
				int oy = (iy + g->p - ki) / 2;
				if (oy < 0 || oy >= g->oh)
					continue;
				float *rows = col + (size_t)(c * g->k + ki) * g->k * ldc +
					      (size_t)oy * g->ow;
				for (int kj = 0; kj < g->k; kj++) {
					float *restrict dst = rows + kj * ldc;
					const float *restrict src = ph[t.r[kj]];
					int x0 = t.rg.x0[kj], x1 = t.rg.x1[kj], q = t.q[kj];
					for (int x = 0; x < x0; x++)
						dst[x] = 0;
					PAR_SIMD
					for (int x = x0; x < x1; x++)
						dst[x] = src[x + q];
					for (int x = x1; x < g->ow; x++)
						dst[x] = 0;
				}
			}
		}
	}
}

/* col2im for stride 2: per image row, the column rows that read it are
 * summed into its even and odd pixels, which are then merged and stored. */
static void col2im_s2(float *img, const float *col, size_t ldc, const Geom *g)
{
	Taps t;
	taps_init(&t, g);
	float acc[2][SPLIT_W_MAX / 2];
	int len[2] = { (g->w + 1) / 2, g->w / 2 };
	for (int c = 0; c < g->c; c++)
	for (int iy = 0; iy < g->h; iy++) {
		memset(acc[0], 0, sizeof(float) * (size_t)len[0]);
		memset(acc[1], 0, sizeof(float) * (size_t)len[1]);
		for (int ki = (iy + g->p) & 1; ki < g->k; ki += 2) {
			int oy = (iy + g->p - ki) / 2;
			if (oy < 0 || oy >= g->oh)
				continue;
			const float *rows = col + (size_t)(c * g->k + ki) * g->k * ldc +
					    (size_t)oy * g->ow;
			for (int kj = 0; kj < g->k; kj++) {
				const float *restrict src = rows + kj * ldc;
				float *restrict dst = acc[t.r[kj]];
				int q = t.q[kj];
				PAR_SIMD
				for (int x = t.rg.x0[kj]; x < t.rg.x1[kj]; x++)
					dst[x + q] += src[x];
			}
		}
		row_merge(img + ((size_t)c * g->h + iy) * g->w, acc[0], acc[1], g->w);
	}
}

void im2col(float *col, size_t ldc, const float *img, const Geom *g)
{
	if (split_ok(g))
		im2col_s2(col, ldc, img, g);
	else
		im2col_any(col, ldc, img, g);
}

void col2im(float *img, const float *col, size_t ldc, const Geom *g)
{
	if (split_ok(g))
		col2im_s2(img, col, ldc, g);
	else
		col2im_any(img, col, ldc, g);
}
