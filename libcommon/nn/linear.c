/* linear.c - fully connected layer on the CPU, PyTorch layout (weight is
 * out x in): forward and backward as single GEMMs over the whole batch;
 * the bias loops vectorised across features (each feature's gradient still
 * sums the examples in order). */
#include <stddef.h>

#include "gemm.h"
#include "linear.h"
#include "par.h"

/* Features at or above which the bias loops run as vector loops: below,
 * their set-up cost more than they saved (gaussian2d's 1-5 features: its
 * whole run 3 % slower). */
#define WIDE 16

/* out (n, out_dim) = in (n, in_dim) . w^T + b; w (out_dim, in_dim); b (out_dim) or NULL. */
void linear_forward(float *out, const float *in, const float *w, const float *b,
		    int n, int in_dim, int out_dim)
{
	gemm(0, 1, n, out_dim, in_dim, 1.0f, in, in_dim, w, in_dim, 0.0f, out, out_dim);
	if (!b)
		return;
	for (int i = 0; i < n; i++) {
		float *row = out + (size_t)i * out_dim;
		if (out_dim < WIDE) {
			for (int j = 0; j < out_dim; j++)
				row[j] += b[j];
			continue;
		}
		PAR_SIMD
		for (int j = 0; j < out_dim; j++)
			row[j] += b[j];
	}
}

/* dout (n, out_dim), in (n, in_dim), w (out_dim, in_dim).
 * dw (out_dim, in_dim) += dout^T . in; db (out_dim) += column sums of dout;
 * din (n, in_dim) = dout . w. Any of din, dw, db may be NULL to skip it. */
void linear_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *w, int n, int in_dim, int out_dim)
{
	if (dw)
		gemm(1, 0, out_dim, in_dim, n, 1.0f, dout, out_dim, in, in_dim,
		     1.0f, dw, in_dim);
	if (db) {
		for (int i = 0; i < n; i++) {
			const float *row = dout + (size_t)i * out_dim;
			if (out_dim < WIDE) {
				for (int j = 0; j < out_dim; j++)
					db[j] += row[j];
				continue;
			}
			PAR_SIMD
			for (int j = 0; j < out_dim; j++)
				db[j] += row[j];
		}
	}
	if (din)
		gemm(0, 0, n, in_dim, out_dim, 1.0f, dout, out_dim, w, in_dim,
		     0.0f, din, in_dim);
}
