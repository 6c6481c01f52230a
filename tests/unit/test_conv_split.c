/* test_conv_split.c - how conv2d.c and gemm() cut their work: shapes whose
 * examples span several slots and blocks (slots of several examples, a
 * one-example last slot, a partial last block) against naive loops for the
 * forward pass, the input gradient and the weight gradient; and the same
 * bits from every entry point on 1, 2 and 3 threads. */
#include <stdint.h>

#include "conv2d.h"
#include "gemm.h"
#include "check.h"

/* n, cin, h, w, cout, k, stride, pad. */
typedef struct { int n, cin, h, w, cout, k, s, p; } Case;

static const Case cases[] = {
	/* with conv2d.c's SLOT_COLS 512, MIN_SLOTS 4, BLOCK_SLOTS 8: */
	{ 19, 2, 6, 6, 3, 3, 1, 1 },     /* slots of 5 examples, the last of 4 */
	{ 10, 2, 23, 23, 2, 3, 1, 1 },   /* one example a slot, blocks of 8 and 2 */
	{ 300, 1, 4, 4, 2, 1, 1, 0 },    /* slots of 32, blocks of 256 and 44 */
	{ 10, 4, 8, 8, 6, 4, 2, 1 },     /* DCGAN k4 s2 p1: slots of 3, the last of 1 */
	{ 3, 2, 2, 2, 3, 4, 2, 1 },      /* k4 s2 p1 planes of one row (conv to 1x1) */
	{ 4, 2, 6, 10, 3, 4, 2, 1 },     /* k4 s2 p1, not square */
	{ 2, 2, 7, 9, 3, 4, 2, 1 },      /* k4 s2 p1, odd sizes: no planes */
	{ 5, 3, 1, 1, 4, 4, 1, 0 },      /* the dense cases (convt 1x1; conv 4x4 -> 1x1) */
	{ 5, 3, 4, 4, 4, 4, 1, 0 },
	/* dcgan-mnist's thin layers at batch 8: OpenBLAS sums a weight gradient
	 * of 16 rows (a piece) and one of 64 rows in different orders */
	{ 8, 1, 28, 28, 64, 4, 2, 1 },
	{ 8, 64, 14, 14, 1, 4, 2, 1 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The pairs (image pixel, column position) of a convolution: for each
 * example e, image channel a, column channel c, kernel tap (ki, kj) and
 * column position (y, x): img (n, ca, ih, iw) at (y s - p + ki, x s - p + kj)
 * meets col (n, cc, ch, cw) at (y, x) through wt (cc, ca, k, k) (a conv2d's
 * (cout, cin, k, k), a convt2d's (cin, cout, k, k)). mode 0: col += w img; 1: img += w col; 2: w += img col. */
typedef struct {
	int n, ca, ih, iw, cc, ch, cw, k, s, p;
} Pairs;

static void pairs_run(const Pairs *q, int mode, double *img, double *col, double *wt)
{
	for (int e = 0; e < q->n; e++)
	for (int c = 0; c < q->cc; c++)
	for (int a = 0; a < q->ca; a++)
	for (int ki = 0; ki < q->k; ki++)
	for (int kj = 0; kj < q->k; kj++)
	for (int y = 0; y < q->ch; y++)
	for (int x = 0; x < q->cw; x++) {
		int iy = y * q->s - q->p + ki, ix = x * q->s - q->p + kj;
		if (iy < 0 || iy >= q->ih || ix < 0 || ix >= q->iw)
			continue;
		size_t wi = (((size_t)c * q->ca + a) * q->k + ki) * q->k + kj;
		size_t ii = (((size_t)e * q->ca + a) * q->ih + iy) * q->iw + ix;
		size_t ci = (((size_t)e * q->cc + c) * q->ch + y) * q->cw + x;
		if (mode == 0)
			col[ci] += wt[wi] * img[ii];
		else if (mode == 1)
			img[ii] += wt[wi] * col[ci];
		else
			wt[wi] += img[ii] * col[ci];
	}
}

static double *to_d(const float *v, size_t n)
{
	double *d = malloc(sizeof(double) * (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		d[i] = v[i];
	return d;
}

/* One layer's buffers; t = 1 for convt2d. */
typedef struct {
	int t;
	ConvShape s;
	size_t nin, nw, nout;
	float *in, *w, *dout, *ws;
	Pairs q;
} Layer;

static int layer_init(Layer *L, int t, const Case *c, TestRng *r)
{
	memset(L, 0, sizeof(*L));
	L->t = t;
	L->s = (ConvShape){ .n = c->n, .cin = c->cin, .h = c->h, .w = c->w,
			    .cout = c->cout, .k = c->k, .stride = c->s, .pad = c->p };
	if ((t ? convt2d_shape(&L->s) : conv2d_shape(&L->s)) < 0)
		return -1;
	const ConvShape *s = &L->s;
	L->nin = (size_t)s->n * s->cin * s->h * s->w;
	L->nout = (size_t)s->n * s->cout * s->oh * s->ow;
	L->nw = (size_t)s->cin * s->cout * s->k * s->k;
	L->in = test_rnd_vec(r, L->nin);
	L->w = test_rnd_vec(r, L->nw);
	L->dout = test_rnd_vec(r, L->nout);
	L->ws = malloc(sizeof(float) * ((t ? convt2d_workspace(s) : conv2d_workspace(s)) + 1));
	/* conv2d: the input is the image; convt2d: the output is. */
	if (!t)
		L->q = (Pairs){ s->n, s->cin, s->h, s->w, s->cout, s->oh, s->ow, s->k,
				s->stride, s->pad };
	else
		L->q = (Pairs){ s->n, s->cout, s->oh, s->ow, s->cin, s->h, s->w, s->k,
				s->stride, s->pad };
	return 0;
}

static void layer_free(Layer *L)
{
	free(L->in); free(L->w); free(L->dout); free(L->ws);
}

/* out, din, dw of the layer under test (dw from zero). */
static void layer_run(Layer *L, float *out, float *din, float *dw)
{
	memset(dw, 0, sizeof(float) * L->nw);
	if (L->t) {
		convt2d_forward(out, L->in, L->w, NULL, &L->s, L->ws);
		convt2d_backward(din, dw, NULL, L->dout, L->in, L->w, &L->s, L->ws);
	} else {
		conv2d_forward(out, L->in, L->w, NULL, &L->s, L->ws);
		conv2d_backward(din, dw, NULL, L->dout, L->in, L->w, &L->s, L->ws);
	}
}

static void to_f(float *dst, const double *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (float)src[i];
}

/* Largest |v[i]|: float sums of many terms err relative to the array's
 * scale, not to each (possibly cancelled) element. */
static double max_abs(const float *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fabs((double)v[i]) > m ? fabs((double)v[i]) : m;
	return m;
}

/* Forward, input and weight gradients against pairs_run in double, within
 * 1e-5 of the array's largest value (plus 1e-4 of each). */
static void check_reference(Layer *L, const char *name)
{
	double *in = to_d(L->in, L->nin), *w = to_d(L->w, L->nw), *dout = to_d(L->dout, L->nout);
	double *out = calloc(L->nout, sizeof(double)), *din = calloc(L->nin, sizeof(double));
	double *dw = calloc(L->nw, sizeof(double));
	/* conv2d: out = col side, in = image; convt2d the other way round. */
	pairs_run(&L->q, L->t ? 1 : 0, L->t ? out : in, L->t ? in : out, w);
	pairs_run(&L->q, L->t ? 0 : 1, L->t ? dout : din, L->t ? din : dout, w);
	pairs_run(&L->q, 2, L->t ? dout : in, L->t ? in : dout, dw);
	float *ro = malloc(sizeof(float) * L->nout), *rd = malloc(sizeof(float) * L->nin);
	float *rw = malloc(sizeof(float) * L->nw);
	to_f(ro, out, L->nout); to_f(rd, din, L->nin); to_f(rw, dw, L->nw);
	float *o = malloc(sizeof(float) * L->nout), *d = malloc(sizeof(float) * L->nin);
	float *g = malloc(sizeof(float) * L->nw);
	layer_run(L, o, d, g);
	char label[160];
	snprintf(label, sizeof label, "%s forward", name);
	CHECK_CLOSE(o, ro, L->nout, 1e-5 * (1 + max_abs(ro, L->nout)), 1e-4, label);
	snprintf(label, sizeof label, "%s d/din", name);
	CHECK_CLOSE(d, rd, L->nin, 1e-5 * (1 + max_abs(rd, L->nin)), 1e-4, label);
	snprintf(label, sizeof label, "%s d/dw", name);
	CHECK_CLOSE(g, rw, L->nw, 1e-5 * (1 + max_abs(rw, L->nw)), 1e-4, label);
	free(in); free(w); free(dout); free(out); free(din); free(dw);
	free(ro); free(rd); free(rw); free(o); free(d); free(g);
}

/* The same bits from forward and backward on 1, 2 and 3 threads. */
static void check_threads(Layer *L, const char *name)
{
	float *o[3], *d[3], *g[3];
	for (int i = 0; i < 3; i++) {
		o[i] = malloc(sizeof(float) * L->nout);
		d[i] = malloc(sizeof(float) * L->nin);
		g[i] = malloc(sizeof(float) * L->nw);
		gemm_set_threads(i + 1);
		layer_run(L, o[i], d[i], g[i]);
	}
	gemm_set_threads(1);
	for (int i = 1; i < 3; i++) {
		CHECK_MSG(!memcmp(o[0], o[i], sizeof(float) * L->nout) &&
			  !memcmp(d[0], d[i], sizeof(float) * L->nin) &&
			  !memcmp(g[0], g[i], sizeof(float) * L->nw),
			  "%s: 1 and %d threads give the same bits", name, i + 1);
	}
	for (int i = 0; i < 3; i++) {
		free(o[i]); free(d[i]); free(g[i]);
	}
}

static void test_layers(void)
{
	TestRng r = { 0x5eed17 };
	char name[96];
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < NCASES; i++) {
			Layer L;
			if (layer_init(&L, t, &cases[i], &r) < 0) {
				CHECK_MSG(t == 0 && cases[i].h < cases[i].k, "case %zu valid", i);
				continue;
			}
			snprintf(name, sizeof name, "%s split case %zu", t ? "convt2d" : "conv2d", i);
			check_reference(&L, name);
			check_threads(&L, name);
			layer_free(&L);
		}
}

/* gemm() cut in slabs: the same bits on 1, 2 and 3 threads, for a product
 * split by columns and one split by rows. */
static void test_gemm(void)
{
	TestRng r = { 12 };
	static const int dims[][3] = { { 40, 3000, 100 }, { 3000, 37, 90 } };
	for (int c = 0; c < 2; c++) {
		int m = dims[c][0], n = dims[c][1], k = dims[c][2];
		float *a = test_rnd_vec(&r, (size_t)m * k), *b = test_rnd_vec(&r, (size_t)k * n);
		float *out[3];
		for (int i = 0; i < 3; i++) {
			out[i] = malloc(sizeof(float) * (size_t)m * n);
			gemm_set_threads(i + 1);
			gemm(0, 0, m, n, k, 1.0f, a, k, b, n, 0.0f, out[i], n);
		}
		gemm_set_threads(1);
		for (int i = 1; i < 3; i++)
			CHECK_MSG(!memcmp(out[0], out[i], sizeof(float) * (size_t)m * n),
				  "gemm %dx%dx%d: 1 and %d threads give the same bits", m, n, k, i + 1);
		free(a); free(b);
		for (int i = 0; i < 3; i++)
			free(out[i]);
	}
}

static void run(void)
{
	test_layers();
	test_gemm();
}

CHECK_MAIN("test_conv_split")
