/* sample.h - how gan-sample splits N samples into forward batches, and
 * what batch-norm mode needs: the batch-statistics mode (--bn batch, G in
 * train mode as pytorch/examples draws its grids) depends on the batches. */
#ifndef GAN_SAMPLE_H
#define GAN_SAMPLE_H

#include "net.h"

/* Batch size for n samples in batches of at most max, all batches as even
 * as can be: ceil(n / ceil(n / max)) (n = 300, max = 256: 150, twice), so
 * with batch statistics no batch is a lone remainder of one or two. */
int sample_batch(int n, int max);
/* 1 if the network has a batch-norm layer (1-D or 2-D), else 0. */
int net_has_batchnorm(const Net *n);

#endif
