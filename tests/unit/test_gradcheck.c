/* test_gradcheck.c - the finite-difference checker of check.h itself: it
 * passes a right gradient whatever order a float dot product is summed in
 * (as different BLAS kernels and vector widths sum it), including entries
 * whose gradient is near zero, and it fails a wrong one: one bad entry among
 * many, a gradient 5 % too large, a sign error, NaN. The check used before
 * (worst element against a fixed floor of 1e-3) gave 0.03-0.04 on right_passes'
 * case at h = 1e-2, above its 1e-2 bound, for every summation order. */
#include "check.h"

enum { K = 300, ROWS = 2 };

/* out_r = sum_j in[r][j] * w[j] in float, summed in `order`:
 * 0 sequential, 1 in 16 interleaved partial sums (a 512-bit vector),
 * 2 in 8 (256-bit), 3 pairwise, 4 backwards. loss = sum_r out_r * c_r in double. */
typedef struct {
	float in[ROWS][K], w[K], c[ROWS];
	int order;
} Dot;

static float dot_pairwise(const float *a, const float *b, int n)
{
	if (n <= 4) {
		float s = 0;
		for (int i = 0; i < n; i++)
			s += a[i] * b[i];
		return s;
	}
	int h = n / 2;
	return dot_pairwise(a, b, h) + dot_pairwise(a + h, b + h, n - h);
}

static float dot_lanes(const float *a, const float *b, int n, int lanes)
{
	float part[16] = { 0 }, s = 0;
	for (int i = 0; i < n; i++)
		part[i % lanes] += a[i] * b[i];
	for (int l = 0; l < lanes; l++)
		s += part[l];
	return s;
}

static float dot(const Dot *d, int r)
{
	const float *a = d->in[r];
	float s = 0;
	switch (d->order) {
	case 1: return dot_lanes(a, d->w, K, 16);
	case 2: return dot_lanes(a, d->w, K, 8);
	case 3: return dot_pairwise(a, d->w, K);
	case 4:
		for (int i = K - 1; i >= 0; i--)
			s += a[i] * d->w[i];
		return s;
	default:
		for (int i = 0; i < K; i++)
			s += a[i] * d->w[i];
		return s;
	}
}

static double dot_loss(void *ctx)
{
	Dot *d = ctx;
	double acc = 0;
	for (int r = 0; r < ROWS; r++)
		acc += (double)dot(d, r) * d->c[r];
	return acc;
}

/* The exact gradient d loss / d w_j = sum_r c_r in[r][j], in double. */
static void exact_grad(const Dot *d, float *g)
{
	for (int j = 0; j < K; j++) {
		double s = 0;
		for (int r = 0; r < ROWS; r++)
			s += (double)d->c[r] * d->in[r][j];
		g[j] = (float)s;
	}
}

static void setup(Dot *d)
{
	TestRng rng = { 11 };
	for (int r = 0; r < ROWS; r++)
		for (int j = 0; j < K; j++)
			d->in[r][j] = test_rnd(&rng);
	for (int j = 0; j < K; j++)
		d->w[j] = test_rnd(&rng);
	d->c[0] = 0.815f;
	d->c[1] = -0.181f;
	/* Entries whose gradient is ~1e-4, the kind the old per-element check
	 * judged against its own size: the checked ones are j = 0, 4, 8, ... */
	for (int j = 40; j < 200; j += 40)
		d->in[1][j] = d->in[0][j] * d->c[0] / -d->c[1] * (1 + 1e-3f * (float)j / 40);
}

/* A right gradient passes for every summation order, at the step the layer
 * tests use for products (0.25) and at the old 1e-2, where the rounding term
 * is 25 times larger. */
static void right_passes(void)
{
	Dot d;
	float g[K];
	setup(&d);
	exact_grad(&d, g);
	char label[96];
	for (int order = 0; order < 5; order++) {
		d.order = order;
		double e1 = check_gradient(dot_loss, &d, d.w, g, K, 0.25, 64);
		double e2 = check_gradient(dot_loss, &d, d.w, g, K, 1e-2, 64);
		snprintf(label, sizeof label, "summation order %d: e %.2g (h 0.25), %.2g (h 1e-2)",
			 order, e1, e2);
		CHECK_MSG(e1 < 1e-4 && e2 < 1e-3, "%s", label);
	}
}

/* Wrong gradients fail, for every summation order. */
static void wrong_fails(void)
{
	Dot d;
	float g[K], bad[K];
	setup(&d);
	exact_grad(&d, g);
	for (int order = 0; order < 5; order++) {
		d.order = order;
		double rms = 0;
		for (int j = 0; j < K; j++)
			rms += (double)g[j] * g[j];
		rms = sqrt(rms / K);
		memcpy(bad, g, sizeof bad);
		bad[8] += (float)(0.05 * rms);           /* one entry of 64 off by 5 % of rms */
		CHECK(check_gradient(dot_loss, &d, d.w, bad, K, 0.25, 64) > 1e-2);
		for (int j = 0; j < K; j++)
			bad[j] = g[j] * 1.05f;           /* all 5 % too large */
		CHECK(check_gradient(dot_loss, &d, d.w, bad, K, 0.25, 64) > 1e-2);
		memcpy(bad, g, sizeof bad);
		bad[100] = -bad[100];                    /* one sign error */
		CHECK(check_gradient(dot_loss, &d, d.w, bad, K, 0.25, 64) > 1e-2);
		memcpy(bad, g, sizeof bad);
		bad[0] = NAN;
		CHECK(check_gradient(dot_loss, &d, d.w, bad, K, 0.25, 64) == INFINITY);
		memset(bad, 0, sizeof bad);              /* a backward that wrote nothing */
		CHECK(check_gradient(dot_loss, &d, d.w, bad, K, 0.25, 64) >= 1);
	}
}

/* A zero gradient checked against a constant function is exact. */
static double const_loss(void *ctx)
{
	(void)ctx;
	return 3.0;
}

static void zero_is_zero(void)
{
	float x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, g[8] = { 0 };
	CHECK(check_gradient(const_loss, NULL, x, g, 8, 1e-2, 64) == 0);
	g[3] = 1e-3f;
	CHECK(check_gradient(const_loss, NULL, x, g, 8, 1e-2, 64) == INFINITY);
	CHECK(x[0] == 1 && x[7] == 8);               /* inputs restored */
}

static void run(void)
{
	right_passes();
	wrong_fails();
	zero_is_zero();
}

CHECK_MAIN("test_gradcheck")
