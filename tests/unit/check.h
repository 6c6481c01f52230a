/* check.h - the unit-test harness: CHECK macros, a float comparator and a
 * central finite-difference gradient checker. Each test file defines
 * `static void run(void)` and includes this header last-but-one:
 *     #include "check.h"
 *     static void run(void) { CHECK(1 + 1 == 2); }
 *     CHECK_MAIN("test_x")
 * The binary prints "test_x: N passed, N failed" and exits non-zero on failure. */
#ifndef GAN_CHECK_H
#define GAN_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { int passed, failed; } CheckCount;
static CheckCount check_count;   /* per test binary; tests are single-threaded */

#define CHECK(cond) check_report(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MSG(cond, ...) do { int ok_ = !!(cond); \
	if (!ok_) { fprintf(stderr, "  "); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } \
	check_report(ok_, #cond, __FILE__, __LINE__); } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	int ok_ = a_ && b_ && strcmp(a_, b_) == 0; \
	if (!ok_) fprintf(stderr, "  got \"%s\", expected \"%s\"\n", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	check_report(ok_, #a " == " #b, __FILE__, __LINE__); } while (0)

static inline void check_report(int ok, const char *what, const char *file, int line)
{
	if (ok) {
		check_count.passed++;
	} else {
		check_count.failed++;
		fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
	}
}

/* The tests' own random numbers (xorshift64*, seeded by the struct's
 * initialiser, e.g. TestRng r = { 3 }): uniform floats in [-1, 1). */
typedef struct { uint64_t s; } TestRng;

static inline float test_rnd(TestRng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	uint64_t v = r->s * 2685821657736338717ULL;
	return (float)((double)(v >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

/* n of them in a malloc'ed vector (the caller frees; never NULL unless out
 * of memory, which ends the test). */
static inline float *test_rnd_vec(TestRng *r, size_t n)
{
	float *v = malloc(sizeof(float) * (n ? n : 1));
	if (!v) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < n; i++)
		v[i] = test_rnd(r);
	return v;
}

/* Max |a - b| / (atol + rtol |b|) over n elements; <= 1 means close. NaN
 * matches NaN only. */
static inline double check_close_ratio(const float *a, const float *b, size_t n,
				double atol, double rtol, double *maxdiff)
{
	double worst = 0, md = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(a[i]) && isnan(b[i]))
			continue;
		double d = fabs((double)a[i] - (double)b[i]);
		if (!(d == d)) d = INFINITY;
		double r = isnan(b[i]) ? INFINITY : d / (atol + rtol * fabs((double)b[i]));
		if (r > worst) worst = r;
		if (d > md) md = d;
	}
	if (maxdiff) *maxdiff = md;
	return worst;
}

#define CHECK_CLOSE(a, b, n, atol, rtol, label) do { double md_; \
	double r_ = check_close_ratio((a), (b), (n), (atol), (rtol), &md_); \
	if (r_ > 1) fprintf(stderr, "  %s: maxdiff %.3g exceeds atol %.1g rtol %.1g\n", (label), md_, (double)(atol), (double)(rtol)); \
	check_report(r_ <= 1, label, __FILE__, __LINE__); } while (0)

/* Central finite differences in double on a scalar function of a float
 * vector. f(ctx) returns the scalar loss; x is perturbed in place. Checks the
 * analytic gradient g (n) against (f(x+h) - f(x-h)) / (step actually taken)
 * at up to `max_checks` evenly spread entries, and returns the larger of
 *   - the norm-wise error ||g - fd|| / ||fd|| over the checked entries (the
 *     square root of ggml's normalised mean squared error), and
 *   - the worst element's |g_i - fd_i| / (|g_i| + |fd_i| + rms(fd)), so that
 *     one wrong entry among many is still seen, while an entry whose gradient
 *     is near zero is judged on the scale of the whole gradient.
 *
 * Why the error of fd is what it is (so the bounds hold on any CPU):
 * fd_i - g_i = h^2/6 f'''(x_i) (truncation) + (e+ - e-) / 2h (rounding), where
 * e is the float rounding in the layer's forward pass (accumulated into the
 * loss in double, so only the layer's own rounding counts). That rounding is
 * ~ u sqrt(k) sum|terms| for a k-term float sum (u = 6e-8); which BLAS kernel
 * or vector width ran changes its value, not its size. The old check (the
 * worst element against a fixed floor of 1e-3) failed on AVX-512 kernels: a
 * dw entry of 6.5e-4 beside an fd noise of 3e-5 (e = 1.2e-6 on an output of
 * 4.2 summing 300 products, h = 1e-2) gave 0.023 > 0.01, while on the rms
 * scale of that gradient (0.4) the same noise is 8e-5. Layers linear in the
 * perturbed input (linear, conv2d, convT2d) have no truncation term, so they
 * take a large h and the rounding term shrinks with it; nonlinear ones take
 * h ~ (u / f''')^(1/3), about 1e-2 for inputs of order 1. The steps actually
 * taken, (float)(x + h) - (float)(x - h), divide the difference, not 2h. */
typedef double (*check_scalar_fn)(void *ctx);

static inline double check_gradient(check_scalar_fn f, void *ctx, float *x, const float *g,
			     size_t n, double h, size_t max_checks)
{
	size_t stride = n > max_checks ? n / max_checks : 1, m = 0;
	size_t cap = n / stride + 1;
	double *fd = malloc(sizeof(double) * cap), *ga = malloc(sizeof(double) * cap);
	if (!fd || !ga) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < n && m < cap; i += stride, m++) {
		float x0 = x[i], xp = (float)(x0 + h), xm = (float)(x0 - h);
		x[i] = xp;
		double fp = f(ctx);
		x[i] = xm;
		double fm = f(ctx);
		x[i] = x0;
		fd[m] = (fp - fm) / ((double)xp - (double)xm);
		ga[m] = g[i];
	}
	double num = 0, den = 0;
	for (size_t j = 0; j < m; j++) {
		num += (ga[j] - fd[j]) * (ga[j] - fd[j]);
		den += fd[j] * fd[j];
	}
	double rms = sqrt(den / (double)(m ? m : 1));
	double worst = den > 0 ? sqrt(num / den) : (num > 0 ? INFINITY : 0);
	for (size_t j = 0; j < m; j++) {
		double scale = fabs(ga[j]) + fabs(fd[j]) + rms;
		double e = scale > 0 ? fabs(ga[j] - fd[j]) / scale : 0;
		if (e > worst || e != e)
			worst = e == e ? e : INFINITY;
	}
	if (worst != worst)
		worst = INFINITY;
	free(fd);
	free(ga);
	return worst;
}

/* Prints every check's error when CHECK_GRAD_VERBOSE is set (to see margins). */
#define CHECK_GRAD(f, ctx, x, g, n, h, tol, label) do { \
	double e_ = check_gradient((f), (ctx), (x), (g), (n), (h), 64); \
	if (e_ > (tol) || getenv("CHECK_GRAD_VERBOSE")) \
		fprintf(stderr, "  %s: gradient rel. error %.3g %s %.1g\n", (label), e_, \
			e_ > (tol) ? ">" : "<=", (double)(tol)); \
	check_report(e_ <= (tol), label, __FILE__, __LINE__); } while (0)

#define CHECK_MAIN(name) \
	int main(void) { run(); \
		printf("%s: %d passed, %d failed\n", name, check_count.passed, check_count.failed); \
		return check_count.failed ? 1 : 0; }

#endif
