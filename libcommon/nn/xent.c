/* xent.c - softmax cross-entropy with its gradient, in one pass per row:
 * log-sum-exp after subtracting the row's largest logit, in double. */
#include "xent.h"

#include <math.h>
#include <stddef.h>

int xent_argmax(const float *x, int k)
{
	int best = 0;
	for (int j = 1; j < k; j++)
		if (x[j] > x[best])
			best = j;
	return best;
}

double xent_loss(float *dx, const float *x, const int64_t *labels, int n, int k, float scale,
		 int *correct)
{
	double sum = 0;
	int hits = 0;
	for (int i = 0; i < n; i++) {
		const float *xi = x + (size_t)i * k;
		int64_t y = labels[i];
		int top = xent_argmax(xi, k);
		if (y < 0 || y >= k) {
			sum = NAN;
			for (int j = 0; dx && j < k; j++)
				dx[(size_t)i * k + j] = NAN;
			continue;
		}
		double mx = xi[top], se = 0;
		for (int j = 0; j < k; j++)
			se += exp((double)xi[j] - mx);
		double lse = mx + log(se);
		sum += lse - xi[y];
		hits += top == y;
		if (!dx)
			continue;
		float *di = dx + (size_t)i * k;
		for (int j = 0; j < k; j++)
			di[j] = (float)(exp((double)xi[j] - lse) - (j == y)) * scale;
	}
	if (correct)
		*correct = hits;
	return sum;
}
