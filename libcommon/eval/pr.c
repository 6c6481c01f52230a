/* pr.c - precision/recall and density/coverage: squared distances as
 * |x|^2 + |y|^2 - 2 x.y from blocks of a dgemm in double, the k-th
 * neighbour radius of every sample by insertion into its k + 1 smallest,
 * then one pass over the real rows and one over the fake rows. */
#include "pr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "linalg.h"
#include "par.h"

#define PR_BLOCK 128              /* rows of a distance block */

/* A feature set as doubles with the squared norm of each row. */
typedef struct {
	double *x, *sq;
	int64_t n;
} Set;

static int set_init(Set *s, const float *x, int64_t n, int d)
{
	s->n = n;
	s->x = malloc((size_t)n * d * sizeof(double));
	s->sq = malloc((size_t)n * sizeof(double));
	if (!s->x || !s->sq)
		return -1;
	for (int64_t i = 0; i < n; i++) {
		double q = 0;
		for (int j = 0; j < d; j++) {
			double v = x[i * d + j];
			s->x[i * d + j] = v;
			q += v * v;
		}
		s->sq[i] = q;
	}
	return 0;
}

static void set_free(Set *s)
{
	free(s->x);
	free(s->sq);
}

/* dist (rows, b->n): squared distances of a's rows [i0, i0+rows) to all of
 * b, clamped at 0. */
static void dist_block(const Set *a, int64_t i0, int rows, const Set *b, int d, double *dist)
{
	linalg_dgemm(0, 1, rows, (int)b->n, d, -2.0, a->x + i0 * d, d, b->x, d, 0, dist,
		     (int)b->n);
	for (int r = 0; r < rows; r++)
		for (int64_t j = 0; j < b->n; j++) {
			double *v = dist + (size_t)r * b->n + j;
			*v = fmax(*v + a->sq[i0 + r] + b->sq[j], 0);
		}
}

/* The (k+1)-th smallest of v (n values) with the row's own entry self set
 * to 0 first: the k-th neighbour's squared distance. best is scratch (k+1). */
static double kth(double *v, int64_t n, int64_t self, int k, double *best)
{
	int have = 0;
	v[self] = 0;
	for (int64_t j = 0; j < n; j++) {
		double x = v[j];
		if (have == k + 1 && x >= best[k])
			continue;
		int p = have < k + 1 ? have++ : k;
		while (p > 0 && best[p - 1] > x) {
			best[p] = best[p - 1];
			p--;
		}
		best[p] = x;
	}
	return best[k];
}

/* radius[i] (squared) of every row of s within s. */
static int radii(const Set *s, int d, int k, double *radius, double *scratch, int nt)
{
	int64_t nb = (s->n + PR_BLOCK - 1) / PR_BLOCK;
	PAR_FOR(nt > 1)
	for (int64_t b = 0; b < nb; b++) {
		double *dist = scratch + (size_t)par_id() * (PR_BLOCK * s->n + k + 1);
		double *best = dist + (size_t)PR_BLOCK * s->n;
		int64_t i0 = b * PR_BLOCK;
		int rows = (int)(s->n - i0 < PR_BLOCK ? s->n - i0 : PR_BLOCK);
		dist_block(s, i0, rows, s, d, dist);
		for (int r = 0; r < rows; r++)
			radius[i0 + r] = kth(dist + (size_t)r * s->n, s->n, i0 + r, k, best);
	}
	return 0;
}

/* For each row i of a: whether some row j of b has dist < rb[j] (inside
 * a ball of b), how many do (within), and whether the nearest row of b is
 * closer than ra[i] (nearest: inside a's own ball). */
static void cross(const Set *a, const Set *b, int d, const double *ra, const double *rb,
		  char *inside, int64_t *within, char *nearest, double *scratch, int nt)
{
	int64_t nb = (a->n + PR_BLOCK - 1) / PR_BLOCK;
	PAR_FOR(nt > 1)
	for (int64_t blk = 0; blk < nb; blk++) {
		double *dist = scratch + (size_t)par_id() * PR_BLOCK * b->n;
		int64_t i0 = blk * PR_BLOCK;
		int rows = (int)(a->n - i0 < PR_BLOCK ? a->n - i0 : PR_BLOCK);
		dist_block(a, i0, rows, b, d, dist);
		for (int r = 0; r < rows; r++) {
			const double *v = dist + (size_t)r * b->n;
			double lo = INFINITY;
			int64_t cnt = 0;
			char in = 0;
			for (int64_t j = 0; j < b->n; j++) {
				int hit = v[j] < rb[j];
				in |= (char)hit;
				cnt += hit;
				lo = fmin(lo, v[j]);
			}
			inside[i0 + r] = in;
			within[i0 + r] = cnt;
			nearest[i0 + r] = lo < ra[i0 + r];
		}
	}
}

int prdc(const float *real, int64_t n, const float *fake, int64_t m, int d, int k, Prdc *r,
	 Err *e)
{
	if (k < 1 || n <= k || m <= k)
		return err_set(e, EXIT_BAD, "precision and recall with k = %d need more than %d "
			       "vectors in each set (got %lld and %lld)", k, k, (long long)n,
			       (long long)m);
	if (linalg_load(e))
		return -1;
	int nt = gemm_threads();
	int64_t big = n > m ? n : m;
	Set a = { 0 }, b = { 0 };
	double *ra = malloc((size_t)n * sizeof *ra), *rb = malloc((size_t)m * sizeof *rb);
	double *scratch = malloc((size_t)nt * (PR_BLOCK * big + k + 1) * sizeof *scratch);
	char *flag = malloc((size_t)big * 2), *flag2 = flag ? flag + big : NULL;
	int64_t *cnt = malloc((size_t)big * sizeof *cnt);
	int bad = set_init(&a, real, n, d) | set_init(&b, fake, m, d);
	if (!bad && ra && rb && scratch && flag && cnt) {
		radii(&a, d, k, ra, scratch, nt);
		radii(&b, d, k, rb, scratch, nt);
		/* Real rows: recall (inside a fake ball), coverage (nearest fake
		 * inside the own ball). */
		cross(&a, &b, d, ra, rb, flag, cnt, flag2, scratch, nt);
		int64_t rec = 0, cov = 0;
		for (int64_t i = 0; i < n; i++) {
			rec += flag[i];
			cov += flag2[i];
		}
		/* Fake rows: precision (inside some real ball) and density (how
		 * many real balls hold it). */
		cross(&b, &a, d, rb, ra, flag, cnt, flag2, scratch, nt);
		int64_t prec = 0, dens = 0;
		for (int64_t j = 0; j < m; j++) {
			prec += flag[j];
			dens += cnt[j];
		}
		*r = (Prdc){ (double)prec / m, (double)rec / n, (double)dens / ((double)k * m),
			     (double)cov / n };
	} else {
		bad = 1;
	}
	set_free(&a);
	set_free(&b);
	free(ra);
	free(rb);
	free(scratch);
	free(flag);
	free(cnt);
	return bad ? err_set(e, EXIT_SYS, "out of memory (distances of %lld x %lld)",
			     (long long)n, (long long)m) : 0;
}
