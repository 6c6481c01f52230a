/* mbdisc.h - minibatch discrimination (Salimans et al. 2016) as in
 * AYLIEN/gan-intro: M = in . w^T + b reshaped (n, k, d);
 * c_i,b = sum_j exp(-sum_d |M_i,b,d - M_j,b,d|) (j over the batch, i included);
 * out = concat(in, c) of shape (n, f + k). */
#ifndef GAN_MBDISC_H
#define GAN_MBDISC_H

/* w (k*d, f), b (k*d); act (n, k*d) is saved for backward. */
void mbdisc_forward(float *out, float *act, const float *in, const float *w,
		    const float *b, int n, int f, int k, int d);
/* Accumulates dw, db (NULL to skip; db is zero up to rounding, since b
 * shifts all rows alike); overwrites din (n, f) unless NULL;
 * ws holds n*k*d floats. */
void mbdisc_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *act, const float *w,
		     int n, int f, int k, int d, float *ws);

#endif
