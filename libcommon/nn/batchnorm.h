/* batchnorm.h - batch normalisation over (n, c, hw) tensors: BatchNorm1d is
 * hw = 1, BatchNorm2d hw = H*W. PyTorch semantics: biased variance to
 * normalise, unbiased variance (n*hw/(n*hw-1)) into the running estimate. */
#ifndef GAN_BATCHNORM_H
#define GAN_BATCHNORM_H

typedef struct {
	int n, c, hw;
	float eps;        /* 1e-5 */
	float momentum;   /* 0.1: run = (1 - m) run + m batch */
	int blk;          /* 16 or 8: the tensors in channel blocks of blk
			   * (oneDNN's nChw16c or nChw8c, c a multiple of blk):
			   * element (e, ch, q) at ((e c/blk + ch/blk) hw + q) blk
			   * + ch % blk; 0: (n, c, hw) */
	int plain_y;      /* with blk: the output (and its gradient) plain, the
			   * input (and its gradient) blocked */
	int act;          /* BN_ACT_*: the activation of the layer after, fused
			   * (net.c): the output is act(y), and the backward's
			   * dout the activation's (masked here by the output's
			   * sign), so that layer's passes are skipped */
	float alpha;      /* LeakyReLU's slope (>= 0) with BN_ACT_LEAKY */
} BnShape;

/* BnShape.act: none, ReLU, LeakyReLU(alpha); the same bits as the
 * activation's own passes (activation.c) after or before the batch norm's. */
enum { BN_ACT_NONE, BN_ACT_RELU, BN_ACT_LEAKY };

/* Train mode: out = act(gamma (x - mean) rstd + beta) with batch statistics
 * (act as s->act: none, ReLU or LeakyReLU);
 * saves mean, rstd (c) for backward; updates run_mean, run_var (c) unless NULL.
 * gamma, beta (c) NULL mean 1, 0 (affine=False), here and below.
 * Needs n*hw > 1 (PyTorch refuses one value per channel; the running variance
 * is left alone then). */
void batchnorm_forward_train(float *out, float *mean, float *rstd,
			     float *run_mean, float *run_var, const float *in,
			     const float *gamma, const float *beta, const BnShape *s);
/* Eval mode: running statistics (and s->act). */
void batchnorm_forward_eval(float *out, const float *in, const float *gamma,
			    const float *beta, const float *run_mean,
			    const float *run_var, const BnShape *s);
/* Accumulates dgamma, dbeta (NULL to skip); overwrites din (may not alias
 * dout); mean, rstd as saved by batchnorm_forward_train. With s->act, dout
 * is the fused activation's output gradient and out the forward's output
 * (act(y)), else its values are not used (it may be NULL). */
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			const float *out, const float *in, const float *mean,
			const float *rstd, const float *gamma, const BnShape *s);

#endif
