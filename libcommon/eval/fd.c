/* fd.c - Fréchet distance: feature means and covariances by dgemm on
 * centred doubles, and the trace of the matrix square root from two
 * symmetric eigen-decompositions (dsyevd). */
#include "fd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

void fd_stats_free(FdStats *s)
{
	free(s->mu);
	free(s->sigma);
	s->mu = s->sigma = NULL;
}

int fd_stats(const float *x, int64_t n, int d, FdStats *s, Err *e)
{
	memset(s, 0, sizeof *s);
	if (n < 2 || d < 1)
		return err_set(e, EXIT_BAD, "the Fréchet distance needs 2 or more vectors");
	if (linalg_load(e))
		return -1;
	s->d = d;
	s->n = n;
	s->mu = calloc((size_t)d, sizeof(double));
	s->sigma = calloc((size_t)d * d, sizeof(double));
	double *c = malloc((size_t)n * d * sizeof(double));
	if (!s->mu || !s->sigma || !c) {
		free(c);
		fd_stats_free(s);
		return err_set(e, EXIT_SYS, "out of memory (covariance of %lld x %d)",
			       (long long)n, d);
	}
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			s->mu[j] += x[i * d + j];
	for (int j = 0; j < d; j++)
		s->mu[j] /= (double)n;
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			c[i * d + j] = (double)x[i * d + j] - s->mu[j];
	linalg_dgemm(1, 0, d, d, (int)n, 1.0 / (double)(n - 1), c, d, c, d, 0, s->sigma, d);
	for (int j = 0; j < d; j++)
		for (int k = 0; k < j; k++)
			s->sigma[k * d + j] = s->sigma[j * d + k];
	free(c);
	return 0;
}

/* tr((A B)^(1/2)) for symmetric positive semi-definite A, B (d x d). */
static int trace_sqrt_product(const double *a, const double *b, int d, double *tr, Err *e)
{
	size_t dd = (size_t)d * d;
	double *v = malloc(dd * sizeof *v), *r = malloc(dd * sizeof *r);
	double *t = malloc(dd * sizeof *t), *w = malloc((size_t)d * sizeof *w);
	int rc = !v || !r || !t || !w ? err_set(e, EXIT_SYS, "out of memory") : 0;
	if (rc == 0) {
		memcpy(v, a, dd * sizeof *v);
		rc = linalg_syev(d, v, w, 1, e);
	}
	if (rc == 0) {
		/* A^(1/2) = V^T diag(sqrt w) V with the eigenvectors as rows of V. */
		for (int i = 0; i < d; i++)
			for (int j = 0; j < d; j++)
				t[i * d + j] = v[i * d + j] * sqrt(fmax(w[i], 0));
		linalg_dgemm(1, 0, d, d, d, 1, v, d, t, d, 0, r, d);
		linalg_dgemm(0, 0, d, d, d, 1, r, d, b, d, 0, t, d);
		linalg_dgemm(0, 0, d, d, d, 1, t, d, r, d, 0, v, d);
		for (int i = 0; i < d; i++)
			for (int j = 0; j < i; j++)
				v[i * d + j] = v[j * d + i] = 0.5 * (v[i * d + j] + v[j * d + i]);
		rc = linalg_syev(d, v, w, 0, e);
	}
	if (rc == 0) {
		double s = 0;
		for (int i = 0; i < d; i++)
			s += sqrt(fmax(w[i], 0));
		*tr = s;
	}
	free(v);
	free(r);
	free(t);
	free(w);
	return rc;
}

int fd_distance(const FdStats *a, const FdStats *b, double *fd, Err *e)
{
	int d = a->d;
	if (b->d != d)
		return err_set(e, EXIT_BAD, "features of %d and %d values cannot be compared", d,
			       b->d);
	double tr;
	if (trace_sqrt_product(a->sigma, b->sigma, d, &tr, e))
		return -1;
	double m = 0, ta = 0, tb = 0;
	for (int i = 0; i < d; i++) {
		double dm = a->mu[i] - b->mu[i];
		m += dm * dm;
		ta += a->sigma[i * d + i];
		tb += b->sigma[i * d + i];
	}
	*fd = fmax(m + ta + tb - 2 * tr, 0);
	return 0;
}
