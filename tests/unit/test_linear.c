/* test_linear.c - the fully connected layer and the gemm wrapper: forward
 * against naive loops, backward against central finite differences,
 * gradient accumulation and NULL-skipped gradients. */
#include <stdint.h>

#include "gemm.h"
#include "linear.h"
#include "check.h"

/* C (m, n) = op(A) . op(B) in double, for checking gemm's four variants. */
static void ref_gemm(float *c, int ta, int tb, int m, int n, int k,
		     const float *a, int lda, const float *b, int ldb, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double acc = 0;
			for (int p = 0; p < k; p++)
				acc += (double)(ta ? a[p * lda + i] : a[i * lda + p]) *
				       (tb ? b[j * ldb + p] : b[p * ldb + j]);
			c[i * ldc + j] = (float)acc;
		}
}

/* gemm's four variants against ref_gemm with padded strides, alpha 2 and
 * beta 0.5 (C starts at 1), then beta 0 over a C full of NaN (overwritten,
 * as BLAS does): shapes for our own loops (gemm_is_tiny: unrolled for k <= 8,
 * generic up to m*n*k = 4096 and k = 64), their edges, and OpenBLAS's. */
static void test_gemm_shape(TestRng *rng, int m, int n, int k)
{
	int ld = (m > n ? m : n) > k ? (m > n ? m : n) : k;
	ld += 2;
	size_t sz = (size_t)ld * ld;
	float *a = test_rnd_vec(rng, sz), *b = test_rnd_vec(rng, sz);
	float *c = malloc(sizeof(float) * sz), *ref = malloc(sizeof(float) * sz);
	char label[64];
	for (int t = 0; t < 4; t++) {
		int ta = t & 1, tb = t >> 1;
		ref_gemm(ref, ta, tb, m, n, k, a, ld - 1, b, ld - 2, ld);
		for (size_t i = 0; i < sz; i++)
			c[i] = 1.0f;
		gemm(ta, tb, m, n, k, 2.0f, a, ld - 1, b, ld - 2, 0.5f, c, ld);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < ld; j++)   /* past n: untouched */
				ref[i * ld + j] = j < n ? 2.0f * ref[i * ld + j] + 0.5f : 1.0f;
		snprintf(label, sizeof(label), "gemm %dx%dx%d ta=%d tb=%d%s", m, n, k, ta, tb,
			 gemm_is_tiny(m, n, k) ? " (own loops)" : "");
		CHECK_CLOSE(c, ref, (size_t)m * ld, 1e-5, 1e-5, label);
		for (size_t i = 0; i < sz; i++)
			c[i] = NAN;
		gemm(ta, tb, m, n, k, 2.0f, a, ld - 1, b, ld - 2, 0.0f, c, ld);
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++)
				ref[i * ld + j] -= 0.5f;
		for (int i = 0; i < m; i++)
			for (int j = n; j < ld; j++)
				ref[i * ld + j] = c[i * ld + j];   /* NaN past n: not compared */
		CHECK_CLOSE(c, ref, (size_t)m * ld, 1e-5, 1e-5, label);
	}
	free(a);
	free(b);
	free(c);
	free(ref);
}

static void test_gemm(void)
{
	TestRng rng = { 3 };
	static const int shapes[][3] = {
		{ 1, 1, 1 }, { 8, 5, 2 }, { 5, 2, 8 }, { 8, 2, 5 }, { 4, 4, 8 },
		{ 2, 8, 8 }, { 8, 4, 4 }, { 5, 7, 6 }, { 3, 5, 9 }, { 10, 10, 10 },
		{ 12, 8, 8 }, { 8, 8, 12 }, { 16, 16, 16 }, { 2, 2, 64 },
		{ 16, 16, 17 }, { 2, 2, 65 }, { 20, 30, 40 },
	};
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		test_gemm_shape(&rng, shapes[i][0], shapes[i][1], shapes[i][2]);
	CHECK(gemm_is_tiny(8, 5, 2) && gemm_is_tiny(2, 8, 8) && gemm_is_tiny(3, 5, 9) &&
	      gemm_is_tiny(12, 8, 8) && gemm_is_tiny(16, 16, 16) && gemm_is_tiny(2, 2, 64));
	CHECK(!gemm_is_tiny(16, 16, 17) && !gemm_is_tiny(2, 2, 65) && !gemm_is_tiny(20, 30, 40));
	float *a = test_rnd_vec(&rng, 64), *b = test_rnd_vec(&rng, 64), c[5 * 9];
	int n = 7;
	for (int i = 0; i < 5 * 9; i++)
		c[i] = 3.0f;
	gemm(0, 0, 5, n, 0, 1.0f, a, 8, b, 8, 0.0f, c, 9);
	CHECK(c[0] == 0 && c[n - 1] == 0 && c[n] == 3.0f);
	gemm(0, 0, 0, n, 6, 1.0f, a, 8, b, 8, 0.0f, c, 9);
	CHECK(c[n] == 3.0f);
	gemm_set_threads(1);
	gemm_set_threads(0);
	Err e;
	CHECK(gemm_load(&e) == 0 && strcmp(gemm_core(), "none") != 0);
	free(a);
	free(b);
}

/* The layer under test with its loss weights r: L = sum(out * r). */
typedef struct {
	int n, in_dim, out_dim;
	float *in, *w, *b, *out, *r;
} Lin;

static void lin_init(Lin *L, int n, int in_dim, int out_dim, int bias, TestRng *rng)
{
	L->n = n;
	L->in_dim = in_dim;
	L->out_dim = out_dim;
	L->in = test_rnd_vec(rng, (size_t)n * in_dim);
	L->w = test_rnd_vec(rng, (size_t)out_dim * in_dim);
	L->b = bias ? test_rnd_vec(rng, out_dim) : NULL;
	L->out = test_rnd_vec(rng, (size_t)n * out_dim);
	L->r = test_rnd_vec(rng, (size_t)n * out_dim);
}

static void lin_free(Lin *L)
{
	free(L->in); free(L->w); free(L->b); free(L->out); free(L->r);
}

static double lin_loss(void *ctx)
{
	Lin *L = ctx;
	linear_forward(L->out, L->in, L->w, L->b, L->n, L->in_dim, L->out_dim);
	double acc = 0;
	for (size_t i = 0; i < (size_t)L->n * L->out_dim; i++)
		acc += (double)L->out[i] * L->r[i];
	return acc;
}

static void check_forward(Lin *L, const char *label)
{
	size_t no = (size_t)L->n * L->out_dim;
	float *ref = malloc(sizeof(float) * no);
	for (int i = 0; i < L->n; i++)
		for (int o = 0; o < L->out_dim; o++) {
			double acc = L->b ? L->b[o] : 0;
			for (int j = 0; j < L->in_dim; j++)
				acc += (double)L->in[i * L->in_dim + j] * L->w[o * L->in_dim + j];
			ref[i * L->out_dim + o] = (float)acc;
		}
	linear_forward(L->out, L->in, L->w, L->b, L->n, L->in_dim, L->out_dim);
	CHECK_CLOSE(L->out, ref, no, 1e-5, 1e-4, label);
	free(ref);
}

/* The loss sum(out * r) is linear in each of in, w and b, so central
 * differences have no truncation error and only the forward's float rounding
 * e remains, as e / h (check.h): a large step keeps it far below the 1e-2
 * bound whatever kernel ran (inputs are in [-1, 1]; 0.25 is exact in float). */
#define LIN_H 0.25

static void check_grads(Lin *L, const char *name)
{
	float *din = malloc(sizeof(float) * L->n * L->in_dim);
	float *dw = calloc((size_t)L->out_dim * L->in_dim, sizeof(float));
	float *db = calloc(L->out_dim, sizeof(float));
	char label[96];
	linear_backward(din, dw, L->b ? db : NULL, L->r, L->in, L->w, L->n, L->in_dim, L->out_dim);
	snprintf(label, sizeof(label), "%s d/din", name);
	CHECK_GRAD(lin_loss, L, L->in, din, (size_t)L->n * L->in_dim, LIN_H, 1e-2, label);
	snprintf(label, sizeof(label), "%s d/dw", name);
	CHECK_GRAD(lin_loss, L, L->w, dw, (size_t)L->out_dim * L->in_dim, LIN_H, 1e-2, label);
	if (L->b) {
		snprintf(label, sizeof(label), "%s d/db", name);
		CHECK_GRAD(lin_loss, L, L->b, db, (size_t)L->out_dim, LIN_H, 1e-2, label);
	}
	free(din); free(dw); free(db);
}

static void test_layer(void)
{
	static const int shapes[][4] = {   /* n, in, out, bias */
		{ 8, 2, 2, 1 }, { 8, 2, 5, 1 }, { 8, 5, 3, 1 }, { 8, 3, 1, 1 },
		{ 12, 1, 4, 1 }, { 1, 7, 3, 0 }, { 3, 100, 49, 1 }, { 2, 300, 1, 0 },
	};
	TestRng rng = { 11 };
	char name[64];
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		Lin L;
		lin_init(&L, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], &rng);
		snprintf(name, sizeof(name), "linear %dx%d->%d%s", L.n, L.in_dim,
			 L.out_dim, L.b ? "" : " no bias");
		check_forward(&L, name);
		check_grads(&L, name);
		lin_free(&L);
	}
}

/* Backward twice from zero doubles dw and db; din is overwritten; NULLs skip. */
static void test_accumulate(void)
{
	TestRng rng = { 5 };
	Lin L;
	lin_init(&L, 4, 6, 3, 1, &rng);
	float din1[24], din2[24], dw1[18] = { 0 }, dw2[18] = { 0 }, db1[3] = { 0 }, db2[3] = { 0 };
	linear_backward(din1, dw1, db1, L.r, L.in, L.w, 4, 6, 3);
	for (int i = 0; i < 24; i++)
		din2[i] = 1e6f;
	linear_backward(din2, dw2, db2, L.r, L.in, L.w, 4, 6, 3);
	linear_backward(din2, dw2, db2, L.r, L.in, L.w, 4, 6, 3);
	for (int i = 0; i < 18; i++)
		dw1[i] *= 2;
	for (int i = 0; i < 3; i++)
		db1[i] *= 2;
	CHECK_CLOSE(dw2, dw1, 18, 1e-6, 1e-6, "linear dw accumulates");
	CHECK_CLOSE(db2, db1, 3, 1e-6, 1e-6, "linear db accumulates");
	CHECK_CLOSE(din2, din1, 24, 0, 0, "linear din is overwritten");
	float dw3[18] = { 0 };
	linear_backward(NULL, dw3, NULL, L.r, L.in, L.w, 4, 6, 3);
	linear_backward(NULL, dw3, NULL, L.r, L.in, L.w, 4, 6, 3);
	CHECK_CLOSE(dw3, dw1, 18, 1e-6, 1e-6, "linear dw with din and db skipped");
	float db3[3] = { 0 };
	linear_backward(NULL, NULL, db3, L.r, L.in, L.w, 4, 6, 3);
	linear_backward(NULL, NULL, db3, L.r, L.in, L.w, 4, 6, 3);
	CHECK_CLOSE(db3, db1, 3, 1e-6, 1e-6, "linear db alone");
	lin_free(&L);
}

/* tests/run-unit.sh runs the suite under each kernel set the CPU can run
 * (OPENBLAS_CORETYPE); the one named must be the one in use, or that loop
 * would test the same kernels three times. */
static void test_kernel_set(void)
{
	const char *want = getenv("OPENBLAS_CORETYPE"), *core = gemm_core();
	fprintf(stderr, "OpenBLAS kernels: %s\n", core);
	if (want && *want)
		CHECK_STR(core, want);
}

static void run(void)
{
	test_kernel_set();
	test_gemm();
	test_layer();
	test_accumulate();
}

CHECK_MAIN("test_linear")
