/* batchnorm.c - batch normalisation forward (train and eval) and backward on
 * (n, c, hw) tensors, PyTorch semantics. Per-channel sums are taken in double
 * with two passes (mean, then squared deviations) for accuracy. */
#include <math.h>
#include <stddef.h>
#include "batchnorm.h"

/* Mean and biased variance of channel ch of in (n, c, hw), in double. */
static void channel_stats(const float *in, const BnShape *s, int ch,
			  double *mean, double *var)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	double sum = 0, sq = 0, cnt = (double)s->n * (double)s->hw;
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * cs + (size_t)ch * hw;
		for (size_t j = 0; j < hw; j++)
			sum += p[j];
	}
	double mu = sum / cnt;
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * cs + (size_t)ch * hw;
		for (size_t j = 0; j < hw; j++) {
			double d = p[j] - mu;
			sq += d * d;
		}
	}
	*mean = mu;
	*var = sq / cnt;
}

/* out[:, ch, :] = in[:, ch, :] * a + b for one channel of (n, c, hw). */
static void channel_affine(float *out, const float *in, const BnShape *s, int ch,
			   float a, float b)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * cs + (size_t)ch * hw;
		for (size_t j = 0; j < hw; j++)
			out[o + j] = in[o + j] * a + b;
	}
}

/* out, in (n, c, hw); mean, rstd, run_mean, run_var, gamma, beta (c).
 * gamma / beta NULL mean 1 / 0 (affine=False); run_* NULL skip the update.
 * The running variance is updated only when n*hw > 1 (it needs n*hw - 1). */
void batchnorm_forward_train(float *out, float *mean, float *rstd,
			     float *run_mean, float *run_var, const float *in,
			     const float *gamma, const float *beta, const BnShape *s)
{
	double cnt = (double)s->n * (double)s->hw;
	double m = s->momentum;
	for (int ch = 0; ch < s->c; ch++) {
		double mu, var;
		channel_stats(in, s, ch, &mu, &var);
		double inv = 1.0 / sqrt(var + (double)s->eps);
		mean[ch] = (float)mu;
		rstd[ch] = (float)inv;
		double g = gamma ? gamma[ch] : 1.0, b = beta ? beta[ch] : 0.0;
		float a = (float)(inv * g);
		channel_affine(out, in, s, ch, a, (float)(b - mu * a));
		if (run_mean)
			run_mean[ch] = (float)((1 - m) * run_mean[ch] + m * mu);
		if (run_var && cnt > 1)
			run_var[ch] = (float)((1 - m) * run_var[ch]
					      + m * var * cnt / (cnt - 1));
	}
}

/* out, in (n, c, hw); gamma, beta (NULL: 1, 0), run_mean, run_var (c). */
void batchnorm_forward_eval(float *out, const float *in, const float *gamma,
			    const float *beta, const float *run_mean,
			    const float *run_var, const BnShape *s)
{
	for (int ch = 0; ch < s->c; ch++) {
		double inv = 1.0 / sqrt((double)run_var[ch] + (double)s->eps);
		double g = gamma ? gamma[ch] : 1.0, b = beta ? beta[ch] : 0.0;
		float a = (float)(inv * g);
		channel_affine(out, in, s, ch, a, (float)(b - run_mean[ch] * (double)a));
	}
}

/* din, dout, in (n, c, hw); dgamma, dbeta, mean, rstd, gamma (c).
 * With xh = (x - mean) rstd and N = n*hw per channel:
 * dbeta += sum dout; dgamma += sum dout xh;
 * din = gamma rstd (dout - sum(dout)/N - xh sum(dout xh)/N). */
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			const float *in, const float *mean, const float *rstd,
			const float *gamma, const BnShape *s)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	double cnt = (double)s->n * (double)s->hw;
	for (int ch = 0; ch < s->c; ch++) {
		double mu = mean[ch], r = rstd[ch], sg = 0, sgx = 0;
		for (int i = 0; i < s->n; i++) {
			size_t o = (size_t)i * cs + (size_t)ch * hw;
			for (size_t j = 0; j < hw; j++) {
				sg += dout[o + j];
				sgx += dout[o + j] * ((in[o + j] - mu) * r);
			}
		}
		if (dbeta)
			dbeta[ch] += (float)sg;
		if (dgamma)
			dgamma[ch] += (float)sgx;
		double k = (gamma ? gamma[ch] : 1.0) * r;
		double mg = sg / cnt, mgx = sgx / cnt;
		for (int i = 0; i < s->n; i++) {
			size_t o = (size_t)i * cs + (size_t)ch * hw;
			for (size_t j = 0; j < hw; j++) {
				double xh = (in[o + j] - mu) * r;
				din[o + j] = (float)(k * (dout[o + j] - mg - xh * mgx));
			}
		}
	}
}
