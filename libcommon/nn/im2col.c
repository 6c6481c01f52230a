/* im2col.c - im2col and col2im for conv2d.c: per row of kernel positions a
 * copy of a shifted image row, zero where the kernel overhangs the padding.
 * Stride 2 (the DCGAN layers) first splits an image row into its even and
 * odd pixels, so that every column row is one contiguous copy (im2col) or
 * sum (col2im), and col2im writes each pixel once instead of scattering. */
#include <stddef.h>
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

/* The DCGAN geometry (k 4, s 2, p 1 on even h and w: oh = h/2, ow = w/2):
 * split into its four planes of pixels (row parity ry, column parity rx,
 * each oh x ow), a channel reads, for kernel row ki and column kj, plane
 * (r(ki), r(kj)) shifted by (q(ki), q(kj)) rows and columns: each column row
 * is one contiguous run of a plane, then its wrapped edge column set to 0. */
#define PLANE_MAX 16384   /* pixels of one channel split on the stack */

static int planes_ok(const Geom *g)
{
	return g->s == 2 && g->k == 4 && g->p == 1 && g->h % 2 == 0 && g->w % 2 == 0 &&
	       g->oh == g->h / 2 && g->ow == g->w / 2 && (size_t)g->h * g->w <= PLANE_MAX;
}

/* Kernel tap t (0..3) at pad 1 reads parity r and shift q: 2 (o + q) + r. */
static const int tap_r[4] = { 1, 0, 1, 0 }, tap_q[4] = { -1, 0, 0, 1 };

/* The run of a column row (ki, kj) of n = oh*ow positions: rows [y0, y1)
 * hit the image; [i0, i1) is the contiguous run copied from plane offset
 * i + off; the edge column ex (-1: none) is then cleared. */
typedef struct {
	int y0, y1, ex;
	size_t i0, i1;
	ptrdiff_t off;
} Run;

static Run run_of(const Geom *g, int ki, int kj)
{
	int qy = tap_q[ki], qx = tap_q[kj], ow = g->ow;
	Run r = { qy < 0 ? -qy : 0, qy > 0 ? g->oh - qy : g->oh, qx < 0 ? 0 : qx > 0 ? ow - 1 : -1,
		  0, 0, (ptrdiff_t)qy * ow + qx };
	if (r.y1 > r.y0) {
		r.i0 = (size_t)r.y0 * ow + (qx < 0);
		r.i1 = (size_t)r.y1 * ow - (qx > 0);
	} else {
		r.y1 = r.y0;   /* no row hits the image (oh 1) */
	}
	return r;
}

/* pl[ry*2 + rx][y * ow + x] = img[2y + ry][2x + rx] (one channel); merge is the inverse. */
static void planes_split(float (*pl)[PLANE_MAX / 4], const float *img, const Geom *g)
{
	for (int y = 0; y < g->h; y++)
		row_split(pl[(y & 1) * 2] + (size_t)(y / 2) * g->ow,
			  pl[(y & 1) * 2 + 1] + (size_t)(y / 2) * g->ow, img + (size_t)y * g->w, g->w);
}

static void planes_merge(float *img, float (*pl)[PLANE_MAX / 4], const Geom *g)
{
	for (int y = 0; y < g->h; y++)
		row_merge(img + (size_t)y * g->w, pl[(y & 1) * 2] + (size_t)(y / 2) * g->ow,
			  pl[(y & 1) * 2 + 1] + (size_t)(y / 2) * g->ow, g->w);
}

/* The 16 runs of g, by ki * 4 + kj. */
static void runs_of(Run *r, const Geom *g)
{
	for (int ki = 0; ki < 4; ki++)
		for (int kj = 0; kj < 4; kj++)
			r[ki * 4 + kj] = run_of(g, ki, kj);
}

static void im2col_planes(float *col, size_t ldc, const float *img, const Geom *g)
{
	float pl[4][PLANE_MAX / 4];
	size_t ow = (size_t)g->ow, n = (size_t)g->oh * ow;
	Run runs[16];
	runs_of(runs, g);
	for (int c = 0; c < g->c; c++) {
		planes_split(pl, img + (size_t)c * g->h * g->w, g);
		for (int ki = 0; ki < 4; ki++)
		for (int kj = 0; kj < 4; kj++) {
			float *dst = col + (size_t)((c * 4 + ki) * 4 + kj) * ldc;
			const float *src = pl[tap_r[ki] * 2 + tap_r[kj]];
			Run r = runs[ki * 4 + kj];
			if (r.y0 > 0)
				memset(dst, 0, sizeof(float) * (size_t)r.y0 * ow);
			if (r.y1 < g->oh)
				memset(dst + (size_t)r.y1 * ow, 0, sizeof(float) * (n - (size_t)r.y1 * ow));
			if (r.i1 > r.i0)
				memcpy(dst + r.i0, src + r.i0 + r.off, sizeof(float) * (r.i1 - r.i0));
			for (int oy = r.y0; r.ex >= 0 && oy < r.y1; oy++)
				dst[(size_t)oy * ow + r.ex] = 0;
		}
	}
}

/* col2im's adjoint of the above: the wrapped edge entries of each column row
 * are cleared in col (scratch), then every row is one contiguous sum into a
 * plane; the planes are merged into the image. Sums in (ki, kj) order. */
static void col2im_planes(float *img, float *col, size_t ldc, const Geom *g)
{
	float pl[4][PLANE_MAX / 4];
	size_t ow = (size_t)g->ow, n = (size_t)g->oh * ow;
	Run runs[16];
	runs_of(runs, g);
	for (int c = 0; c < g->c; c++) {
		for (int i = 0; i < 4; i++)
			memset(pl[i], 0, sizeof(float) * n);
		for (int ki = 0; ki < 4; ki++)
		for (int kj = 0; kj < 4; kj++) {
			float *src = col + (size_t)((c * 4 + ki) * 4 + kj) * ldc;
			Run r = runs[ki * 4 + kj];
			for (int oy = r.y0; r.ex >= 0 && oy < r.y1; oy++)
				src[(size_t)oy * ow + r.ex] = 0;
			float *restrict d = pl[tap_r[ki] * 2 + tap_r[kj]] + r.i0 + r.off;
			const float *restrict sp = src + r.i0;
			size_t len = r.i1 - r.i0;
			PAR_SIMD
			for (size_t j = 0; j < len; j++)
				d[j] += sp[j];
		}
		planes_merge(img + (size_t)c * g->h * g->w, pl, g);
	}
}

void im2col(float *col, size_t ldc, const float *img, const Geom *g)
{
	if (planes_ok(g))
		im2col_planes(col, ldc, img, g);
	else if (split_ok(g))
		im2col_s2(col, ldc, img, g);
	else
		im2col_any(col, ldc, img, g);
}

void col2im(float *img, float *col, size_t ldc, const Geom *g)
{
	if (planes_ok(g))
		col2im_planes(img, col, ldc, g);
	else if (split_ok(g))
		col2im_s2(img, col, ldc, g);
	else
		col2im_any(img, col, ldc, g);
}
