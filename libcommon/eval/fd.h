/* fd.h - the Fréchet distance between Gaussians fit to two sets of feature
 * vectors (the formula of FID and of the Fréchet LeNet distance), in double,
 * with the matrix square root through LAPACK's symmetric eigensolver. */
#ifndef GAN_FD_H
#define GAN_FD_H

#include <stdint.h>
#include "err.h"

/* Mean and covariance of n >= 2 feature vectors of d values. */
typedef struct {
	int d;
	int64_t n;
	double *mu;               /* d */
	double *sigma;            /* d x d, unbiased (1/(n-1)), as numpy.cov */
} FdStats;

/* x is (n, d), n >= 2. 0, or -1 with e (no memory, no LAPACK). */
int fd_stats(const float *x, int64_t n, int d, FdStats *s, Err *e);
void fd_stats_free(FdStats *s);

/* |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)), where the
 * trace of the square root is the sum of the square roots of the
 * eigenvalues of S_a^(1/2) S_b S_a^(1/2) (the same eigenvalues as S_a S_b,
 * but of a symmetric matrix); eigenvalues that rounding leaves below 0
 * count as 0, and so does a total below 0. 0 or -1 with e. */
int fd_distance(const FdStats *a, const FdStats *b, double *fd, Err *e);

#endif
