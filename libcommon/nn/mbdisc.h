/* mbdisc.h - minibatch discrimination (Salimans et al. 2016) as in
 * AYLIEN/gan-intro: M = in . w^T + b reshaped (n, k, d);
 * c_i,b = sum_j exp(-sum_d |M_i,b,d - M_j,b,d|) (j over the batch, i included);
 * out = concat(in, c) of shape (n, f + k). */
#ifndef GAN_MBDISC_H
#define GAN_MBDISC_H

#include <stddef.h>

/* The batch of a data-parallel run (datapar.h): this process holds n of
 * its examples, the others the rest. layout(ctx, n, off, n_all) tells
 * where this process's n rows sit in the global batch of n_all; sum(ctx,
 * buf, len) replaces buf (len floats) by its element-wise sum over the
 * processes (with zeros elsewhere, that gathers everyone's rows). work
 * holds cap floats, n_all x (k d + k) for the widest layer. A failed call
 * sets failed and leaves the layer's outputs finite but meaningless (the
 * caller checks failed after the step). Every process calls them in step. */
typedef struct MbdSync {
	int (*layout)(void *ctx, int n, int *off, int *n_all);
	int (*sum)(void *ctx, float *buf, size_t len);
	void *ctx;
	float *work;
	size_t cap;
	int failed;
} MbdSync;

/* w (k*d, f), b (k*d); act (n, k*d) is saved for backward. With y, the
 * batch is every process's: c_i sums over all of it (y->work holds M). */
void mbdisc_forward(float *out, float *act, const float *in, const float *w,
		    const float *b, int n, int f, int k, int d, MbdSync *y);
/* Accumulates dw, db (NULL to skip; db is zero up to rounding, since b
 * shifts all rows alike); overwrites din (n, f) unless NULL;
 * ws holds n*k*d floats. With y, the batch is every process's, as forward;
 * the result is this process's rows of the one-batch gradient, the same
 * bits as one process computes for them. */
void mbdisc_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *act, const float *w,
		     int n, int f, int k, int d, float *ws, MbdSync *y);

#endif
