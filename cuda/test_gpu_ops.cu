/* test_gpu_ops.cu - every GPU operation against its CPU twin in libcommon on
 * random inputs, as ggml's test-backend-ops: a table of cases (operation,
 * shape, error bounds), and per output the max abs difference and the
 * normalised MSE (sum (gpu - cpu)^2 / sum cpu^2) against the case's bound;
 * 0 means bit-exact. Exits 0 with "skipped" without a device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_ops.h"

extern "C" {
#include "linear.h"
#include "rng.h"
}

#define TOL_EXACT 0.0
#define TOL_FP32 1e-10      /* one GEMM or reduction in float */
#define TOL_CONV 1e-8       /* cuDNN FP32 algorithms (Winograd, FFT included) */
#define TOL_TF32 1e-5       /* TF32 tensor cores: 10-bit mantissa products */
/* A sum of non-negative terms each rounded to float on one side (the CPU's
 * BCE on logits forms each term in float, as PyTorch does; the GPU's in
 * double): the sum's relative error is at most the terms' few ulps. */
#define TOL_TERMS 1e-6
#define MAXPTR 64

/* The operations a case runs; the meaning of its numbers per kind is at the
 * top of the table in main. */
typedef enum {
	K_LINEAR, K_CONV, K_CONV_BATCHES, K_BN, K_BN_ONE, K_ACT, K_BCE, K_BCE_NAN, K_MSE,
	K_OPTIM, K_SCALE, K_ARGS
} Kind;

/* One case: the operation, its shape and settings (d), its real-valued
 * settings (f), and the error bounds: tol[0] for element-wise outputs,
 * tol[1] for bias gradients and sums, tol[2] for a second sum. */
typedef struct {
	Kind kind;
	int d[12];
	double f[3];
	double tol[3];
} Case;

/* The test's state: tallies, the context, random numbers and the buffers
 * of the current case (freed together by release). */
typedef struct {
	int passed, failed;
	GpuCtx g;
	Rng rng;
	Err e;
	void *host[MAXPTR], *dev[MAXPTR];
	int nhost, ndev;
} T;

static void fatal(T *t, const char *what)
{
	fprintf(stderr, "test_gpu_ops: %s: %s\n", what, t->e.msg);
	exit(2);
}

#define RUN(t, call) do { if ((call) != 0) fatal((t), #call); } while (0)

static void *keep_host(T *t, void *p)
{
	if (!p || t->nhost == MAXPTR) {
		fprintf(stderr, "test_gpu_ops: out of host buffers\n");
		exit(2);
	}
	return t->host[t->nhost++] = p;
}

static void release(T *t)
{
	for (int i = 0; i < t->nhost; i++)
		free(t->host[i]);
	for (int i = 0; i < t->ndev; i++)
		gpu_mfree(t->dev[i]);
	t->nhost = t->ndev = 0;
}

static float *hnew(T *t, size_t n)
{
	return (float *)keep_host(t, calloc(n ? n : 1, sizeof(float)));
}

/* Host floats uniform in [lo, hi). */
static float *hrand(T *t, size_t n, float lo, float hi)
{
	float *p = hnew(t, n);
	rng_uniform(&t->rng, p, n);
	for (size_t i = 0; i < n; i++)
		p[i] = lo + (hi - lo) * p[i];
	return p;
}

static void *dalloc(T *t, size_t bytes)
{
	void *p;
	if (t->ndev == MAXPTR) {
		fprintf(stderr, "test_gpu_ops: out of device buffers\n");
		exit(2);
	}
	RUN(t, gpu_malloc(&t->g, &p, bytes, &t->e));
	return t->dev[t->ndev++] = p;
}

/* A device copy of host floats (NULL stays NULL). */
static float *dput(T *t, const float *h, size_t n)
{
	if (!h)
		return NULL;
	float *d = (float *)dalloc(t, n * sizeof(float));
	RUN(t, gpu_upload(&t->g, d, h, n * sizeof(float), &t->e));
	return d;
}

/* The device floats d (n) in a new host buffer; waits for the stream. */
static float *dget(T *t, const float *d, size_t n)
{
	float *h = hnew(t, n);
	RUN(t, gpu_sync(&t->g, &t->e));
	RUN(t, gpu_download(&t->g, h, d, n * sizeof(float), &t->e));
	return h;
}

/* One comparison: NaNs must sit at the same places; tol 0 asks for equality. */
static void compare(T *t, const char *label, const float *gpu, const float *cpu, size_t n,
		    double tol)
{
	double md = 0, num = 0, den = 0;
	int nan_bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(gpu[i]) || isnan(cpu[i])) {
			nan_bad |= isnan(gpu[i]) != isnan(cpu[i]);
			continue;
		}
		double d = fabs((double)gpu[i] - (double)cpu[i]);
		md = d > md ? d : md;
		num += d * d;
		den += (double)cpu[i] * cpu[i];
	}
	double nmse = num / (den > 1e-30 ? den : 1e-30);
	int ok = !nan_bad && (tol == 0 ? md == 0 : nmse <= tol);
	printf("  %-48s maxdiff %-9.3g nmse %-9.3g tol %-7.1g %s\n", label, md, nmse, tol,
	       ok ? "ok" : nan_bad ? "FAIL (NaN mismatch)" : "FAIL");
	ok ? t->passed++ : t->failed++;
}

/* A yes/no check with a label. */
static void expect(T *t, int ok, const char *label)
{
	printf("  %-48s %s\n", label, ok ? "ok" : "FAIL");
	ok ? t->passed++ : t->failed++;
}

/* d: n, in, out, bias. */
static void test_linear(T *t, const Case *c)
{
	int n = c->d[0], in = c->d[1], out = c->d[2], bias = c->d[3];
	char lb[96];
	size_t nx = (size_t)n * in, ny = (size_t)n * out, nw = (size_t)out * in;
	float *x = hrand(t, nx, -1, 1), *w = hrand(t, nw, -0.5f, 0.5f);
	float *b = bias ? hrand(t, out, -1, 1) : NULL, *dy = hrand(t, ny, -1, 1);
	float *dw = hrand(t, nw, -1, 1), *db = hrand(t, out, -1, 1);
	float *y = hnew(t, ny), *dx = hnew(t, nx);
	float *gx = dput(t, x, nx), *gw = dput(t, w, nw), *gb = dput(t, b, out);
	float *gdy = dput(t, dy, ny), *gdw = dput(t, dw, nw), *gdb = dput(t, db, out);
	float *gy = dput(t, y, ny), *gdx = dput(t, dx, nx);
	linear_forward(y, x, w, b, n, in, out);
	linear_backward(dx, dw, bias ? db : NULL, dy, x, w, n, in, out);
	RUN(t, gpu_linear_forward(&t->g, gy, gx, gw, gb, n, in, out, &t->e));
	RUN(t, gpu_linear_backward(&t->g, gdx, gdw, bias ? gdb : NULL, gdy, gx, gw, n, in, out,
				   &t->e));
	const char *names[] = { "out", "din", "dw (accumulated)", "db (accumulated)" };
	float *cpu[] = { y, dx, dw, db }, *gpu[] = { gy, gdx, gdw, gdb };
	size_t cnt[] = { ny, nx, nw, (size_t)out };
	for (int i = 0; i < 4; i++) {
		snprintf(lb, sizeof lb, "linear %dx%d->%d%s %s", n, in, out, bias ? "" : " nobias",
			 names[i]);
		compare(t, lb, dget(t, gpu[i], cnt[i]), cpu[i], cnt[i], c->tol[i == 3]);
	}
	release(t);
}

/* Floats of a conv layer's input, output and weight for batch n. */
static void conv_sizes(const ConvShape *s, int n, size_t *nin, size_t *nout, size_t *nw)
{
	*nin = (size_t)n * s->cin * s->h * s->w;
	*nout = (size_t)n * s->cout * s->oh * s->ow;
	*nw = (size_t)s->cout * s->cin * s->k * s->k;
}

/* CPU reference of one conv layer (either kind) at batch n into y, dx, dw, db. */
static void conv_cpu(T *t, int tr, const ConvShape *s0, int n, float *y, float *dx,
		     float *dw, float *db, const float *x, const float *w, const float *b,
		     const float *dy)
{
	ConvShape s = *s0;
	s.n = n;
	float *ws = hnew(t, tr ? convt2d_workspace(&s) : conv2d_workspace(&s));
	if (tr) {
		convt2d_forward(y, x, w, b, &s, ws);
		convt2d_backward(dx, dw, b ? db : NULL, dy, x, w, &s, ws);
	} else {
		conv2d_forward(y, x, w, b, &s, ws);
		conv2d_backward(dx, dw, b ? db : NULL, dy, x, w, &s, ws);
	}
}

/* GPU run of the same layer: gy, gdx overwritten, gdw, gdb accumulated. */
static void conv_gpu(T *t, GpuConvPlan *p, int n, float *gy, float *gdx, float *gdw,
		     float *gdb, const float *gx, const float *gw, const float *gb,
		     const float *gdy)
{
	if (p->transposed) {
		RUN(t, gpu_convt2d_forward(&t->g, p, gy, gx, gw, gb, n, &t->e));
		RUN(t, gpu_convt2d_backward(&t->g, p, gdx, gdw, gb ? gdb : NULL, gdy, gx, gw, n,
					    &t->e));
	} else {
		RUN(t, gpu_conv2d_forward(&t->g, p, gy, gx, gw, gb, n, &t->e));
		RUN(t, gpu_conv2d_backward(&t->g, p, gdx, gdw, gb ? gdb : NULL, gdy, gx, gw, n,
					   &t->e));
	}
}

static ConvShape cshape(int n, int cin, int h, int w, int cout, int k, int s, int p)
{
	ConvShape c;
	memset(&c, 0, sizeof c);
	c.n = n, c.cin = cin, c.h = h, c.w = w, c.cout = cout, c.k = k, c.stride = s, c.pad = p;
	return c;
}

/* One conv layer planned for s.n examples and run on n (<= s.n). d:
 * transposed, n cin h w cout k stride pad (the plan's), bias, flags, the
 * batch run. */
static void test_conv(T *t, const Case *c)
{
	const int *d = c->d;
	int tr = d[0], bias = d[9], flags = d[10], n = d[11];
	ConvShape s = cshape(d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
	char lb[128], tag[96];
	GpuConvPlan p;
	size_t nin, nout, nw;
	RUN(t, tr ? convt2d_shape(&s) : conv2d_shape(&s));
	conv_sizes(&s, n, &nin, &nout, &nw);
	float *x = hrand(t, nin, -1, 1), *w = hrand(t, nw, -0.3f, 0.3f);
	float *b = bias ? hrand(t, s.cout, -1, 1) : NULL, *dy = hrand(t, nout, -1, 1);
	float *dw = hrand(t, nw, -1, 1), *db = hrand(t, s.cout, -1, 1);
	float *y = hnew(t, nout), *dx = hnew(t, nin);
	float *gx = dput(t, x, nin), *gw = dput(t, w, nw), *gb = dput(t, b, s.cout);
	float *gdy = dput(t, dy, nout), *gdw = dput(t, dw, nw), *gdb = dput(t, db, s.cout);
	float *gy = dput(t, y, nout), *gdx = dput(t, dx, nin);
	conv_cpu(t, tr, &s, n, y, dx, dw, db, x, w, b, dy);
	RUN(t, gpu_conv_plan_init(&p, &t->g, &s, tr, flags, &t->e));
	conv_gpu(t, &p, n, gy, gdx, gdw, gdb, gx, gw, gb, gdy);
	snprintf(tag, sizeof tag, "%s %dx%dx%dx%d k%ds%dp%d->%d%s%s n%d", tr ? "convt" : "conv",
		 s.n, s.cin, s.h, s.w, s.k, s.stride, s.pad, s.cout, bias ? "" : " nb",
		 (flags & GPU_CONV_TF32) ? " tf32" : "", n);
	const char *names[] = { "out", "din", "dw", "db" };
	float *cpu[] = { y, dx, dw, db }, *gpu[] = { gy, gdx, gdw, gdb };
	size_t cnt[] = { nout, nin, nw, (size_t)s.cout };
	for (int i = 0; i < 4; i++) {
		snprintf(lb, sizeof lb, "%s %s", tag, names[i]);
		compare(t, lb, dget(t, gpu[i], cnt[i]), cpu[i], cnt[i], c->tol[i == 3]);
	}
	gpu_conv_plan_free(&p);
	release(t);
}

/* A plan at batch 8 run at batches 8, 5, 3, 2, 7, 5: the algorithm cache
 * (4 entries) refills and the descriptors follow the batch. */
static void test_conv_batches(T *t, const Case *k)
{
	static const int ns[] = { 8, 5, 3, 2, 7, 5 };
	ConvShape s = cshape(8, 3, 8, 8, 4, 3, 1, 1);
	RUN(t, conv2d_shape(&s));
	size_t nin, nout, nw;
	conv_sizes(&s, s.n, &nin, &nout, &nw);
	float *x = hrand(t, nin, -1, 1), *w = hrand(t, nw, -0.3f, 0.3f);
	float *gx = dput(t, x, nin), *gw = dput(t, w, nw), *gy = (float *)dalloc(t, nout * 4);
	float *y = hnew(t, nout), *ws = hnew(t, conv2d_workspace(&s));
	GpuConvPlan p;
	RUN(t, gpu_conv_plan_init(&p, &t->g, &s, 0, GPU_CONV_DETERMINISTIC, &t->e));
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		char lb[64];
		ConvShape c = s;
		c.n = ns[i];
		conv_sizes(&s, ns[i], &nin, &nout, &nw);
		conv2d_forward(y, x, w, NULL, &c, ws);
		RUN(t, gpu_conv2d_forward(&t->g, &p, gy, gx, gw, NULL, ns[i], &t->e));
		snprintf(lb, sizeof lb, "conv plan batch 8 run at %d", ns[i]);
		compare(t, lb, dget(t, gy, nout), y, nout, k->tol[0]);
	}
	Err e;
	expect(t, gpu_conv2d_forward(&t->g, &p, gy, gx, gw, NULL, 9, &e) == -1 &&
	       e.code == EXIT_BAD, "conv batch above the plan refused");
	expect(t, gpu_convt2d_forward(&t->g, &p, gy, gx, gw, NULL, 2, &e) == -1 &&
	       e.code == EXIT_BAD, "conv plan refused for convt");
	gpu_conv_plan_free(&p);
	ConvShape bad = cshape(2, 3, 2, 2, 4, 5, 1, 0);
	expect(t, gpu_conv_plan_init(&p, &t->g, &bad, 0, 0, &e) == -1 && e.code == EXIT_BAD,
	       "conv plan with an empty output refused");
	release(t);
}

/* Batch norm: train forward (out, saved stats, running stats), eval
 * forward and backward (din, accumulated dgamma, dbeta). d: n, c, hw, affine. */
static void test_bn(T *t, const Case *k)
{
	int n = k->d[0], c = k->d[1], hw = k->d[2], affine = k->d[3];
	char lb[96];
	BnShape s = {};   /* every field zero: plain layout, no fused activation */
	s.n = n, s.c = c, s.hw = hw, s.eps = 1e-5f, s.momentum = 0.1f;
	size_t nx = (size_t)n * c * hw;
	float *x = hrand(t, nx, -1.5f, 2.5f), *dy = hrand(t, nx, -1, 1);
	float *ga = affine ? hrand(t, c, 0.5f, 1.5f) : NULL;
	float *be = affine ? hrand(t, c, -1, 1) : NULL;
	float *rm = hrand(t, c, -1, 1), *rv = hrand(t, c, 0.5f, 2), *dg = hrand(t, c, -1, 1);
	float *dbt = hrand(t, c, -1, 1), *y = hnew(t, nx), *ye = hnew(t, nx), *dx = hnew(t, nx);
	float *mean = hnew(t, c), *rstd = hnew(t, c);
	float *gx = dput(t, x, nx), *gdy = dput(t, dy, nx), *gga = dput(t, ga, c);
	float *gbe = dput(t, be, c), *grm = dput(t, rm, c), *grv = dput(t, rv, c);
	float *gdg = dput(t, dg, c), *gdb = dput(t, dbt, c);
	float *gy = (float *)dalloc(t, nx * 4), *gye = (float *)dalloc(t, nx * 4);
	float *gdx = (float *)dalloc(t, nx * 4), *gmean = (float *)dalloc(t, (size_t)c * 4);
	float *grstd = (float *)dalloc(t, (size_t)c * 4);
	batchnorm_forward_train(y, mean, rstd, rm, rv, x, ga, be, &s);
	batchnorm_forward_eval(ye, x, ga, be, rm, rv, &s);
	batchnorm_backward(dx, affine ? dg : NULL, affine ? dbt : NULL, dy, NULL, x, mean, rstd, ga, &s);
	GpuBnPlan p;
	RUN(t, gpu_bn_plan_init(&p, &t->g, &s, &t->e));
	RUN(t, gpu_bn_forward_train(&t->g, &p, gy, gmean, grstd, grm, grv, gx, gga, gbe, n, &t->e));
	RUN(t, gpu_bn_forward_eval(&t->g, &p, gye, gx, gga, gbe, grm, grv, n, &t->e));
	RUN(t, gpu_bn_backward(&t->g, &p, gdx, affine ? gdg : NULL, affine ? gdb : NULL, gdy, gx,
			       gmean, grstd, gga, n, &t->e));
	const char *names[] = { "train out", "mean", "rstd", "running_mean", "running_var",
				"eval out", "din", "dgamma", "dbeta" };
	float *cpu[] = { y, mean, rstd, rm, rv, ye, dx, dg, dbt };
	float *gpu[] = { gy, gmean, grstd, grm, grv, gye, gdx, gdg, gdb };
	for (int i = 0; i < (affine ? 9 : 7); i++) {
		size_t cnt = i == 0 || i == 5 || i == 6 ? nx : (size_t)c;
		snprintf(lb, sizeof lb, "bn %dx%dx%d%s %s", n, c, hw, affine ? "" : " noaffine",
			 names[i]);
		compare(t, lb, dget(t, gpu[i], cnt), cpu[i], cnt, k->tol[0]);
	}
	gpu_bn_plan_free(&p);
	release(t);
}

/* Training on one value per channel is refused, as on the CPU. */
static void test_bn_one(T *t, const Case *c)
{
	BnShape s = {};   /* every field zero: plain layout, no fused activation */
	s.n = 1, s.c = 4, s.hw = 1, s.eps = 1e-5f, s.momentum = 0.1f;
	GpuBnPlan p;
	Err e;
	RUN(t, gpu_bn_plan_init(&p, &t->g, &s, &t->e));
	float *d = (float *)dalloc(t, 64 * sizeof(float));
	expect(t, gpu_bn_forward_train(&t->g, &p, d, d + 8, d + 16, NULL, NULL, d + 24, NULL,
				       NULL, 1, &e) == -1 && e.code == EXIT_BAD,
	       "bn training on one value per channel refused");
	gpu_bn_plan_free(&p);
	release(t);
}

/* Inputs covering both sides of 0 and of softplus's threshold 20. d: the
 * kind (ActKind), n. */
static void test_act(T *t, const Case *c)
{
	static const char *names[] = { "relu", "leaky_relu", "tanh", "sigmoid", "softplus" };
	size_t n = (size_t)c->d[1];
	int k = c->d[0];
	char lb[64];
	float *x = hrand(t, n, -30, 30), *dy = hrand(t, n, -1, 1);
	x[0] = 0, x[1] = 20, x[2] = 20.0001f, x[3] = -1e-3f, x[4] = 1e-3f;
	float *y = hnew(t, n), *dx = hnew(t, n);
	float *gx = dput(t, x, n), *gdy = dput(t, dy, n), *gy = dput(t, y, n);
	act_forward((ActKind)k, 0.2f, y, x, n);
	act_backward((ActKind)k, 0.2f, dx, dy, x, y, n);
	RUN(t, gpu_act_forward(&t->g, (ActKind)k, 0.2f, gy, gx, n, &t->e));
	float *gyh = dget(t, gy, n);
	RUN(t, gpu_act_backward(&t->g, (ActKind)k, 0.2f, gdy, gdy, gx, gy, n, &t->e));
	snprintf(lb, sizeof lb, "act %s forward", names[k]);
	compare(t, lb, gyh, y, n, c->tol[0]);
	snprintf(lb, sizeof lb, "act %s backward (in place)", names[k]);
	compare(t, lb, dget(t, gdy, n), dx, n, c->tol[0]);
	release(t);
}

/* The device doubles res (2) on the host. */
static void dres(T *t, const double *res, double out[2])
{
	RUN(t, gpu_sync(&t->g, &t->e));
	RUN(t, gpu_download(&t->g, out, res, 2 * sizeof(double), &t->e));
}

/* A scalar comparison: |gpu - cpu| <= tol (1 + |cpu|), NaN only with NaN. */
static void compare_sum(T *t, const char *label, double gpu, double cpu, double tol)
{
	int ok = isnan(cpu) ? isnan(gpu) : fabs(gpu - cpu) <= tol * (1 + fabs(cpu));
	printf("  %-48s gpu %-12.8g cpu %-12.8g tol %-7.1g %s\n", label, gpu, cpu, tol,
	       ok ? "ok" : "FAIL");
	ok ? t->passed++ : t->failed++;
}

/* d: the loss kind (LossKind), the target y (0 or 1), n; f: scale. */
static void test_bce(T *t, const Case *c)
{
	LossKind k = (LossKind)c->d[0];
	float y = (float)c->d[1], scale = (float)c->f[0];
	int n = c->d[2];
	char lb[96];
	const char *kn = k == LOSS_BCE_LOGITS ? "bce_logits" : "bce";
	float *x = k == LOSS_BCE_LOGITS ? hrand(t, n, -8, 8) : hrand(t, n, 0, 1);
	if (k == LOSS_BCE) {
		x[0] = 0, x[1] = 1, x[2] = 1e-30f;
	}
	float *dx = hnew(t, n), *gx = dput(t, x, n), *gdx = dput(t, dx, n);
	double *res = (double *)dalloc(t, 2 * sizeof(double)), r[2], psum = 0;
	double sum = loss_bce(k, dx, x, y, n, scale);
	for (int i = 0; i < n; i++)
		psum += loss_prob(k, x[i]);
	RUN(t, gpu_loss_bce(&t->g, k, gdx, gx, y, n, scale, res, &t->e));
	dres(t, res, r);
	snprintf(lb, sizeof lb, "%s y=%g n=%d scale=%g sum", kn, (double)y, n, (double)scale);
	compare_sum(t, lb, r[0], sum, c->tol[1]);
	snprintf(lb, sizeof lb, "%s y=%g n=%d prob sum", kn, (double)y, n);
	compare_sum(t, lb, r[1], psum, c->tol[2]);
	snprintf(lb, sizeof lb, "%s y=%g n=%d scale=%g dx", kn, (double)y, n, (double)scale);
	compare(t, lb, dget(t, gdx, n), dx, n, c->tol[0]);
	release(t);
}

/* NaN cases: a probability outside [0, 1], and a target outside [0, 1]. */
static void test_bce_nan(T *t, const Case *c)
{
	float x[4] = { 0.25f, 1.5f, 0.5f, 0.75f }, dx[4], gd[4];
	float *gx = dput(t, x, 4), *gdx = (float *)dalloc(t, 4 * sizeof(float));
	double *res = (double *)dalloc(t, 2 * sizeof(double)), r[2];
	loss_bce(LOSS_BCE, dx, x, 1, 4, 1);
	RUN(t, gpu_loss_bce(&t->g, LOSS_BCE, gdx, gx, 1, 4, 1, res, &t->e));
	dres(t, res, r);
	RUN(t, gpu_download(&t->g, gd, gdx, sizeof gd, &t->e));
	expect(t, isnan(r[0]) && isnan(gd[1]) && !isnan(gd[0]),
	       "bce p=1.5: NaN sum and NaN at that gradient");
	compare(t, "bce p=1.5 dx elsewhere", gd, dx, 4, c->tol[0]);
	RUN(t, gpu_loss_bce(&t->g, LOSS_BCE_LOGITS, gdx, gx, 2.0f, 4, 1, res, &t->e));
	dres(t, res, r);
	expect(t, isnan(r[0]), "bce_logits y=2: NaN sum");
	release(t);
}

/* d: n; f: scale. */
static void test_mse(T *t, const Case *c)
{
	int n = c->d[0];
	float scale = (float)c->f[0];
	char lb[64];
	float *x = hrand(t, n, -3, 3), *y = hrand(t, n, -3, 3), *dx = hnew(t, n);
	float *gx = dput(t, x, n), *gy = dput(t, y, n), *gdx = dput(t, dx, n);
	double *res = (double *)dalloc(t, 2 * sizeof(double)), r[2];
	double sum = loss_mse(dx, x, y, n, scale);
	RUN(t, gpu_loss_mse(&t->g, gdx, gx, gy, n, scale, res, &t->e));
	dres(t, res, r);
	snprintf(lb, sizeof lb, "mse n=%d sum", n);
	compare_sum(t, lb, r[0], sum, c->tol[1]);
	snprintf(lb, sizeof lb, "mse n=%d dx", n);
	compare(t, lb, dget(t, gdx, n), dx, n, c->tol[0]);
	release(t);
}

/* Five Adam steps (t = 1 .. 5), then one SGD step. d: n; f: lr, beta1, beta2. */
static void test_optim(T *t, const Case *k)
{
	char lb[96];
	size_t n = (size_t)k->d[0];
	double lr = k->f[0], b1 = k->f[1], b2 = k->f[2];
	AdamCfg c;
	c.lr = lr, c.beta1 = b1, c.beta2 = b2, c.eps = 1e-8;
	float *p = hrand(t, n, -1, 1), *m = hnew(t, n), *v = hnew(t, n);
	float *gp = dput(t, p, n), *gm = dput(t, m, n), *gv = dput(t, v, n);
	for (int step = 1; step <= 5; step++) {
		float *g = hrand(t, n, -2, 2), *gg = dput(t, g, n);
		g[0] = 0, g[1] = 1e-20f;
		RUN(t, gpu_upload(&t->g, gg, g, n * sizeof(float), &t->e));
		adam_step(p, g, m, v, n, &c, step);
		RUN(t, gpu_adam_step(&t->g, gp, gg, gm, gv, n, &c, step, &t->e));
	}
	const char *names[] = { "p", "m", "v" };
	float *cpu[] = { p, m, v }, *gpu[] = { gp, gm, gv };
	for (int i = 0; i < 3; i++) {
		snprintf(lb, sizeof lb, "adam lr=%g b=(%g,%g) 5 steps %s", lr, b1, b2, names[i]);
		compare(t, lb, dget(t, gpu[i], n), cpu[i], n, k->tol[0]);
	}
	float *g = hrand(t, n, -2, 2), *gg = dput(t, g, n);
	sgd_step(p, g, n, (float)lr);
	RUN(t, gpu_sgd_step(&t->g, gp, gg, n, (float)lr, &t->e));
	snprintf(lb, sizeof lb, "sgd lr=%g p", lr);
	compare(t, lb, dget(t, gp, n), p, n, k->tol[0]);
	release(t);
}

/* All 256 byte values, then a shuffled batch of rows, u8 and f32. */
static void test_scale(T *t, const Case *c)
{
	const int rows = 10, bs = 4;
	const size_t ex = 37;
	uint8_t u[256], *ud = (uint8_t *)keep_host(t, malloc(rows * ex));
	float *ref = hnew(t, 256);
	for (int i = 0; i < 256; i++) {
		u[i] = (uint8_t)i;
		ref[i] = (float)u[i] / 255.0f * 2.0f - 1.0f;
	}
	uint8_t *gu = (uint8_t *)dalloc(t, 256);
	float *gf = (float *)dalloc(t, 256 * sizeof(float));
	RUN(t, gpu_upload(&t->g, gu, u, 256, &t->e));
	RUN(t, gpu_u8_to_float(&t->g, gf, gu, 256, &t->e));
	compare(t, "u8 -> [-1, 1] all 256 values", dget(t, gf, 256), ref, 256, c->tol[0]);
	for (size_t i = 0; i < rows * ex; i++)
		ud[i] = (uint8_t)(i * 7 + 3);
	float *fd = hrand(t, rows * ex, -5, 5), *want_u = hnew(t, bs * ex);
	float *want_f = hnew(t, bs * ex);
	int64_t idx[bs] = { 7, 0, 9, 3 };
	for (int j = 0; j < bs; j++)
		for (size_t k = 0; k < ex; k++) {
			want_u[j * ex + k] = (float)ud[idx[j] * ex + k] / 255.0f * 2.0f - 1.0f;
			want_f[j * ex + k] = fd[idx[j] * ex + k];
		}
	uint8_t *gud = (uint8_t *)dalloc(t, rows * ex);
	int64_t *gidx = (int64_t *)dalloc(t, sizeof idx);
	float *gfd = dput(t, fd, rows * ex), *gout = (float *)dalloc(t, bs * ex * sizeof(float));
	RUN(t, gpu_upload(&t->g, gud, ud, rows * ex, &t->e));
	RUN(t, gpu_upload(&t->g, gidx, idx, sizeof idx, &t->e));
	RUN(t, gpu_gather_u8(&t->g, gout, gud, rows, gidx, bs, ex, &t->e));
	compare(t, "gather u8 batch of 4 rows", dget(t, gout, bs * ex), want_u, bs * ex, c->tol[0]);
	RUN(t, gpu_gather_f32(&t->g, gout, gfd, rows, gidx, bs, ex, &t->e));
	compare(t, "gather f32 batch of 4 rows", dget(t, gout, bs * ex), want_f, bs * ex, c->tol[0]);
	idx[2] = rows;
	RUN(t, gpu_upload(&t->g, gidx, idx, sizeof idx, &t->e));
	RUN(t, gpu_gather_f32(&t->g, gout, gfd, rows, gidx, bs, ex, &t->e));
	float *got = dget(t, gout, bs * ex);
	expect(t, isnan(got[2 * ex]) && got[0] == want_f[0], "gather: bad index gives a NaN row");
	release(t);
}

/* Bad arguments are refused (EXIT_BAD), never run. */
static void test_args(T *t, const Case *c)
{
	Err e;
	float *d = (float *)dalloc(t, 16 * sizeof(float));
	expect(t, gpu_linear_forward(&t->g, d, d, d, NULL, 0, 2, 2, &e) == -1 &&
	       e.code == EXIT_BAD, "linear with n 0 refused");
	expect(t, gpu_act_forward(&t->g, (ActKind)42, 0, d, d, 4, &e) == -1 && e.code == EXIT_BAD,
	       "unknown activation refused");
	AdamCfg cfg = { 1e-3, 0.9, 0.999, 1e-8 };
	expect(t, gpu_adam_step(&t->g, d, d, d, d, 4, &cfg, 0, &e) == -1 && e.code == EXIT_BAD,
	       "adam step 0 refused");
	release(t);
}

/* The runner of each kind, in the order of Kind. */
static void (*const runner[])(T *, const Case *) = {
	test_linear, test_conv, test_conv_batches, test_bn, test_bn_one, test_act, test_bce,
	test_bce_nan, test_mse, test_optim, test_scale, test_args,
};

#define DET GPU_CONV_DETERMINISTIC
/* A convolution shape three ways: as planned, one example fewer (bias nb),
 * and with TF32 tensor cores. */
#define CONV3(tr, n, cin, h, w, cout, k, s, p, nb) \
	{ K_CONV, { tr, n, cin, h, w, cout, k, s, p, 1, DET, n }, { 0 }, { TOL_CONV, TOL_FP32 } }, \
	{ K_CONV, { tr, n, cin, h, w, cout, k, s, p, nb, DET, n > 1 ? n - 1 : 1 }, { 0 }, \
	  { TOL_CONV, TOL_FP32 } }, \
	{ K_CONV, { tr, n, cin, h, w, cout, k, s, p, 1, GPU_CONV_TF32, n }, { 0 }, \
	  { TOL_TF32, TOL_FP32 } }
#define BCE_SUM(k) ((k) == LOSS_BCE_LOGITS ? TOL_TERMS : 1e-12)
#define BCE2(k, y) \
	{ K_BCE, { k, y, 64 }, { 1.0 }, { TOL_FP32, BCE_SUM(k), 1e-6 } }, \
	{ K_BCE, { k, y, 1000 }, { 1.0 / 1000 }, { TOL_FP32, BCE_SUM(k), 1e-6 } }

/* The cases, in the order they run. d and f per kind:
 *   K_LINEAR  n, in, out, bias                     tol: out/din/dw, db
 *   K_CONV    transposed, n cin h w cout k s p, bias, flags, batch run
 *   K_BN      n, c, hw, affine
 *   K_ACT     ActKind, n
 *   K_BCE     LossKind, target, n; f: scale        tol: dx, sum, prob sum
 *   K_MSE     n; f: scale                          tol: dx, sum
 *   K_OPTIM   n; f: lr, beta1, beta2 (Adam x 5, then SGD)
 *   K_CONV_BATCHES, K_BN_ONE, K_BCE_NAN, K_SCALE, K_ARGS: fixed inputs. */
static const Case cases[] = {
	{ K_LINEAR, { 8, 2, 5, 1 }, { 0 }, { TOL_FP32, TOL_FP32 } },
	{ K_LINEAR, { 64, 100, 128, 1 }, { 0 }, { TOL_FP32, TOL_FP32 } },
	{ K_LINEAR, { 5, 6272, 1, 0 }, { 0 }, { TOL_FP32, TOL_FP32 } },
	CONV3(0, 4, 1, 28, 28, 16, 4, 2, 1, 0),
	CONV3(0, 3, 16, 14, 14, 32, 4, 2, 1, 1),
	CONV3(0, 2, 32, 4, 4, 1, 4, 1, 0, 0),
	CONV3(0, 3, 3, 9, 7, 5, 3, 1, 1, 1),
	CONV3(0, 2, 2, 11, 10, 3, 5, 3, 2, 0),
	CONV3(1, 4, 100, 1, 1, 32, 4, 1, 0, 0),
	CONV3(1, 3, 16, 7, 7, 8, 4, 2, 1, 1),
	CONV3(1, 2, 3, 5, 6, 4, 3, 2, 0, 0),
	CONV3(1, 2, 4, 4, 4, 3, 4, 2, 1, 1),
	{ K_CONV_BATCHES, { 0 }, { 0 }, { TOL_CONV } },
	{ K_BN, { 16, 8, 1, 1 }, { 0 }, { TOL_CONV } },
	{ K_BN, { 4, 6, 49, 1 }, { 0 }, { TOL_CONV } },
	{ K_BN, { 3, 5, 16, 0 }, { 0 }, { TOL_CONV } },
	{ K_BN, { 64, 3, 196, 1 }, { 0 }, { TOL_CONV } },
	{ K_BN_ONE, { 0 }, { 0 }, { 0 } },
	{ K_ACT, { ACT_RELU, 4096 }, { 0 }, { TOL_FP32 } },
	{ K_ACT, { ACT_LEAKY_RELU, 4096 }, { 0 }, { TOL_FP32 } },
	{ K_ACT, { ACT_TANH, 4096 }, { 0 }, { TOL_FP32 } },
	{ K_ACT, { ACT_SIGMOID, 4096 }, { 0 }, { TOL_FP32 } },
	{ K_ACT, { ACT_SOFTPLUS, 4096 }, { 0 }, { TOL_FP32 } },
	BCE2(LOSS_BCE_LOGITS, 0), BCE2(LOSS_BCE_LOGITS, 1), BCE2(LOSS_BCE, 0), BCE2(LOSS_BCE, 1),
	{ K_BCE_NAN, { 0 }, { 0 }, { TOL_FP32 } },
	{ K_MSE, { 777 }, { 0.5 }, { TOL_EXACT, 1e-12 } },
	{ K_OPTIM, { 5000 }, { 2e-4, 0.5, 0.999 }, { TOL_EXACT } },
	{ K_OPTIM, { 5000 }, { 0.05, 0.9, 0.999 }, { TOL_EXACT } },
	{ K_SCALE, { 0 }, { 0 }, { TOL_EXACT } },
	{ K_ARGS, { 0 }, { 0 }, { 0 } },
};

int main(void)
{
	static T t;
	if (!gpu_available()) {
		printf("test_gpu_ops: skipped (no CUDA device)\n");
		return 0;
	}
	RUN(&t, gpu_init(&t.g, 0, &t.e));
	rng_init(&t.rng, 20240607);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		runner[cases[i].kind](&t, &cases[i]);
	gpu_free(&t.g);
	printf("test_gpu_ops: %d passed, %d failed\n", t.passed, t.failed);
	return t.failed ? 1 : 0;
}
