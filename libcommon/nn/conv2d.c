/* conv2d.c - 2-D convolution and transposed convolution on the CPU, PyTorch
 * semantics and weight layouts: im2col / col2im around GEMMs on slots of
 * whole examples, all scratch memory in the caller's workspace. A block of
 * examples is cut into slots that the threads (par.h) take one at a time
 * through im2col, the slot's GEMM and col2im; weight gradients, which need
 * every column of a block, are cut into pieces of the product between two
 * such phases. A slot's products write matrices of their own columns (row
 * stride = the slot's columns): OpenBLAS clears such a contiguous C with one
 * memset for beta 0, a strided one column by column at twice the cost.
 * Slots, blocks and pieces follow from the shape alone, never
 * from the thread count, so every product, and every sum in it, is the same
 * on any number of threads: results do not depend on --threads. */
#include <limits.h>
#include <string.h>

#include "conv2d.h"
#include "gemm.h"
#include "im2col.h"
#include "linear.h"
#include "par.h"

/* A slot's GEMM sees at least this many columns (whole examples, one at the
 * least): enough that OpenBLAS's packing of the weights, redone per call,
 * stays small beside the product, while the slot's im2col columns stay in
 * cache between im2col, the GEMM and col2im. (dcgan64 at batch 64 on one
 * Zen 4 thread, CPU time of 3 steps: 512 about 6 % below 256 and 3 % below
 * 1024.) */
#define SLOT_COLS 512
/* A batch is cut into at least this many slots where it has the examples,
 * so that small batches still keep the threads busy. */
#define MIN_SLOTS 4
/* Slots per block: a weight gradient sums over a block's columns at once. */
#define BLOCK_SLOTS 8
/* The workspace stays under this many floats (one example a block at the
 * least). */
#define WS_CAP (16u << 20)
/* Pieces of a weight gradient's product (at most: the gemm_share split). */
#define DW_PIECES 8

/* Examples per slot (*per) and per block for n examples whose GEMMs have
 * `cols` columns and `rows` workspace rows (col plus the regrouped block) per
 * example; the block is a whole number of slots unless n or the cap cut it.
 * Both grow with n, so the workspace for the largest batch serves every
 * smaller one. */
static int block_n(int n, int cols, size_t rows, int *per)
{
	size_t p = cols >= SLOT_COLS ? 1 : (size_t)(SLOT_COLS + cols - 1) / cols;
	size_t q = ((size_t)n + MIN_SLOTS - 1) / MIN_SLOTS;
	if (p > q)
		p = q;
	size_t nb = p * BLOCK_SLOTS;
	size_t cap = WS_CAP / (rows * (size_t)cols);
	if (nb > cap)
		nb = cap;
	if (nb < 1)
		nb = 1;
	if (nb > (size_t)n)
		nb = (size_t)n;
	if (per)
		*per = (int)(p < nb ? p : nb);
	return (int)nb;
}

/* src (m, c, hw) -> dst (c, ld): example e at columns [e*hw, (e+1)*hw). */
static void gather(float *dst, size_t ld, const float *src, int m, int c, int hw)
{
	for (int e = 0; e < m; e++)
		for (int ci = 0; ci < c; ci++)
			memcpy(dst + ci * ld + (size_t)e * hw,
			       src + ((size_t)e * c + ci) * hw, sizeof(float) * (size_t)hw);
}

/* src (c, ld) -> dst (m, c, hw), adding bias (c) unless NULL. */
static void scatter(float *dst, const float *src, size_t ld, int m, int c, int hw,
		    const float *bias)
{
	for (int e = 0; e < m; e++)
		for (int ci = 0; ci < c; ci++) {
			float *restrict d = dst + ((size_t)e * c + ci) * hw;
			const float *restrict s = src + ci * ld + (size_t)e * hw;
			float b = bias ? bias[ci] : 0.0f;
			PAR_SIMD
			for (int i = 0; i < hw; i++)
				d[i] = s[i] + b;
		}
}

/* out (c, hw) += b (c) broadcast over hw. */
static void add_bias(float *out, const float *b, int c, int hw)
{
	for (int ci = 0; ci < c; ci++) {
		float *restrict o = out + (size_t)ci * hw;
		PAR_SIMD
		for (int i = 0; i < hw; i++)
			o[i] += b[ci];
	}
}

/* Planes whose sums bias_grad runs side by side, and its most channels a
 * block. */
#define BIAS_WAYS 8
#define BIAS_BLOCK 64

/* db (c) += sums of dout (n, c, hw) over n and hw. Each plane (example,
 * channel) is summed in order (one float chain), and a channel's plane sums
 * are added in example order. Blocks of channels are split over the
 * threads; a block walks the examples in order and, within one, its planes
 * where they lie side by side in memory, BIAS_WAYS chains at a time (they
 * are independent, so the adds do not each wait for the last): the same
 * bits as one channel at a time. */
static void bias_grad(float *db, const float *dout, int n, int c, int hw)
{
	int per = (c + 15) / 16;
	per = per > BIAS_BLOCK ? BIAS_BLOCK : per;
	int blocks = (c + per - 1) / per;
	PAR_FOR((size_t)n * c * hw >= PAR_GRAIN && blocks > 1)
	for (int bl = 0; bl < blocks; bl++) {
		int c0 = bl * per, cb = c - c0 < per ? c - c0 : per;
		float acc[BIAS_BLOCK] = { 0 };
		for (int e = 0; e < n; e++) {
			const float *d = dout + ((size_t)e * c + c0) * hw;
			int j = 0;
			for (; j + BIAS_WAYS <= cb; j += BIAS_WAYS) {
				/* scalars, not an array: gcc would keep an array in
				 * memory and build vectors of it lane by lane */
				const float *q = d + (size_t)j * hw;
				size_t h = (size_t)hw;
				float p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
				for (size_t i = 0; i < h; i++) {
					p0 += q[i];
					p1 += q[h + i];
					p2 += q[2 * h + i];
					p3 += q[3 * h + i];
					p4 += q[4 * h + i];
					p5 += q[5 * h + i];
					p6 += q[6 * h + i];
					p7 += q[7 * h + i];
				}
				acc[j] += p0, acc[j + 1] += p1, acc[j + 2] += p2, acc[j + 3] += p3;
				acc[j + 4] += p4, acc[j + 5] += p5, acc[j + 6] += p6, acc[j + 7] += p7;
			}
			for (; j < cb; j++) {
				float part = 0;
				for (int i = 0; i < hw; i++)
					part += d[(size_t)j * hw + i];
				acc[j] += part;
			}
		}
		for (int j = 0; j < cb; j++)
			db[c0 + j] += acc[j];
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
	size_t rows = (size_t)s->cin * s->k * s->k + s->cout;
	return rows * (size_t)block_n(s->n, ohw, rows, NULL) * ohw;
}

/* Workspace: col (cout*k*k, nb*h*w) and a block of inputs (cin, nb*h*w);
 * none for the dense case. */
size_t convt2d_workspace(const ConvShape *s)
{
	int hw = s->h * s->w;
	if (hw < 1 || s->n < 1 || convt_dense(s))
		return 0;
	size_t rows = (size_t)s->cout * s->k * s->k + s->cin;
	return rows * (size_t)block_n(s->n, hw, rows, NULL) * hw;
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

/* One block of m examples starting at e0 (GEMM column count ld = m * cols),
 * cut into slots of `per` examples that the threads take one at a time; lo,
 * hi are the examples of the slot at hand. */
typedef struct {
	int e0, m, ld, per, slots, lo, hi;
} Block;

static Block block_at(int e0, int n, int nb, int per, int cols)
{
	Block b = { .e0 = e0, .m = n - e0 < nb ? n - e0 : nb, .per = per };
	b.ld = b.m * cols;
	b.slots = (b.m + per - 1) / per;
	return b;
}

static void block_slot(Block *b, int sl)
{
	b->lo = sl * b->per;
	b->hi = b->lo + b->per < b->m ? b->lo + b->per : b->m;
}

/* dw (r x c) += a (r x k) . b (c x k)^T, in DW_PIECES pieces shared by the
 * threads of the enclosing region (all of which must call it). */
static void dw_shared(int r, int c, int k, const float *a, const float *b, int ld,
		      float *dw)
{
	PAR_SHARE
	for (int j = 0; j < DW_PIECES; j++)
		gemm_share(j, DW_PIECES, 0, 1, r, c, k, 1.0f, a, ld, b, ld, 1.0f, dw, c);
}

/* in (n, cin, h, w), w (cout, cin, k, k), b (cout) or NULL -> out (n, cout, oh, ow).
 * Per slot of examples: col (cin*k*k, slot*oh*ow) = im2col(in);
 * out = w . col, regrouped per example (unless the slot is one example) + b.
 * The dense case (1x1 output, no padding) is linear_forward. */
void conv2d_forward(float *out, const float *in, const float *w, const float *b,
		    const ConvShape *s, float *ws)
{
	Geom g = conv_geom(s);
	int ohw = s->oh * s->ow, ckk = s->cin * s->k * s->k, per;
	int nb = block_n(s->n, ohw, (size_t)ckk + s->cout, &per);
	size_t isz = (size_t)s->cin * s->h * s->w, osz = (size_t)s->cout * ohw;
	if (conv_dense(s)) {
		linear_forward(out, in, w, b, s->n, ckk, s->cout);
		return;
	}
	float *col = ws, *tmp = ws + (size_t)ckk * nb * ohw;
	PAR_REGION(s->n > per)
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		Block k = block_at(e0, s->n, nb, per, ohw);
		PAR_SHARE
		for (int sl = 0; sl < k.slots; sl++) {
			block_slot(&k, sl);
			int sc = (k.hi - k.lo) * ohw;
			float *cs = col + (size_t)ckk * k.lo * ohw, *ts = tmp + (size_t)s->cout * k.lo * ohw;
			for (int e = k.lo; e < k.hi; e++)
				im2col(cs + (size_t)(e - k.lo) * ohw, (size_t)sc, in + (e0 + e) * isz, &g);
			float *o = out + (e0 + k.lo) * osz;
			if (k.hi - k.lo == 1) {
				gemm_serial(0, 0, s->cout, ohw, ckk, 1.0f, w, ckk, cs, sc, 0.0f, o, ohw);
				if (b)
					add_bias(o, b, s->cout, ohw);
				continue;
			}
			gemm_serial(0, 0, s->cout, sc, ckk, 1.0f, w, ckk, cs, sc, 0.0f, ts, sc);
			scatter(o, ts, (size_t)sc, k.hi - k.lo, s->cout, ohw, b);
		}
	}
}

/* dout (n, cout, oh, ow), in (n, cin, h, w), w (cout, cin, k, k).
 * dw (cout, cin, k, k) += dout . im2col(in)^T and db (cout) += sums of dout
 * (either NULL to skip); din (n, cin, h, w) = col2im(w^T . dout) unless NULL. */
void conv2d_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *w, const ConvShape *s, float *ws)
{
	Geom g = conv_geom(s);
	int ohw = s->oh * s->ow, ckk = s->cin * s->k * s->k, per;
	int nb = block_n(s->n, ohw, (size_t)ckk + s->cout, &per);
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
	PAR_REGION(s->n > per || dw)
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		Block k = block_at(e0, s->n, nb, per, ohw);
		PAR_SHARE
		for (int sl = 0; sl < k.slots; sl++) {
			block_slot(&k, sl);
			gather(tmp + (size_t)k.lo * ohw, k.ld, dout + (e0 + k.lo) * osz,
			       k.hi - k.lo, s->cout, ohw);
			for (int e = k.lo; dw && e < k.hi; e++)
				im2col(col + (size_t)e * ohw, k.ld, in + (e0 + e) * isz, &g);
		}
		if (dw)
			dw_shared(s->cout, ckk, k.ld, tmp, col, k.ld, dw);
		PAR_SHARE
		for (int sl = 0; sl < (din ? k.slots : 0); sl++) {
			block_slot(&k, sl);
			int sc = (k.hi - k.lo) * ohw;
			float *cs = col + (size_t)ckk * k.lo * ohw;
			gemm_serial(1, 0, ckk, sc, s->cout, 1.0f, w, ckk, tmp + (size_t)k.lo * ohw,
				    k.ld, 0.0f, cs, sc);
			for (int e = k.lo; e < k.hi; e++)
				col2im(din + (e0 + e) * isz, cs + (size_t)(e - k.lo) * ohw, (size_t)sc, &g);
		}
	}
}

/* The dense transposed case (1x1 input, no padding): out (n, cout*k*k) =
 * in (n, cin) . w (cin, cout*k*k), plus the bias. */
static void convt_dense_forward(float *out, const float *in, const float *w,
				const float *b, const ConvShape *s)
{
	int ckk = s->cout * s->k * s->k, ohw = s->oh * s->ow;
	size_t osz = (size_t)s->cout * ohw;
	gemm(0, 0, s->n, ckk, s->cin, 1.0f, in, s->cin, w, ckk, 0.0f, out, ckk);
	PAR_FOR(b && (size_t)s->n * osz >= PAR_GRAIN)
	for (int e = 0; e < (b ? s->n : 0); e++)
		add_bias(out + e * osz, b, s->cout, ohw);
}

/* in (n, cin, h, w), w (cin, cout, k, k), b (cout) or NULL -> out (n, cout, oh, ow),
 * the data gradient of a conv2d from (cout, oh, ow) to (cin, h, w). Per slot:
 * tmp (cin, slot*h*w) = in regrouped (unless the slot is one example);
 * col (cout*k*k, slot*h*w) = w^T . tmp; out = col2im(col) + b per example. */
void convt2d_forward(float *out, const float *in, const float *w, const float *b,
		     const ConvShape *s, float *ws)
{
	Geom g = convt_geom(s);
	int hw = s->h * s->w, ckk = s->cout * s->k * s->k, ohw = s->oh * s->ow, per;
	int nb = block_n(s->n, hw, (size_t)ckk + s->cin, &per);
	size_t isz = (size_t)s->cin * hw, osz = (size_t)s->cout * ohw;
	if (convt_dense(s)) {
		convt_dense_forward(out, in, w, b, s);
		return;
	}
	float *col = ws, *tmp = ws + (size_t)ckk * nb * hw;
	PAR_REGION(s->n > per)
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		Block k = block_at(e0, s->n, nb, per, hw);
		PAR_SHARE
		for (int sl = 0; sl < k.slots; sl++) {
			block_slot(&k, sl);
			int sc = (k.hi - k.lo) * hw;
			float *cs = col + (size_t)ckk * k.lo * hw, *ts = tmp + (size_t)s->cin * k.lo * hw;
			const float *src = in + (e0 + k.lo) * isz;
			if (k.hi - k.lo > 1) {
				gather(ts, (size_t)sc, src, k.hi - k.lo, s->cin, hw);
				src = ts;
			}
			gemm_serial(1, 0, ckk, sc, s->cin, 1.0f, w, ckk, src, sc, 0.0f, cs, sc);
			for (int e = k.lo; e < k.hi; e++) {
				float *o = out + (e0 + e) * osz;
				col2im(o, cs + (size_t)(e - k.lo) * hw, (size_t)sc, &g);
				if (b)
					add_bias(o, b, s->cout, ohw);
			}
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
	int hw = s->h * s->w, ckk = s->cout * s->k * s->k, ohw = s->oh * s->ow, per;
	int nb = block_n(s->n, hw, (size_t)ckk + s->cin, &per);
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
	PAR_REGION(s->n > per || dw)
	for (int e0 = 0; e0 < s->n; e0 += nb) {
		Block k = block_at(e0, s->n, nb, per, hw);
		PAR_SHARE
		for (int sl = 0; sl < k.slots; sl++) {
			block_slot(&k, sl);
			for (int e = k.lo; e < k.hi; e++)
				im2col(col + (size_t)e * hw, k.ld, dout + (e0 + e) * osz, &g);
			if (dw)
				gather(tmp + (size_t)k.lo * hw, k.ld, in + (e0 + k.lo) * isz,
				       k.hi - k.lo, s->cin, hw);
		}
		if (dw)
			dw_shared(s->cin, ckk, k.ld, tmp, col, k.ld, dw);
		PAR_SHARE
		for (int sl = 0; sl < (din ? k.slots : 0); sl++) {
			block_slot(&k, sl);
			size_t c0 = (size_t)k.lo * hw;
			int sc = (k.hi - k.lo) * hw;
			float *d = din + (e0 + k.lo) * isz, *ts = tmp + (size_t)s->cin * c0;
			if (k.hi - k.lo == 1) {
				gemm_serial(0, 0, s->cin, hw, ckk, 1.0f, w, ckk, col + c0, k.ld,
					    0.0f, d, hw);
				continue;
			}
			/* tmp's block-wide rows were last read by the weight gradient */
			gemm_serial(0, 0, s->cin, sc, ckk, 1.0f, w, ckk, col + c0, k.ld, 0.0f, ts, sc);
			scatter(d, ts, (size_t)sc, k.hi - k.lo, s->cin, hw, NULL);
		}
	}
}
