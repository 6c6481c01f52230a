/* conv2d.h - 2-D convolution and transposed convolution (im2col + gemm),
 * PyTorch semantics and weight layouts, square kernels, no groups/dilation. */
#ifndef GAN_CONV2D_H
#define GAN_CONV2D_H

#include <stddef.h>

typedef struct {
	int n;            /* batch */
	int cin, h, w;    /* input per example */
	int cout, oh, ow; /* output per example (filled by conv2d_shape/convt2d_shape) */
	int k, stride, pad;
} ConvShape;

/* Fills oh, ow: conv2d oh = (h + 2p - k) / s + 1; convt2d oh = (h - 1) s - 2p + k.
 * Return -1 (oh, ow untouched) when the output would be empty, when a size
 * (n, cin, h, w, cout, k, stride) is below 1 or pad below 0, or when a
 * per-example size or GEMM dimension would not fit in an int. */
int conv2d_shape(ConvShape *s);
int convt2d_shape(ConvShape *s);
/* Floats of workspace the functions below need (for any n <= s->n), after
 * conv2d_shape / convt2d_shape succeeded; may be 0 (then ws may be NULL).
 * One workspace serves forward and backward; its contents are scratch.
 * It is rows * nb * cols floats: conv2d rows = cin*k*k + cout, cols = oh*ow;
 * convt2d rows = cout*k*k + cin, cols = h*w; nb, the examples of a block, =
 * min(n, 8 * per, 16M / (rows * cols)) and at least 1, with per =
 * min(ceil(512 / cols), ceil(n / 4)) examples a slot; 0 for the dense cases
 * (1x1 output of an unpadded conv2d, 1x1 input of an unpadded convt2d).
 * dcgan64 at batch 64: 36 MiB at most (the 128-256 and 256-128 layers). */
size_t conv2d_workspace(const ConvShape *s);
size_t convt2d_workspace(const ConvShape *s);

/* out (n, cout, oh, ow) = conv(in (n, cin, h, w), w (cout, cin, k, k)) + b (cout) or NULL. */
void conv2d_forward(float *out, const float *in, const float *w, const float *b,
		    const ConvShape *s, float *ws);
/* Accumulates dw, db (NULL to skip); overwrites din (NULL to skip). */
void conv2d_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *w, const ConvShape *s, float *ws);

/* Transposed: out (n, cout, oh, ow) from in (n, cin, h, w); w (cin, cout, k, k),
 * b (cout) or NULL; no output_padding. Backward as conv2d_backward. */
void convt2d_forward(float *out, const float *in, const float *w, const float *b,
		     const ConvShape *s, float *ws);
void convt2d_backward(float *din, float *dw, float *db, const float *dout,
		      const float *in, const float *w, const ConvShape *s, float *ws);

#endif
