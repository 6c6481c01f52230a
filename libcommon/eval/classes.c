/* classes.c - class shares, the largest and their entropy from logits. */
#include "classes.h"

#include <math.h>
#include <string.h>


/* The first largest of x (k values), as torch.argmax. */
static int first_max(const float *x, int k)
{
	int best = 0;
	for (int j = 1; j < k; j++)
		if (x[j] > x[best])
			best = j;
	return best;
}

void class_histogram(const float *logits, int64_t n, int k, double *share, double *max_share,
		     double *entropy)
{
	memset(share, 0, (size_t)k * sizeof *share);
	for (int64_t i = 0; i < n; i++)
		share[first_max(logits + i * k, k)] += 1;
	double mx = 0, h = 0;
	for (int c = 0; c < k; c++) {
		share[c] /= (double)n;
		mx = fmax(mx, share[c]);
		if (share[c] > 0)
			h -= share[c] * log(share[c]);
	}
	*max_share = mx;
	*entropy = h;
}
