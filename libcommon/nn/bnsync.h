/* bnsync.h - synchronised batch normalisation (--sync-bn): the per-channel
 * sums of the forward (count, sum x, sum (x - mean)^2) and of the backward
 * (sum dy, sum dy xhat) are summed across the processes of a data-parallel
 * run through a callback, so K slices normalise as one batch would. */
#ifndef GAN_BNSYNC_H
#define GAN_BNSYNC_H

#include <stddef.h>
#include "batchnorm.h"

/* The reduction and its scratch. sum(ctx, buf, n) replaces buf (n doubles)
 * by its element-wise sum over the processes: 0, or -1 on failure, which
 * sets failed and leaves the layer's outputs finite but meaningless (the
 * caller checks failed after the step). work holds cap >= 2 c + 1 doubles
 * for the widest layer. */
typedef struct BnSync {
	int (*sum)(void *ctx, double *buf, size_t n);
	void *ctx;
	double *work;
	size_t cap;
	int failed;
} BnSync;

/* batchnorm_forward_train (batchnorm.h) with statistics over every
 * process's slice: in (s->n local examples, c, hw); mean, rstd (c) saved for
 * bnsync_backward; run_mean, run_var (c) updated from the global statistics
 * (unbiased with the global count). Every process must call it in step. */
void bnsync_forward_train(float *out, float *mean, float *rstd, float *run_mean,
			  float *run_var, const float *in, const float *gamma,
			  const float *beta, const BnShape *s, BnSync *y);
/* batchnorm_backward with the global sums: din (local slice) is the slice
 * of the one-batch gradient; dgamma, dbeta accumulate this slice's share
 * only (the trainer sums parameter gradients across processes after). */
void bnsync_backward(float *din, float *dgamma, float *dbeta, const float *dout,
		     const float *in, const float *mean, const float *rstd,
		     const float *gamma, const BnShape *s, BnSync *y);

#endif
