/* conv2d.c - 2-D convolution and transposed convolution on the CPU, PyTorch
 * semantics and weight layouts: im2col / col2im around one large GEMM per
 * block of examples, all scratch memory in the caller's workspace. */
#include <limits.h>
#include <string.h>

#include "conv2d.h"
#include "gemm.h"
#include "linear.h"

/* Examples are grouped so that one GEMM sees about this many columns. */
#define COL_TARGET 2048

/* The image side of an im2col: c channels of h x w, a k x k kernel moved
 * with stride s and zero padding p over an oh x ow grid of positions. */
typedef struct {
	int c, h, w, k, s, p, oh, ow;
} Geom;

/* Examples per block for a shape whose GEMM has `cols` columns per example. */
static int block_n(int n, int cols)
{
	int nb = cols >= COL_TARGET ? 1 : COL_TARGET / cols;
	return nb < n ? nb : n;
}

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

/* img (c, h, w) -> col (c*k*k, oh*ow) with row stride ldc; row (ci, ki, kj),
 * column (oy, ox) holds img[ci][oy*s - p + ki][ox*s - p + kj] or 0. */
static void im2col(float *col, size_t ldc, const float *img, const Geom *g)
{
	for (int c = 0; c < g->c; c++)
	for (int ki = 0; ki < g->k; ki++)
	for (int kj = 0; kj < g->k; kj++) {
		float *row = col + (size_t)((c * g->k + ki) * g->k + kj) * ldc;
		int off = kj - g->p, x0, x1;
		valid_range(off, g->s, g->w, g->ow, &x0, &x1);
		for (int oy = 0; oy < g->oh; oy++) {
			float *dst = row + (size_t)oy * g->ow;
			int iy = oy * g->s - g->p + ki;
			if (iy < 0 || iy >= g->h) {
				memset(dst, 0, sizeof(float) * g->ow);
				continue;
			}
			const float *src = img + ((size_t)c * g->h + iy) * g->w + off;
			for (int ox = 0; ox < x0; ox++)
				dst[ox] = 0;
			if (g->s == 1)
				memcpy(dst + x0, src + x0, sizeof(float) * (x1 - x0));
			else
				for (int ox = x0; ox < x1; ox++)
					dst[ox] = src[ox * g->s];
			for (int ox = x1; ox < g->ow; ox++)
				dst[ox] = 0;
		}
	}
}

/* The adjoint of im2col: img (c, h, w) = sum of col (c*k*k, oh*ow, row
 * stride ldc) entries scattered back to the pixels they were read from. */
static void col2im(float *img, const float *col, size_t ldc, const Geom *g)
{
	memset(img, 0, sizeof(float) * g->c * g->h * g->w);
	for (int c = 0; c < g->c; c++)
	for (int ki = 0; ki < g->k; ki++)
	for (int kj = 0; kj < g->k; kj++) {
		const float *row = col + (size_t)((c * g->k + ki) * g->k + kj) * ldc;
		int off = kj - g->p, x0, x1;
		valid_range(off, g->s, g->w, g->ow, &x0, &x1);
		for (int oy = 0; oy < g->oh; oy++) {
			int iy = oy * g->s - g->p + ki;
			if (iy < 0 || iy >= g->h)
				continue;
			const float *src = row + (size_t)oy * g->ow;
			float *dst = img + ((size_t)c * g->h + iy) * g->w + off;
			if (g->s == 1)
				for (int ox = x0; ox < x1; ox++)
					dst[ox] += src[ox];
			else
				for (int ox = x0; ox < x1; ox++)
					dst[ox * g->s] += src[ox];
		}
	}
}

/* src (m, c, hw) -> dst (c, m*hw): examples side by side in each row. */
static void gather(float *dst, const float *src, int m, int c, int hw)
{
	size_t ld = (size_t)m * hw;
	for (int e = 0; e < m; e++)
		for (int ci = 0; ci < c; ci++)
			memcpy(dst + ci * ld + (size_t)e * hw,
			       src + ((size_t)e * c + ci) * hw, sizeof(float) * hw);
}

/* src (c, m*hw) -> dst (m, c, hw), adding bias (c) unless NULL. */
static void scatter(float *dst, const float *src, int m, int c, int hw,
		    const float *bias)
{
	size_t ld = (size_t)m * hw;
	for (int e = 0; e < m; e++)
		for (int ci = 0; ci < c; ci++) {
			float *d = dst + ((size_t)e * c + ci) * hw;
			const float *s = src + ci * ld + (size_t)e * hw;
			float b = bias ? bias[ci] : 0.0f;
			for (int i = 0; i < hw; i++)
				d[i] = s[i] + b;
		}
}

/* out (c, hw) += b (c) broadcast over hw. */
static void add_bias(float *out, const float *b, int c, int hw)
{
	for (int ci = 0; ci < c; ci++)
		for (int i = 0; i < hw; i++)
			out[(size_t)ci * hw + i] += b[ci];
}

/* db (c) += sums of dout (n, c, hw) over n and hw. */
static void bias_grad(float *db, const float *dout, int n, int c, int hw)
{
	for (int e = 0; e < n; e++)
		for (int ci = 0; ci < c; ci++) {
			const float *d = dout + ((size_t)e * c + ci) * hw;
			float acc = 0;
			for (int i = 0; i < hw; i++)
				acc += d[i];
			db[ci] += acc;
		}
}

/* Common checks: sizes >= 1, pad >= 0, and every per-example size and
 * GEMM dimension (a, b are the in/out channel-spatial products) in int. */
static int shape_valid(const ConvShape *s)
{
	if (s->n < 1 || s->cin < 1 || s->h < 1 || s->w < 1 || s->cout < 1 ||
	    s->k < 1 || s->stride < 1 || s->pad < 0)
		return 0;
	long long kk = (long long)s->k * s->k;
	return kk * s->cin <= INT_MAX && kk * s->cout <= INT_MAX &&
	       (long long)s->cin * s->h * s->w <= INT_MAX;
}

/* Output size check shared by both shapes: oh, ow >= 1 and cout*oh*ow in int. */
static int out_valid(const ConvShape *s, long long oh, long long ow)
{
	return oh >= 1 && ow >= 1 && (long long)s->cout * oh * ow <= INT_MAX;
}

int conv2d_shape(ConvShape *s)
{
	if (!shape_valid(s))
		return -1;
	long long nh = (long long)s->h + 2LL * s->pad - s->k;
	long long nw = (long long)s->w + 2LL * s->pad - s->k;
	if (nh < 0 || nw < 0 || !out_valid(s, nh / s->stride + 1, nw / s->stride + 1))
		return -1;
	s->oh = (int)(nh / s->stride + 1);
	s->ow = (int)(nw / s->stride + 1);
	return 0;
}

int convt2d_shape(ConvShape *s)
{
	if (!shape_valid(s))
		return -1;
	long long oh = ((long long)s->h - 1) * s->stride - 2LL * s->pad + s->k;
	long long ow = ((long long)s->w - 1) * s->stride - 2LL * s->pad + s->k;
	if (!out_valid(s, oh, ow))
		return -1;
	s->oh = (int)oh;
	s->ow = (int)ow;
	return 0;
}

/* A conv2d whose kernel covers the whole unpadded input (1x1 output, as in a
 * DCGAN discriminator's last layer) is a linear layer of in_dim cin*k*k. */
static int conv_dense(const ConvShape *s)
{
	return s->pad == 0 && s->h == s->k && s->w == s->k;
}

/* A convt2d from a 1x1 unpadded input (a DCGAN generator's first layer) is
 * out (n, cout*k*k) = in (n, cin) . w (cin, cout*k*k), plus the bias. */
static int convt_dense(const ConvShape *s)
{
	return s->pad == 0 && s->h == 1 && s->w == 1;
}

/* Workspace: col (cin*k*k, nb*oh*ow) and a block of outputs (cout, nb*oh*ow);
 * none for the dense case. */
size_t conv2d_workspace(const ConvShape *s)
{
	int ohw = s->oh * s->ow;
	if (ohw < 1 || s->n < 1 || conv_dense(s))
		return 0;
	size_t cols = (size_t)block_n(s->n, ohw) * ohw;
	return ((size_t)s->cin * s->k * s->k + s->cout) * cols;
}

/* Workspace: col (cout*k*k, nb*h*w) and a block of inputs (cin, nb*h*w);
 * none for the dense case. */
size_t convt2d_workspace(const ConvShape *s)
{
	int hw = s->h * s->w;
	if (hw < 1 || s->n < 1 || convt_dense(s))
		return 0;
	size_t cols = (size_t)block_n(s->n, hw) * hw;
	return ((size_t)s->cout * s->k * s->k + s->cin) * cols;
}

/* conv2d: the input (cin, h, w) is the image, the output grid the columns. */
static Geom conv_geom(const ConvShape *s)
{
	return (Geom){ s->cin, s->h, s->w, s->k, s->stride, s->pad, s->oh, s->ow };
}

/* convt2d: the output (cout, oh, ow) is the image, the input grid the columns. */
static Geom convt_geom(const ConvShape *s)
{
	return (Geom){ s->cout, s->oh, s->ow, s->k, s->stride, s->pad, s->h, s->w };
}

/* in (n, cin, h, w), w (cout, cin, k, k), b (cout) or NULL -> out (n, cout, oh, ow).
 * Per block of nb examples: col (cin*k*k, nb*oh*ow) = im2col(in);
 * tmp (cout, nb*oh*ow) = w . col; out = tmp regrouped per example + b.
 * The dense case (1x1 output, no padding) is linear_forward. */
void conv2d_forward(float *out, const float *in, const float *w, const float *b,
		    const ConvShape *s, float *ws)
{
	Geom g = conv_geom(s);
	int ohw = s->oh * s->ow, ckk = s->cin * s->k * s->k;
	int nb = block_n(s->n, ohw);
	size_t isz = (size_t)s->cin * s->h * s->w, osz = (size_t)s->cout * ohw;
	if (conv_dense(s)) {
		linear_forward(out, in, w, b, s->n, ckk, s->cout);
		return;
	}
	float *col = ws, *tmp = ws + (size_t)ckk * nb * ohw;
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		int m = s->n - e0 < nb ? s->n - e0 : nb, ld = m * ohw;
		for (int e = 0; e < m; e++)
			im2col(col + (size_t)e * ohw, ld, in + (e0 + e) * isz, &g);
		gemm(0, 0, s->cout, ld, ckk, 1.0f, w, ckk, col, ld, 0.0f, tmp, ld);
		scatter(out + e0 * osz, tmp, m, s->cout, ohw, b);
	}
}

/* dout (n, cout, oh, ow), in (n, cin, h, w), w (cout, cin, k, k).
 * dw (cout, cin, k, k) += dout . im2col(in)^T and db (cout) += sums of dout
 * (either NULL to skip); din (n, cin, h, w) = col2im(w^T . dout) unless NULL. */
void conv2d_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *w, const ConvShape *s, float *ws)
{
	Geom g = conv_geom(s);
	int ohw = s->oh * s->ow, ckk = s->cin * s->k * s->k;
	int nb = block_n(s->n, ohw);
	size_t isz = (size_t)s->cin * s->h * s->w, osz = (size_t)s->cout * ohw;
	if (conv_dense(s)) {
		linear_backward(din, dw, db, dout, in, w, s->n, ckk, s->cout);
		return;
	}
	float *col = ws, *tmp = ws + (size_t)ckk * nb * ohw;
	if (db)
		bias_grad(db, dout, s->n, s->cout, ohw);
	if (!dw && !din)
		return;
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		int m = s->n - e0 < nb ? s->n - e0 : nb, ld = m * ohw;
		gather(tmp, dout + e0 * osz, m, s->cout, ohw);
		if (dw) {
			for (int e = 0; e < m; e++)
				im2col(col + (size_t)e * ohw, ld, in + (e0 + e) * isz, &g);
			gemm(0, 1, s->cout, ckk, ld, 1.0f, tmp, ld, col, ld, 1.0f, dw, ckk);
		}
		if (din) {
			gemm(1, 0, ckk, ld, s->cout, 1.0f, w, ckk, tmp, ld, 0.0f, col, ld);
			for (int e = 0; e < m; e++)
				col2im(din + (e0 + e) * isz, col + (size_t)e * ohw, ld, &g);
		}
	}
}

/* in (n, cin, h, w), w (cin, cout, k, k), b (cout) or NULL -> out (n, cout, oh, ow),
 * the data gradient of a conv2d from (cout, oh, ow) to (cin, h, w). Per block:
 * tmp (cin, nb*h*w) = in regrouped; col (cout*k*k, nb*h*w) = w^T . tmp;
 * out = col2im(col) + b per example; the dense case (1x1 input, no padding)
 * is out (n, cout*k*k) = in (n, cin) . w. */
void convt2d_forward(float *out, const float *in, const float *w, const float *b,
		     const ConvShape *s, float *ws)
{
	Geom g = convt_geom(s);
	int hw = s->h * s->w, ckk = s->cout * s->k * s->k, ohw = s->oh * s->ow;
	int nb = block_n(s->n, hw);
	size_t isz = (size_t)s->cin * hw, osz = (size_t)s->cout * ohw;
	if (convt_dense(s)) {
		gemm(0, 0, s->n, ckk, s->cin, 1.0f, in, s->cin, w, ckk, 0.0f, out, ckk);
		for (int e = 0; b && e < s->n; e++)
			add_bias(out + e * osz, b, s->cout, ohw);
		return;
	}
	float *col = ws, *tmp = ws + (size_t)ckk * nb * hw;
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		int m = s->n - e0 < nb ? s->n - e0 : nb, ld = m * hw;
		gather(tmp, in + e0 * isz, m, s->cin, hw);
		gemm(1, 0, ckk, ld, s->cin, 1.0f, w, ckk, tmp, ld, 0.0f, col, ld);
		for (int e = 0; e < m; e++) {
			float *o = out + (e0 + e) * osz;
			col2im(o, col + (size_t)e * hw, ld, &g);
			if (b)
				add_bias(o, b, s->cout, ohw);
		}
	}
}

/* dout (n, cout, oh, ow), in (n, cin, h, w), w (cin, cout, k, k).
 * col = im2col(dout); dw (cin, cout, k, k) += in . col^T and db (cout) +=
 * sums of dout (either NULL to skip); din (n, cin, h, w) = w . col unless NULL. */
void convt2d_backward(float *din, float *dw, float *db, const float *dout,
		      const float *in, const float *w, const ConvShape *s, float *ws)
{
	Geom g = convt_geom(s);
	int hw = s->h * s->w, ckk = s->cout * s->k * s->k, ohw = s->oh * s->ow;
	int nb = block_n(s->n, hw);
	size_t isz = (size_t)s->cin * hw, osz = (size_t)s->cout * ohw;
	if (db)
		bias_grad(db, dout, s->n, s->cout, ohw);
	if (convt_dense(s)) {
		if (dw)
			gemm(1, 0, s->cin, ckk, s->n, 1.0f, in, s->cin, dout, ckk, 1.0f, dw, ckk);
		if (din)
			gemm(0, 1, s->n, s->cin, ckk, 1.0f, dout, ckk, w, ckk, 0.0f, din, s->cin);
		return;
	}
	if (!dw && !din)
		return;
	float *col = ws, *tmp = ws + (size_t)ckk * nb * hw;
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		int m = s->n - e0 < nb ? s->n - e0 : nb, ld = m * hw;
		for (int e = 0; e < m; e++)
			im2col(col + (size_t)e * hw, ld, dout + (e0 + e) * osz, &g);
		if (dw) {
			gather(tmp, in + e0 * isz, m, s->cin, hw);
			gemm(0, 1, s->cin, ckk, ld, 1.0f, tmp, ld, col, ld, 1.0f, dw, ckk);
		}
		if (din) {
			gemm(0, 0, s->cin, ld, ckk, 1.0f, w, ckk, col, ld, 0.0f, tmp, ld);
			scatter(din + e0 * isz, tmp, m, s->cin, hw, NULL);
		}
	}
}
