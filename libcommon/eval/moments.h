/* moments.h - sample mean and covariance of f32 points (N x D), in double. */
#ifndef GAN_MOMENTS_H
#define GAN_MOMENTS_H

#include <stdint.h>

#define MOMENTS_MAXDIM 64

/* x is (n, d), n >= 2, d <= MOMENTS_MAXDIM. mean (d); cov (d, d) with the
 * unbiased 1/(n-1) normalisation, as numpy.cov and torch.cov. Two passes. */
void moments(const float *x, int64_t n, int d, double *mean, double *cov);
/* The first example (row) of x (n, d) holding a NaN or an infinity, or -1
 * when all are finite: moments of such points are meaningless. */
int64_t moments_nonfinite(const float *x, int64_t n, int d);

#endif
