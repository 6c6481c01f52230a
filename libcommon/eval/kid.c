/* kid.c - KID: torch-fidelity's subsets (numpy's MT19937 and its choice
 * without replacement, reproduced), the polynomial kernel by dgemm in
 * double and the unbiased MMD^2 per subset, subsets spread over threads. */
#include "kid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "linalg.h"
#include "par.h"

KidOpts kid_defaults(void)
{
	return (KidOpts){ .subsets = 100, .subset_size = 1000, .degree = 3, .gamma = 0,
			  .coef0 = 1, .seed = 2020 };
}

void mt_seed(Mt19937 *r, uint32_t seed)
{
	r->mt[0] = seed;
	for (int i = 1; i < 624; i++)
		r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
	r->pos = 624;
}

/* The next 624 words of the state (Matsumoto and Nishimura's genrand). */
static void mt_generate(Mt19937 *r)
{
	for (int i = 0; i < 624; i++) {
		uint32_t y = (r->mt[i] & 0x80000000u) | (r->mt[(i + 1) % 624] & 0x7fffffffu);
		r->mt[i] = r->mt[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 ? 0x9908b0dfu : 0);
	}
	r->pos = 0;
}

uint32_t mt_next(Mt19937 *r)
{
	if (r->pos == 624)
		mt_generate(r);
	uint32_t y = r->mt[r->pos++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	return y ^ (y >> 18);
}

/* numpy's random_interval: uniform in [0, max] by masked rejection
 * (32-bit draws, as max < 2^32 here). */
static uint32_t mt_interval(Mt19937 *r, uint32_t max)
{
	if (max == 0)
		return 0;
	uint32_t mask = max;
	mask |= mask >> 1;
	mask |= mask >> 2;
	mask |= mask >> 4;
	mask |= mask >> 8;
	mask |= mask >> 16;
	uint32_t v;
	while ((v = mt_next(r) & mask) > max)
		;
	return v;
}

void mt_choice(Mt19937 *r, int64_t n, int64_t size, int64_t *perm, int64_t *out)
{
	for (int64_t i = 0; i < n; i++)
		perm[i] = i;
	for (int64_t i = n - 1; i > 0; i--) {
		int64_t j = mt_interval(r, (uint32_t)i);
		int64_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	memcpy(out, perm, (size_t)size * sizeof *out);
}

/* Per-thread scratch of one subset: the two sets' rows and a kernel matrix. */
typedef struct {
	double *a, *b, *k;
} KidScratch;

/* v^p for an integer p >= 0 by squaring (pow() is 20 times slower here). */
static double ipow(double v, int p)
{
	double r = 1;
	for (; p; p >>= 1, v *= v)
		if (p & 1)
			r *= v;
	return r;
}

/* Sum of (gamma G + coef0)^degree over the entries of the Gram matrix
 * G = p q^T (s x s), without the diagonal when off_diag. */
static double kernel_sum(const double *p, const double *q, int s, int d, const KidOpts *o,
			 double gamma, int off_diag, double *k)
{
	linalg_dgemm(0, 1, s, s, d, gamma, p, d, q, d, 0, k, s);
	double total = 0;
	for (int i = 0; i < s; i++) {
		double row = 0;
		for (int j = 0; j < s; j++) {
			if (off_diag && i == j)
				continue;
			row += ipow(k[(size_t)i * s + j] + o->coef0, o->degree);
		}
		total += row;
	}
	return total;
}

/* Unbiased MMD^2 of the subsets ix of x and iy of y (s each). */
static double subset_mmd(const double *x, const double *y, const int64_t *ix,
			 const int64_t *iy, int s, int d, const KidOpts *o, double gamma,
			 KidScratch *w)
{
	for (int i = 0; i < s; i++) {
		memcpy(w->a + (size_t)i * d, x + ix[i] * d, (size_t)d * sizeof(double));
		memcpy(w->b + (size_t)i * d, y + iy[i] * d, (size_t)d * sizeof(double));
	}
	double kxx = kernel_sum(w->a, w->a, s, d, o, gamma, 1, w->k);
	double kyy = kernel_sum(w->b, w->b, s, d, o, gamma, 1, w->k);
	double kxy = kernel_sum(w->a, w->b, s, d, o, gamma, 0, w->k);
	return (kxx + kyy) / ((double)s * (s - 1)) - 2 * kxy / ((double)s * s);
}

/* The features as doubles, (n, d). */
static double *to_double(const float *x, int64_t n, int d)
{
	double *v = malloc((size_t)(n * d > 0 ? n * d : 1) * sizeof *v);
	for (int64_t i = 0; v && i < n * d; i++)
		v[i] = x[i];
	return v;
}

/* Subset indices of every subset, in torch-fidelity's draw order. */
static int64_t *draw_subsets(const KidOpts *o, int64_t n, int64_t m, int s)
{
	int64_t *idx = malloc((size_t)o->subsets * 2 * s * sizeof *idx);
	int64_t *perm = malloc((size_t)(n > m ? n : m) * sizeof *perm);
	if (idx && perm) {
		Mt19937 r;
		mt_seed(&r, o->seed);
		for (int i = 0; i < o->subsets; i++) {
			mt_choice(&r, n, s, perm, idx + (size_t)2 * i * s);
			mt_choice(&r, m, s, perm, idx + (size_t)(2 * i + 1) * s);
		}
	}
	free(perm);
	if (!perm) {
		free(idx);
		return NULL;
	}
	return idx;
}

int kid(const float *x, int64_t n, const float *y, int64_t m, int d, const KidOpts *o,
	double *mean, double *std, int *subset_size, Err *e)
{
	int64_t small = n < m ? n : m;
	int s = o->subset_size < small ? o->subset_size : (int)(small / 2);
	if (s < 2 || o->subsets < 1)
		return err_set(e, EXIT_BAD, "KID needs 4 or more vectors in each set, got %lld",
			       (long long)small);
	if (n > UINT32_MAX || m > UINT32_MAX)
		return err_set(e, EXIT_BAD, "KID: more than 2^32 vectors");
	if (linalg_load(e))
		return -1;
	double gamma = o->gamma > 0 ? o->gamma : 1.0 / d;
	int nt = gemm_threads();
	double *xd = to_double(x, n, d), *yd = to_double(y, m, d);
	double *mmd = malloc((size_t)o->subsets * sizeof *mmd);
	int64_t *idx = draw_subsets(o, n, m, s);
	KidScratch *w = calloc((size_t)nt, sizeof *w);
	int bad = !xd || !yd || !mmd || !idx || !w;
	for (int t = 0; !bad && t < nt; t++) {
		w[t].a = malloc((size_t)s * d * sizeof(double));
		w[t].b = malloc((size_t)s * d * sizeof(double));
		w[t].k = malloc((size_t)s * s * sizeof(double));
		bad |= !w[t].a || !w[t].b || !w[t].k;
	}
	if (!bad) {
		PAR_FOR(nt > 1)
		for (int i = 0; i < o->subsets; i++)
			mmd[i] = subset_mmd(xd, yd, idx + (size_t)2 * i * s,
					    idx + (size_t)(2 * i + 1) * s, s, d, o, gamma,
					    &w[par_id()]);
		double sum = 0, sq = 0;
		for (int i = 0; i < o->subsets; i++)
			sum += mmd[i];
		*mean = sum / o->subsets;
		for (int i = 0; i < o->subsets; i++)
			sq += (mmd[i] - *mean) * (mmd[i] - *mean);
		*std = sqrt(sq / o->subsets);
		*subset_size = s;
	}
	for (int t = 0; w && t < nt; t++) {
		free(w[t].a);
		free(w[t].b);
		free(w[t].k);
	}
	free(w);
	free(xd);
	free(yd);
	free(mmd);
	free(idx);
	return bad ? err_set(e, EXIT_SYS, "out of memory (KID subsets of %d)", s) : 0;
}
