/* moments.c - sample mean and covariance for gan-eval. */
#include "moments.h"
#include "tensor.h"

#include <string.h>

void moments(const float *x, int64_t n, int d, double *mean, double *cov)
{
	memset(mean, 0, d * sizeof *mean);
	memset(cov, 0, (size_t)d * d * sizeof *cov);
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			mean[j] += x[i * d + j];
	for (int j = 0; j < d; j++)
		mean[j] /= (double)n;
	for (int64_t i = 0; i < n; i++)
		for (int j = 0; j < d; j++)
			for (int k = 0; k <= j; k++)
				cov[j * d + k] += (x[i * d + j] - mean[j]) * (x[i * d + k] - mean[k]);
	for (int j = 0; j < d; j++)
		for (int k = 0; k <= j; k++)
			cov[k * d + j] = cov[j * d + k] /= (double)(n - 1);
}

int64_t moments_nonfinite(const float *x, int64_t n, int d)
{
	int64_t i = f32_first_nonfinite(x, n * d);
	return i < 0 ? -1 : i / d;
}
