/* sample.c - batching of gan-sample's forward passes (see sample.h): even
 * batches, and whether a network's output depends on its batch at all. */
#include "sample.h"

int sample_batch(int n, int max)
{
	if (n < 1 || max < 1)
		return 1;
	int k = (n + max - 1) / max;
	return (n + k - 1) / k;
}

int net_has_batchnorm(const Net *n)
{
	for (int i = 0; i < n->nl; i++)
		if (n->l[i].spec.kind == LAYER_BN1D || n->l[i].spec.kind == LAYER_BN2D)
			return 1;
	return 0;
}
