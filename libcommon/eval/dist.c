/* dist.c - point-set distances: the 1-D ones from one walk over both
 * sorted samples, the energy distance from all pairwise norms (in 1-D from
 * the same walk, exactly as scipy integrates it). */
#include "dist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "par.h"

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* Sorted copies of x and y; NULL when out of memory. */
static float *sorted(const float *x, int64_t n)
{
	float *s = malloc((size_t)(n ? n : 1) * sizeof *s);
	if (s) {
		memcpy(s, x, (size_t)n * sizeof *s);
		qsort(s, (size_t)n, sizeof *s, cmp_float);
	}
	return s;
}

/* Walks the merged values of sorted a (n) and b (m): between consecutive
 * distinct values v_i < v_{i+1} the empirical CDFs are constant; sums
 * |F_a - F_b| dv (w1) and (F_a - F_b)^2 dv (l2), and the largest
 * |F_a - F_b| at the values (ks). */
static void cdf_walk(const float *a, int64_t n, const float *b, int64_t m, double *w1,
		     double *l2, double *ks)
{
	int64_t i = 0, j = 0;
	double s1 = 0, s2 = 0, mx = 0;
	while (i < n || j < m) {
		float v = i < n && (j >= m || a[i] <= b[j]) ? a[i] : b[j];
		while (i < n && a[i] == v)
			i++;
		while (j < m && b[j] == v)
			j++;
		double f = (double)i / n - (double)j / m;
		mx = fmax(mx, fabs(f));
		if (i < n || j < m) {
			float next = i < n && (j >= m || a[i] <= b[j]) ? a[i] : b[j];
			double dv = (double)next - (double)v;
			s1 += fabs(f) * dv;
			s2 += f * f * dv;
		}
	}
	*w1 = s1;
	*l2 = s2;
	*ks = mx;
}

int dist_1d(const float *x, int64_t n, const float *y, int64_t m, double *w1, double *ks,
	    Err *e)
{
	float *a = sorted(x, n), *b = sorted(y, m);
	double l2;
	if (a && b)
		cdf_walk(a, n, b, m, w1, &l2, ks);
	free(a);
	free(b);
	return a && b ? 0 : err_set(e, EXIT_SYS, "out of memory (sorting %lld points)",
				    (long long)(n + m));
}

/* Sum over all pairs (i, j) of |a_i - b_j| (rows of d values), by rows
 * summed in double and then in row order. */
static double pair_sum(const float *a, int64_t n, const float *b, int64_t m, int d,
		       double *row)
{
	PAR_FOR(gemm_threads() > 1 && (double)n * m * d > 1e6)
	for (int64_t i = 0; i < n; i++) {
		const float *p = a + i * d;
		double s = 0;
		for (int64_t j = 0; j < m; j++) {
			const float *q = b + j * d;
			double q2 = 0;
			for (int k = 0; k < d; k++) {
				double t = (double)p[k] - (double)q[k];
				q2 += t * t;
			}
			s += sqrt(q2);
		}
		row[i] = s;
	}
	double total = 0;
	for (int64_t i = 0; i < n; i++)
		total += row[i];
	return total;
}

int dist_energy(const float *x, int64_t n, const float *y, int64_t m, int d, double *energy,
		Err *e)
{
	if (d == 1) {
		float *a = sorted(x, n), *b = sorted(y, m);
		double w1, l2, ks;
		if (a && b)
			cdf_walk(a, n, b, m, &w1, &l2, &ks);
		free(a);
		free(b);
		if (!a || !b)
			return err_set(e, EXIT_SYS, "out of memory (sorting %lld points)",
				       (long long)(n + m));
		*energy = sqrt(2 * l2);
		return 0;
	}
	double *row = malloc((size_t)(n > m ? n : m) * sizeof *row);
	if (!row)
		return err_set(e, EXIT_SYS, "out of memory");
	double xy = pair_sum(x, n, y, m, d, row) / ((double)n * m);
	double xx = pair_sum(x, n, x, n, d, row) / ((double)n * n);
	double yy = pair_sum(y, m, y, m, d, row) / ((double)m * m);
	free(row);
	*energy = sqrt(fmax(2 * xy - xx - yy, 0));
	return 0;
}
