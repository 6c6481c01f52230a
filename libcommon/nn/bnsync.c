/* bnsync.c - batch normalisation whose per-channel sums span every process
 * of a data-parallel run (bnsync.h). The same double-precision two-pass
 * statistics as batchnorm.c, split into local sums, a reduction, and the
 * per-element work; one reduction per pass, all channels at once. */
#include <math.h>
#include <string.h>

#include "bnsync.h"
#include "par.h"

/* work[0..n) = the sum over processes, or zeros with y->failed set. */
static void reduce(BnSync *y, double *work, size_t n)
{
	if (!y->failed && y->sum(y->ctx, work, n) == 0)
		return;
	y->failed = 1;
	memset(work, 0, n * sizeof *work);
}

/* Sum over the slice of channel ch of in (n, c, hw): of x (a unused) or of
 * (x - a)^2 when sq. */
static double channel_sum(const float *in, const BnShape *s, int ch, double a, int sq)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	double t = 0;
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * cs + (size_t)ch * hw;
		double acc = 0;
		if (sq)
			for (size_t j = 0; j < hw; j++) {
				double d = p[j] - a;
				acc += d * d;
			}
		else
			for (size_t j = 0; j < hw; j++)
				acc += p[j];
		t += acc;
	}
	return t;
}

/* Saves mean and rstd of channel ch, updates its running statistics from
 * the global mean mu, biased variance var and count cnt; out = a x + b. */
static void channel_apply(float *out, float *mean, float *rstd, float *run_mean,
			  float *run_var, const float *in, const float *gamma,
			  const float *beta, const BnShape *s, int ch, double mu,
			  double var, double cnt)
{
	double m = s->momentum, inv = 1.0 / sqrt(var + (double)s->eps);
	double g = gamma ? gamma[ch] : 1.0, be = beta ? beta[ch] : 0.0;
	float a = (float)(inv * g), b = (float)(be - mu * (double)a);
	mean[ch] = (float)mu;
	rstd[ch] = (float)inv;
	if (run_mean)
		run_mean[ch] = (float)((1 - m) * run_mean[ch] + m * mu);
	if (run_var && cnt > 1)
		run_var[ch] = (float)((1 - m) * run_var[ch] + m * var * cnt / (cnt - 1));
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * cs + (size_t)ch * hw;
		PAR_SIMD
		for (size_t j = 0; j < hw; j++)
			out[o + j] = in[o + j] * a + b;
	}
}

/* out, in (n, c, hw) local; mean, rstd, run_*, gamma, beta (c). */
void bnsync_forward_train(float *out, float *mean, float *rstd, float *run_mean,
			  float *run_var, const float *in, const float *gamma,
			  const float *beta, const BnShape *s, BnSync *y)
{
	double *w = y->work;
	int c = s->c, big = (size_t)s->n * (size_t)c * (size_t)s->hw >= PAR_GRAIN;
	PAR_FOR(big && c > 1)
	for (int ch = 0; ch < c; ch++)
		w[ch] = channel_sum(in, s, ch, 0, 0);
	w[c] = (double)s->n * (double)s->hw;
	reduce(y, w, (size_t)c + 1);
	double cnt = w[c] > 0 ? w[c] : 1;
	PAR_FOR(big && c > 1)
	for (int ch = 0; ch < c; ch++) {
		w[ch] /= cnt;
		w[c + 1 + ch] = channel_sum(in, s, ch, w[ch], 1);
	}
	reduce(y, w + c + 1, (size_t)c);
	PAR_FOR(big && c > 1)
	for (int ch = 0; ch < c; ch++)
		channel_apply(out, mean, rstd, run_mean, run_var, in, gamma, beta, s, ch,
			      w[ch], w[c + 1 + ch] / cnt, cnt);
}

/* Local sums of channel ch: sum dout into *sg, sum dout xhat into *sgx. */
static void grad_sums(const float *dout, const float *in, const BnShape *s, int ch,
		      double mu, double r, double *sg, double *sgx)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	double a = 0, b = 0;
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * cs + (size_t)ch * hw;
		for (size_t j = 0; j < hw; j++) {
			a += dout[o + j];
			b += dout[o + j] * ((in[o + j] - mu) * r);
		}
	}
	*sg = a;
	*sgx = b;
}

/* din of channel ch from the global means mg, mgx of dout and dout xhat. */
static void grad_apply(float *din, const float *dout, const float *in, const BnShape *s,
		       int ch, double mu, double r, double k, double mg, double mgx)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * cs + (size_t)ch * hw;
		PAR_SIMD
		for (size_t j = 0; j < hw; j++) {
			double xh = (in[o + j] - mu) * r;
			din[o + j] = (float)(k * (dout[o + j] - mg - xh * mgx));
		}
	}
}

/* din, dout, in (n, c, hw) local; dgamma, dbeta, mean, rstd, gamma (c). */
void bnsync_backward(float *din, float *dgamma, float *dbeta, const float *dout,
		     const float *in, const float *mean, const float *rstd,
		     const float *gamma, const BnShape *s, BnSync *y)
{
	double *w = y->work;
	int c = s->c, big = (size_t)s->n * (size_t)c * (size_t)s->hw >= PAR_GRAIN;
	PAR_FOR(big && c > 1)
	for (int ch = 0; ch < c; ch++) {
		grad_sums(dout, in, s, ch, mean[ch], rstd[ch], &w[ch], &w[c + ch]);
		if (dbeta)
			dbeta[ch] += (float)w[ch];
		if (dgamma)
			dgamma[ch] += (float)w[c + ch];
	}
	w[2 * c] = (double)s->n * (double)s->hw;
	reduce(y, w, 2 * (size_t)c + 1);
	double cnt = w[2 * c] > 0 ? w[2 * c] : 1;
	PAR_FOR(big && c > 1)
	for (int ch = 0; ch < c; ch++) {
		double k = (gamma ? gamma[ch] : 1.0) * rstd[ch];
		grad_apply(din, dout, in, s, ch, mean[ch], rstd[ch], k, w[ch] / cnt,
			   w[c + ch] / cnt);
	}
}
