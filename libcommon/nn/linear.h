/* linear.h - fully connected layer, PyTorch layout (weight is out x in). */
#ifndef GAN_LINEAR_H
#define GAN_LINEAR_H

/* out (n, out_dim) = in (n, in_dim) . w^T + b; w (out_dim, in_dim); b (out_dim) or NULL. */
void linear_forward(float *out, const float *in, const float *w, const float *b,
		    int n, int in_dim, int out_dim);
/* Accumulates dw (out_dim, in_dim) and db (out_dim) (either may be NULL to
 * skip); overwrites din (n, in_dim) unless NULL. */
void linear_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *w, int n, int in_dim, int out_dim);

#endif
