/* test_conv2d.c - conv2d and convt2d on the CPU: forward against naive direct
 * loops, backward against central finite differences, the adjoint identity,
 * gradient accumulation, shape rules and PyTorch golden values. */
#include <stdint.h>

#include "conv2d.h"
#include "../fixtures/layers_conv.h"
#include "check.h"

/* One test case: n, cin, h, w, cout, k, stride, pad, with bias. */
typedef struct { int n, cin, h, w, cout, k, s, p, bias; } Case;

static const Case cases[] = {
	{ 1, 3, 8, 8, 4, 4, 2, 1, 1 },     /* DCGAN k4 s2 p1, cin 3 */
	{ 3, 3, 32, 32, 8, 4, 2, 1, 0 },   /* k4 s2 p1 on 32x32 */
	{ 3, 5, 1, 1, 6, 4, 1, 0, 1 },     /* k4 s1 p0 on 1x1 (convt only) */
	{ 3, 6, 4, 4, 2, 4, 1, 0, 1 },     /* k4 s1 p0 on 4x4 -> 1x1 */
	{ 2, 3, 4, 4, 3, 4, 2, 0, 1 },     /* k4 s2 p0 on 4x4 -> 1x1 */
	{ 2, 4, 1, 1, 3, 4, 2, 0, 0 },     /* k4 s2 p0 on 1x1 (convt only) */
	{ 2, 4, 1, 1, 3, 3, 1, 1, 1 },     /* 1x1 with pad (convt only) */
	{ 2, 2, 7, 5, 3, 3, 1, 1, 1 },     /* stride 1, pad 1, not square */
	{ 3, 2, 9, 8, 3, 3, 3, 2, 0 },     /* stride 3, pad 2 */
	{ 1, 4, 5, 5, 2, 2, 2, 0, 1 },     /* k2 s2 p0 */
	{ 2, 3, 6, 7, 2, 5, 1, 2, 1 },     /* k5 p2 */
	{ 3, 2, 6, 6, 3, 1, 1, 0, 1 },     /* k1 */
	{ 3, 2, 32, 32, 3, 3, 1, 0, 1 },   /* several blocks, last one partial */
	{ 2, 2, 64, 64, 2, 3, 1, 1, 0 },   /* one example per block */
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static ConvShape case_shape(const Case *c)
{
	return (ConvShape){ .n = c->n, .cin = c->cin, .h = c->h, .w = c->w,
			    .cout = c->cout, .k = c->k, .stride = c->s, .pad = c->p };
}

/* Direct conv2d: out (n, cout, oh, ow) from in (n, cin, h, w), w (cout, cin, k, k). */
static void ref_conv(float *out, const float *in, const float *w, const float *b,
		     const ConvShape *s)
{
	for (int e = 0; e < s->n; e++)
	for (int co = 0; co < s->cout; co++)
	for (int oy = 0; oy < s->oh; oy++)
	for (int ox = 0; ox < s->ow; ox++) {
		double acc = b ? b[co] : 0;
		for (int ci = 0; ci < s->cin; ci++)
		for (int ki = 0; ki < s->k; ki++)
		for (int kj = 0; kj < s->k; kj++) {
			int iy = oy * s->stride - s->pad + ki;
			int ix = ox * s->stride - s->pad + kj;
			if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
				continue;
			acc += (double)in[((e * s->cin + ci) * s->h + iy) * s->w + ix] *
			       w[((co * s->cin + ci) * s->k + ki) * s->k + kj];
		}
		out[((e * s->cout + co) * s->oh + oy) * s->ow + ox] = (float)acc;
	}
}

/* Direct transposed conv: every input pixel scatters w (cin, cout, k, k). */
static void ref_convt(float *out, const float *in, const float *w, const float *b,
		      const ConvShape *s)
{
	size_t ohw = (size_t)s->oh * s->ow;
	double *acc = calloc((size_t)s->n * s->cout * ohw, sizeof(double));
	for (int e = 0; e < s->n; e++)
	for (int ci = 0; ci < s->cin; ci++)
	for (int iy = 0; iy < s->h; iy++)
	for (int ix = 0; ix < s->w; ix++)
	for (int co = 0; co < s->cout; co++)
	for (int ki = 0; ki < s->k; ki++)
	for (int kj = 0; kj < s->k; kj++) {
		int oy = iy * s->stride - s->pad + ki;
		int ox = ix * s->stride - s->pad + kj;
		if (oy < 0 || oy >= s->oh || ox < 0 || ox >= s->ow)
			continue;
		acc[(e * s->cout + co) * ohw + (size_t)oy * s->ow + ox] +=
			(double)in[((e * s->cin + ci) * s->h + iy) * s->w + ix] *
			w[((ci * s->cout + co) * s->k + ki) * s->k + kj];
	}
	for (int e = 0; e < s->n; e++)
		for (int co = 0; co < s->cout; co++)
			for (size_t i = 0; i < ohw; i++)
				out[(e * s->cout + co) * ohw + i] =
					(float)(acc[(e * s->cout + co) * ohw + i] + (b ? b[co] : 0));
	free(acc);
}

/* A layer under test: sizes and buffers for conv2d (t = 0) or convt2d (t = 1). */
typedef struct {
	int t;
	ConvShape s;
	size_t nin, nw, nout;
	float *in, *w, *b, *out, *r, *ws;
} Layer;

/* Sets up a layer with random in, w, b and loss weights r; -1 if the shape is invalid. */
static int layer_init(Layer *L, int t, const Case *c, TestRng *rng)
{
	memset(L, 0, sizeof(*L));
	L->t = t;
	L->s = case_shape(c);
	if ((t ? convt2d_shape(&L->s) : conv2d_shape(&L->s)) < 0)
		return -1;
	L->nin = (size_t)c->n * c->cin * c->h * c->w;
	L->nw = (size_t)c->cin * c->cout * c->k * c->k;
	L->nout = (size_t)c->n * c->cout * L->s.oh * L->s.ow;
	L->in = test_rnd_vec(rng, L->nin);
	L->w = test_rnd_vec(rng, L->nw);
	L->b = c->bias ? test_rnd_vec(rng, c->cout) : NULL;
	L->out = test_rnd_vec(rng, L->nout);
	L->r = test_rnd_vec(rng, L->nout);
	size_t nws = t ? convt2d_workspace(&L->s) : conv2d_workspace(&L->s);
	L->ws = malloc(sizeof(float) * nws);
	return 0;
}

static void layer_free(Layer *L)
{
	free(L->in); free(L->w); free(L->b); free(L->out); free(L->r); free(L->ws);
}

static void layer_forward(Layer *L)
{
	if (L->t)
		convt2d_forward(L->out, L->in, L->w, L->b, &L->s, L->ws);
	else
		conv2d_forward(L->out, L->in, L->w, L->b, &L->s, L->ws);
}

static void layer_backward(Layer *L, float *din, float *dw, float *db, const float *dout)
{
	if (L->t)
		convt2d_backward(din, dw, db, dout, L->in, L->w, &L->s, L->ws);
	else
		conv2d_backward(din, dw, db, dout, L->in, L->w, &L->s, L->ws);
}

/* L = sum(out * r) in double over the float forward output. */
static double layer_loss(void *ctx)
{
	Layer *L = ctx;
	layer_forward(L);
	double acc = 0;
	for (size_t i = 0; i < L->nout; i++)
		acc += (double)L->out[i] * L->r[i];
	return acc;
}

static void test_forward(void)
{
	TestRng rng = { 0x9E3779B97F4A7C15ULL };
	char label[96];
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < NCASES; i++) {
			Layer L;
			if (layer_init(&L, t, &cases[i], &rng) < 0) {
				CHECK(t == 0 && cases[i].h < cases[i].k);
				continue;
			}
			float *ref = malloc(sizeof(float) * L.nout);
			(t ? ref_convt : ref_conv)(ref, L.in, L.w, L.b, &L.s);
			layer_forward(&L);
			snprintf(label, sizeof(label), "%s forward, case %zu",
				 t ? "convt2d" : "conv2d", i);
			CHECK_CLOSE(L.out, ref, L.nout, 1e-5, 1e-4, label);
			free(ref);
			layer_free(&L);
		}
}

/* The loss sum(out * r) is linear in each of in, w and b (convolution and its transpose alike), so central
 * differences have no truncation error and only the forward's float rounding
 * e remains, as e / h (check.h): a large step keeps it far below the 1e-2
 * bound whatever kernel ran (inputs are in [-1, 1]; 0.25 is exact in float). */
#define CONV_H 0.25

/* Analytic gradients of every input against finite differences of layer_loss. */
static void check_layer_grads(Layer *L, const char *name)
{
	float *din = malloc(sizeof(float) * L->nin), *dw = calloc(L->nw, sizeof(float));
	float db[64] = { 0 };
	char label[96];
	layer_backward(L, din, dw, L->b ? db : NULL, L->r);
	snprintf(label, sizeof(label), "%s d/din", name);
	CHECK_GRAD(layer_loss, L, L->in, din, L->nin, CONV_H, 1e-2, label);
	snprintf(label, sizeof(label), "%s d/dw", name);
	CHECK_GRAD(layer_loss, L, L->w, dw, L->nw, CONV_H, 1e-2, label);
	if (L->b) {
		snprintf(label, sizeof(label), "%s d/db", name);
		CHECK_GRAD(layer_loss, L, L->b, db, (size_t)L->s.cout, CONV_H, 1e-2, label);
	}
	free(din);
	free(dw);
}

static void test_gradients(void)
{
	static const Case small[] = {
		{ 2, 3, 6, 6, 2, 4, 2, 1, 1 },   /* DCGAN k4 s2 p1 */
		{ 2, 3, 1, 1, 2, 4, 1, 0, 1 },   /* k4 s1 p0 on 1x1 (convt) */
		{ 2, 3, 4, 4, 2, 4, 1, 0, 1 },   /* k4 on 4x4 -> 1x1 (conv) */
		{ 1, 2, 7, 6, 3, 3, 3, 2, 1 },   /* stride 3, pad 2 */
		{ 3, 2, 5, 4, 2, 3, 1, 1, 0 },   /* stride 1, pad 1, no bias */
	};
	TestRng rng = { 42 };
	char name[64];
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
			Layer L;
			if (layer_init(&L, t, &small[i], &rng) < 0)
				continue;
			snprintf(name, sizeof(name), "%s case %zu", t ? "convt2d" : "conv2d", i);
			check_layer_grads(&L, name);
			layer_free(&L);
		}
}

/* <conv(x), y> == <x, convt(y)> with convt reading the conv weight (cout, cin,
 * k, k) as its (cin', cout', k, k); conv2d_backward's din must equal convt(y). */
static void check_adjoint(const Case *c, TestRng *rng)
{
	Layer A, T;
	if (layer_init(&A, 0, c, rng) < 0) {
		CHECK(!"adjoint case has a valid conv2d shape");
		return;
	}
	Case tc = { c->n, c->cout, A.s.oh, A.s.ow, c->cin, c->k, c->s, c->p, 0 };
	if (layer_init(&T, 1, &tc, rng) < 0 || T.s.oh != c->h || T.s.ow != c->w) {
		CHECK(!"convt2d of the conv output has the conv input's size");
		layer_free(&A);
		layer_free(&T);
		return;
	}
	memcpy(T.w, A.w, sizeof(float) * A.nw);
	free(A.b);
	A.b = NULL;
	layer_forward(&A);
	layer_forward(&T);
	double lhs = 0, rhs = 0, mag = 0;
	for (size_t i = 0; i < A.nout; i++) {
		lhs += (double)A.out[i] * T.in[i];
		mag += fabs((double)A.out[i] * T.in[i]);
	}
	for (size_t i = 0; i < A.nin; i++)
		rhs += (double)A.in[i] * T.out[i];
	CHECK_MSG(fabs(lhs - rhs) <= 1e-5 * mag, "adjoint: %.9g vs %.9g", lhs, rhs);
	float *din = malloc(sizeof(float) * A.nin);
	conv2d_backward(din, NULL, NULL, T.in, A.in, A.w, &A.s, A.ws);
	CHECK_CLOSE(din, T.out, A.nin, 1e-5, 1e-5, "conv2d din == convt2d forward");
	free(din);
	layer_free(&A);
	layer_free(&T);
}

static void test_adjoint(void)
{
	static const Case adj[] = {
		{ 2, 3, 8, 8, 5, 4, 2, 1, 0 },
		{ 3, 4, 4, 4, 2, 4, 1, 0, 0 },
		{ 1, 2, 10, 7, 3, 3, 3, 1, 0 },
		{ 2, 2, 9, 7, 3, 3, 1, 2, 0 },
		{ 3, 3, 40, 40, 2, 4, 2, 1, 0 },
	};
	TestRng rng = { 7 };
	for (size_t i = 0; i < sizeof(adj) / sizeof(adj[0]); i++)
		check_adjoint(&adj[i], &rng);
}

/* Backward twice from zero doubles dw and db and leaves din as after once. */
static void check_accumulate(Layer *L)
{
	float *din1 = malloc(sizeof(float) * L->nin), *din2 = malloc(sizeof(float) * L->nin);
	float *dw1 = calloc(L->nw, sizeof(float)), *dw2 = calloc(L->nw, sizeof(float));
	float db1[64] = { 0 }, db2[64] = { 0 };
	layer_backward(L, din1, dw1, db1, L->r);
	for (size_t i = 0; i < L->nin; i++)
		din2[i] = 1e6f;
	layer_backward(L, din2, dw2, db2, L->r);
	layer_backward(L, din2, dw2, db2, L->r);
	for (size_t i = 0; i < L->nw; i++)
		dw1[i] *= 2;
	for (int i = 0; i < L->s.cout; i++)
		db1[i] *= 2;
	CHECK_CLOSE(dw2, dw1, L->nw, 1e-6, 1e-6, "dw accumulates");
	CHECK_CLOSE(db2, db1, (size_t)L->s.cout, 1e-6, 1e-6, "db accumulates");
	CHECK_CLOSE(din2, din1, L->nin, 0, 0, "din is overwritten");
	float *dw3 = calloc(L->nw, sizeof(float));
	layer_backward(L, NULL, dw3, NULL, L->r);
	layer_backward(L, NULL, dw3, NULL, L->r);
	CHECK_CLOSE(dw3, dw1, L->nw, 1e-6, 1e-6, "dw with din and db skipped");
	free(din1); free(din2); free(dw1); free(dw2); free(dw3);
}

static void test_accumulate(void)
{
	TestRng rng = { 99 };
	static const Case c = { 3, 3, 8, 8, 4, 4, 2, 1, 1 };
	for (int t = 0; t < 2; t++) {
		Layer L;
		CHECK(layer_init(&L, t, &c, &rng) == 0);
		check_accumulate(&L);
		layer_free(&L);
	}
}

static void test_shapes(void)
{
	ConvShape s = { .n = 64, .cin = 3, .h = 64, .w = 64, .cout = 64, .k = 4, .stride = 2, .pad = 1 };
	CHECK(conv2d_shape(&s) == 0 && s.oh == 32 && s.ow == 32);
	s = (ConvShape){ .n = 8, .cin = 512, .h = 4, .w = 4, .cout = 1, .k = 4, .stride = 1 };
	CHECK(conv2d_shape(&s) == 0 && s.oh == 1 && s.ow == 1);
	s = (ConvShape){ .n = 8, .cin = 100, .h = 1, .w = 1, .cout = 512, .k = 4, .stride = 1 };
	CHECK(convt2d_shape(&s) == 0 && s.oh == 4 && s.ow == 4);
	s = (ConvShape){ .n = 8, .cin = 128, .h = 7, .w = 7, .cout = 64, .k = 4, .stride = 2, .pad = 1 };
	CHECK(convt2d_shape(&s) == 0 && s.oh == 14 && s.ow == 14);
	s = (ConvShape){ .n = 1, .cin = 1, .h = 10, .w = 6, .cout = 1, .k = 3, .stride = 3, .pad = 2 };
	CHECK(conv2d_shape(&s) == 0 && s.oh == 4 && s.ow == 3);
	ConvShape bad[] = {
		{ .n = 1, .cin = 1, .h = 1, .w = 1, .cout = 1, .k = 4, .stride = 1 },
		{ .n = 0, .cin = 1, .h = 8, .w = 8, .cout = 1, .k = 3, .stride = 1 },
		{ .n = 1, .cin = 1, .h = 8, .w = 8, .cout = 1, .k = 3, .stride = 0 },
		{ .n = 1, .cin = 1, .h = 8, .w = 8, .cout = 1, .k = 3, .stride = 1, .pad = -1 },
		{ .n = 1, .cin = 0, .h = 8, .w = 8, .cout = 1, .k = 3, .stride = 1 },
		{ .n = 1, .cin = 1, .h = 8, .w = -8, .cout = 1, .k = 3, .stride = 1 },
		{ .n = 1, .cin = 1 << 20, .h = 8, .w = 8, .cout = 1, .k = 64, .stride = 1 },
		{ .n = 1, .cin = 1, .h = 1 << 16, .w = 1 << 16, .cout = 1, .k = 1, .stride = 1 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = bad[i];
		CHECK_MSG(conv2d_shape(&s) < 0, "conv2d bad shape %zu accepted", i);
	}
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = bad[i];
		CHECK_MSG(convt2d_shape(&s) < 0, "convt2d bad shape %zu accepted", i);
	}
	s = (ConvShape){ .n = 1, .cin = 1, .h = 2, .w = 2, .cout = 1, .k = 1, .stride = 1, .pad = 1 };
	CHECK(convt2d_shape(&s) < 0);
}

/* One PyTorch case: forward, then backward with dout = r, all within 1e-5. */
static void check_golden(int t, const float *x, const float *w, const float *b,
			 const float *r, const float *out, const float *dx,
			 const float *dw, const float *db, int oh)
{
	ConvShape s = { .n = FIX_N, .cin = FIX_CIN, .h = FIX_H, .w = FIX_H,
			.cout = FIX_COUT, .k = FIX_K, .stride = FIX_S, .pad = FIX_P };
	CHECK((t ? convt2d_shape(&s) : conv2d_shape(&s)) == 0 && s.oh == oh);
	size_t nin = (size_t)FIX_N * FIX_CIN * FIX_H * FIX_H;
	size_t nw = (size_t)FIX_CIN * FIX_COUT * FIX_K * FIX_K;
	size_t nout = (size_t)FIX_N * FIX_COUT * oh * oh;
	float *ws = malloc(sizeof(float) * (t ? convt2d_workspace(&s) : conv2d_workspace(&s)));
	float *o = malloc(sizeof(float) * nout), *gx = malloc(sizeof(float) * nin);
	float *gw = calloc(nw, sizeof(float)), gb[FIX_COUT] = { 0 };
	if (t) {
		convt2d_forward(o, x, w, b, &s, ws);
		convt2d_backward(gx, gw, gb, r, x, w, &s, ws);
	} else {
		conv2d_forward(o, x, w, b, &s, ws);
		conv2d_backward(gx, gw, gb, r, x, w, &s, ws);
	}
	const char *name = t ? "convt2d" : "conv2d";
	char label[64];
	snprintf(label, sizeof(label), "%s torch out", name);
	CHECK_CLOSE(o, out, nout, 1e-5, 0, label);
	snprintf(label, sizeof(label), "%s torch dx", name);
	CHECK_CLOSE(gx, dx, nin, 1e-5, 0, label);
	snprintf(label, sizeof(label), "%s torch dw", name);
	CHECK_CLOSE(gw, dw, nw, 1e-5, 0, label);
	snprintf(label, sizeof(label), "%s torch db", name);
	CHECK_CLOSE(gb, db, FIX_COUT, 1e-5, 0, label);
	free(ws); free(o); free(gx); free(gw);
}

static void test_torch(void)
{
	check_golden(0, conv_x, conv_w, conv_b, conv_r, conv_out, conv_dx, conv_dw,
		     conv_db, FIX_CONV_OH);
	check_golden(1, convt_x, convt_w, convt_b, convt_r, convt_out, convt_dx, convt_dw,
		     convt_db, FIX_CONVT_OH);
}

static void run(void)
{
	test_shapes();
	test_forward();
	test_gradients();
	test_adjoint();
	test_accumulate();
	test_torch();
}

CHECK_MAIN("test_conv2d")
