/* batchnorm.c - batch normalisation forward (train and eval) and backward on
 * (n, c, hw) tensors, PyTorch semantics. Per-channel sums are taken in double
 * with two passes (mean, then squared deviations) for accuracy; blocks of
 * channels are split over the threads (par.h), sums run in 8 independent
 * lanes. A ReLU or LeakyReLU after the batch norm may be fused (BnShape.act):
 * applied as the output is written, and its mask as dout is read, which
 * saves that layer's read and write of the tensor each way. */
#include <math.h>
#include <stddef.h>

#include "activation.h"
#include "batchnorm.h"
#include "par.h"

/* Lanes of the unrolled double sums; the most channels per block of
 * BatchNorm2d, and the channels per block of BatchNorm1d (1 KiB of each
 * example's row: the blocks' rows are read whole, not 256 B at a time). */
#define LANES 8
#define CBLOCK 64
#define CBLOCK1D 256

/* The functions that take the fused activation act (BnShape.act) as a
 * constant of their caller: always inlined, so each kind's loops are
 * compiled for it (gcc -O2 does not unswitch loops), and none reads the
 * output for BN_ACT_NONE. The widest block of channels (nChw16c;
 * BnShape.blk is 8 or 16) likewise takes its width B as a constant. */
#define BN_INLINE static inline __attribute__((always_inline))
#define BLK_MAX 16

/* The fused activation of v (activation.h's element functions). */
BN_INLINE float act_y(int act, float alpha, float v)
{
	if (act == BN_ACT_RELU)
		return act_relu(v);
	return act == BN_ACT_LEAKY ? act_leaky(v, alpha) : v;
}

/* The gradient g of the activation's output y taken back through it, as
 * activation.c's backward does in place (from the output's sign). */
BN_INLINE float act_g(int act, float alpha, float y, float g)
{
	if (act == BN_ACT_RELU)
		return act_relu_grad(y, g);
	return act == BN_ACT_LEAKY ? act_leaky_grad(y, g, alpha) : g;
}

/* Calls F(args..., act) with s->act as a constant. */
#define WITH_ACT(s, F, ...)                                                      \
	do {                                                                     \
		if ((s)->act == BN_ACT_RELU)                                     \
			F(__VA_ARGS__, BN_ACT_RELU);                             \
		else if ((s)->act == BN_ACT_LEAKY)                               \
			F(__VA_ARGS__, BN_ACT_LEAKY);                            \
		else                                                             \
			F(__VA_ARGS__, BN_ACT_NONE);                             \
	} while (0)

/* Sum of p[j] (a == 0) or of (p[j] - a)^2 (sq) over j < len, in double. */
static double sum_seg(const float *p, size_t len, double a, int sq)
{
	double acc[LANES] = { 0 };
	size_t j = 0;
	if (sq)
		for (; j + LANES <= len; j += LANES)
			for (int l = 0; l < LANES; l++) {
				double d = p[j + l] - a;
				acc[l] += d * d;
			}
	else
		for (; j + LANES <= len; j += LANES)
			for (int l = 0; l < LANES; l++)
				acc[l] += p[j + l];
	for (; j < len; j++) {
		double d = p[j] - a;
		acc[0] += sq ? d * d : p[j];
	}
	double t = 0;
	for (int l = 0; l < LANES; l++)
		t += acc[l];
	return t;
}

/* BatchNorm1d (hw = 1): mean and biased variance of channels [c0, c0 + cb)
 * of in (n, c), cb <= CBLOCK1D, summed over n in order. */
static void column_stats(const float *in, const BnShape *s, int c0, int cb,
			 double *mean, double *var)
{
	double sum[CBLOCK1D] = { 0 }, sq[CBLOCK1D] = { 0 }, cnt = (double)s->n;
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * s->c + c0;
		PAR_SIMD
		for (int j = 0; j < cb; j++)
			sum[j] += p[j];
	}
	for (int j = 0; j < cb; j++)
		mean[j] = sum[j] / cnt;
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * s->c + c0;
		PAR_SIMD
		for (int j = 0; j < cb; j++) {
			double d = p[j] - mean[j];
			sq[j] += d * d;
		}
	}
	for (int j = 0; j < cb; j++)
		var[j] = sq[j] / cnt;
}

/* out[:, ch, :] = act(in[:, ch, :] * a + b) for one channel of (n, c, hw). */
BN_INLINE void channel_affine(float *out, const float *in, const BnShape *s, int ch,
			      float a, float b, int act)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw;
	float al = s->alpha;
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * cs + (size_t)ch * hw;
		PAR_SIMD
		for (size_t j = 0; j < hw; j++)
			out[o + j] = act_y(act, al, in[o + j] * a + b);
	}
}

/* Scale a and shift b of channel ch from its statistics; running update. */
static void channel_finish(float *mean, float *rstd, float *run_mean, float *run_var,
			   const float *gamma, const float *beta, const BnShape *s,
			   int ch, double mu, double var, float *a, float *b)
{
	double cnt = (double)s->n * (double)s->hw, m = s->momentum;
	double inv = 1.0 / sqrt(var + (double)s->eps);
	mean[ch] = (float)mu;
	rstd[ch] = (float)inv;
	double g = gamma ? gamma[ch] : 1.0, be = beta ? beta[ch] : 0.0;
	*a = (float)(inv * g);
	*b = (float)(be - mu * *a);
	if (run_mean)
		run_mean[ch] = (float)((1 - m) * run_mean[ch] + m * mu);
	if (run_var && cnt > 1)
		run_var[ch] = (float)((1 - m) * run_var[ch] + m * var * cnt / (cnt - 1));
}

/* BatchNorm1d forward of channels [c0, c0 + cb) (see below). */
BN_INLINE void columns_forward(float *out, float *mean, float *rstd, float *run_mean,
			       float *run_var, const float *in, const float *gamma,
			       const float *beta, const BnShape *s, int c0, int cb, int act)
{
	float al = s->alpha;
	double mu[CBLOCK1D], var[CBLOCK1D];
	float a[CBLOCK1D], b[CBLOCK1D];
	column_stats(in, s, c0, cb, mu, var);
	for (int j = 0; j < cb; j++)
		channel_finish(mean, rstd, run_mean, run_var, gamma, beta, s, c0 + j,
			       mu[j], var[j], &a[j], &b[j]);
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * s->c + c0;
		PAR_SIMD
		for (int j = 0; j < cb; j++)
			out[o + j] = act_y(act, al, in[o + j] * a[j] + b[j]);
	}
}

/* Channels per block of BatchNorm2d: at least 16 blocks where there are
 * channels for them (the threads take blocks one at a time), at most CBLOCK. */
static int plane_block(int c)
{
	int cb = (c + 15) / 16;
	return cb > CBLOCK ? CBLOCK : cb;
}

/* BatchNorm2d forward of channels [c0, c0 + cb), cb <= CBLOCK: each pass
 * walks the examples in order and, within one, the block's cb planes where
 * they lie side by side in memory (one channel at a time, a pass would
 * jump a whole example's planes every hw floats). Each channel's sums add
 * its segments in example order, as one channel at a time would. */
BN_INLINE void planes_forward(float *out, float *mean, float *rstd, float *run_mean,
			      float *run_var, const float *in, const float *gamma,
			      const float *beta, const BnShape *s, int c0, int cb, int act)
{
	float al = s->alpha;
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw, base = (size_t)c0 * hw;
	double sum[CBLOCK] = { 0 }, sq[CBLOCK] = { 0 }, mu[CBLOCK];
	double cnt = (double)s->n * (double)s->hw;
	float a[CBLOCK], b[CBLOCK];
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * cs + base;
		for (int j = 0; j < cb; j++)
			sum[j] += sum_seg(p + (size_t)j * hw, hw, 0, 0);
	}
	for (int j = 0; j < cb; j++)
		mu[j] = sum[j] / cnt;
	for (int i = 0; i < s->n; i++) {
		const float *p = in + (size_t)i * cs + base;
		for (int j = 0; j < cb; j++)
			sq[j] += sum_seg(p + (size_t)j * hw, hw, mu[j], 1);
	}
	for (int j = 0; j < cb; j++)
		channel_finish(mean, rstd, run_mean, run_var, gamma, beta, s, c0 + j, mu[j],
			       sq[j] / cnt, &a[j], &b[j]);
	for (int i = 0; i < s->n; i++)
		for (int j = 0; j < cb; j++) {
			size_t o = (size_t)i * cs + base + (size_t)j * hw;
			float aj = a[j], bj = b[j];
			PAR_SIMD
			for (size_t q = 0; q < hw; q++)
				out[o + q] = act_y(act, al, in[o + q] * aj + bj);
		}
}

/* The floats of block cb of example e in the nChw<B>c layout. */
BN_INLINE size_t blk_at(const BnShape *s, int e, int cb, int B)
{
	return ((size_t)e * (size_t)(s->c / B) + (size_t)cb) * (size_t)s->hw * (size_t)B;
}

/* The plane of channel ch of example e in the plain layout. */
static size_t plane_at(const BnShape *s, int e, int ch)
{
	return ((size_t)e * (size_t)s->c + (size_t)ch) * (size_t)s->hw;
}

/* out = act(in a + b) per channel of block cb: in in nChw<B>c, out in
 * nChw<B>c or (s->plain_y) plain. */
BN_INLINE void block_apply(float *out, const float *in, const BnShape *s, int cb,
			   const float *a, const float *b, int B, int act)
{
	size_t len = (size_t)s->hw * B;
	float alpha = s->alpha;
	for (int e = 0; e < s->n; e++) {
		size_t o = blk_at(s, e, cb, B);
		if (s->plain_y) {
			for (int l = 0; l < B; l++) {
				float *y = out + plane_at(s, e, cb * B + l);
				const float *x = in + o + l;
				float al = a[l], bl = b[l];
				PAR_SIMD
				for (int q = 0; q < s->hw; q++)
					y[q] = act_y(act, alpha, x[(size_t)q * B] * al + bl);
			}
			continue;
		}
		for (size_t q = 0; q < len; q += B)
			PAR_SIMD
			for (int l = 0; l < B; l++)
				out[o + q + l] = act_y(act, alpha, in[o + q + l] * a[l] + b[l]);
	}
}

/* BatchNorm2d forward of channel block cb (B channels) in the nChw<B>c
 * layout: each channel's sums (in double, over examples in order, each
 * example's positions in order) side by side in B lanes, then as
 * planes_forward. Not the plain layout's bits (its sums add 8-lane partial
 * sums of each plane). */
BN_INLINE void block_forward(float *out, float *mean, float *rstd, float *run_mean,
			     float *run_var, const float *in, const float *gamma,
			     const float *beta, const BnShape *s, int cb, int B, int act)
{
	double sum[BLK_MAX] = { 0 }, sq[BLK_MAX] = { 0 }, mu[BLK_MAX];
	double cnt = (double)s->n * (double)s->hw;
	float a[BLK_MAX], b[BLK_MAX];
	size_t len = (size_t)s->hw * B;
	for (int e = 0; e < s->n; e++) {
		const float *p = in + blk_at(s, e, cb, B);
		for (size_t q = 0; q < len; q += B)
			for (int l = 0; l < B; l++)
				sum[l] += p[q + l];
	}
	for (int l = 0; l < B; l++)
		mu[l] = sum[l] / cnt;
	for (int e = 0; e < s->n; e++) {
		const float *p = in + blk_at(s, e, cb, B);
		for (size_t q = 0; q < len; q += B)
			for (int l = 0; l < B; l++) {
				double d = p[q + l] - mu[l];
				sq[l] += d * d;
			}
	}
	for (int l = 0; l < B; l++)
		channel_finish(mean, rstd, run_mean, run_var, gamma, beta, s, cb * B + l, mu[l],
			       sq[l] / cnt, &a[l], &b[l]);
	block_apply(out, in, s, cb, a, b, B, act);
}

/* BatchNorm2d backward of channel block cb in the nChw<B>c layout (the sums
 * as block_forward's, the rest as planes_backward). */
BN_INLINE void block_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			      const float *out, const float *in, const float *mean,
			      const float *rstd, const float *gamma, const BnShape *s, int cb,
			      int B, int act)
{
	float al = s->alpha;
	double cnt = (double)s->n * (double)s->hw;
	double sg[BLK_MAX] = { 0 }, sgx[BLK_MAX] = { 0 }, mu[BLK_MAX], r[BLK_MAX], k[BLK_MAX], mg[BLK_MAX], mgx[BLK_MAX];
	size_t len = (size_t)s->hw * B;
	for (int l = 0; l < B; l++)
		mu[l] = mean[cb * B + l], r[l] = rstd[cb * B + l];
	for (int e = 0; e < s->n; e++) {
		size_t o = blk_at(s, e, cb, B);
		const float *g = dout + o, *x = in + o, *y = out + o;
		if (s->plain_y) {
			/* dout plain: lane l's plane, each lane's sums in the same order */
			const float *gp = dout + plane_at(s, e, cb * B);
			const float *yp = out + plane_at(s, e, cb * B);
			for (int q = 0; q < s->hw; q++)
				PAR_SIMD
				for (int l = 0; l < B; l++) {
					size_t j = (size_t)l * s->hw + q;
					float gl = act_g(act, al, yp[j], gp[j]);
					sg[l] += gl;
					sgx[l] += gl * ((x[(size_t)q * B + l] - mu[l]) * r[l]);
				}
			continue;
		}
		for (size_t q = 0; q < len; q += B)
			for (int l = 0; l < B; l++) {
				float gl = act_g(act, al, y[q + l], g[q + l]);
				sg[l] += gl;
				sgx[l] += gl * ((x[q + l] - mu[l]) * r[l]);
			}
	}
	for (int l = 0; l < B; l++) {
		int ch = cb * B + l;
		if (dbeta)
			dbeta[ch] += (float)sg[l];
		if (dgamma)
			dgamma[ch] += (float)sgx[l];
		k[l] = (gamma ? gamma[ch] : 1.0) * rstd[ch];
		mg[l] = sg[l] / cnt;
		mgx[l] = sgx[l] / cnt;
	}
	for (int e = 0; e < s->n; e++) {
		size_t o = blk_at(s, e, cb, B);
		const float *g = dout + o, *x = in + o, *y = out + o;
		float *d = din + o;
		if (s->plain_y) {
			const float *gp = dout + plane_at(s, e, cb * B);
			const float *yp = out + plane_at(s, e, cb * B);
			for (int q = 0; q < s->hw; q++)
				PAR_SIMD
				for (int l = 0; l < B; l++) {
					size_t i = (size_t)q * B + l, j = (size_t)l * s->hw + q;
					double xh = (x[i] - mu[l]) * r[l];
					float gl = act_g(act, al, yp[j], gp[j]);
					d[i] = (float)(k[l] * (gl - mg[l] - xh * mgx[l]));
				}
			continue;
		}
		for (size_t q = 0; q < len; q += B)
			PAR_SIMD
			for (int l = 0; l < B; l++) {
				double xh = (x[q + l] - mu[l]) * r[l];
				float gl = act_g(act, al, y[q + l], g[q + l]);
				d[q + l] = (float)(k[l] * (gl - mg[l] - xh * mgx[l]));
			}
	}
}

/* out, in (n, c, hw); mean, rstd, run_mean, run_var, gamma, beta (c).
 * gamma / beta NULL mean 1 / 0 (affine=False); run_* NULL skip the update.
 * The running variance is updated only when n*hw > 1 (it needs n*hw - 1). */
void batchnorm_forward_train(float *out, float *mean, float *rstd,
			     float *run_mean, float *run_var, const float *in,
			     const float *gamma, const float *beta, const BnShape *s)
{
	int big = (size_t)s->n * s->c * s->hw >= PAR_GRAIN;
	if (s->blk) {
		int nb = s->c / s->blk;
		PAR_FOR(big && nb > 1)
		for (int cb = 0; cb < nb; cb++)
			if (s->blk == BLK_MAX)
				WITH_ACT(s, block_forward, out, mean, rstd, run_mean, run_var, in,
					 gamma, beta, s, cb, BLK_MAX);
			else
				WITH_ACT(s, block_forward, out, mean, rstd, run_mean, run_var, in,
					 gamma, beta, s, cb, BLK_MAX / 2);
		return;
	}
	if (s->hw == 1) {
		int blocks = (s->c + CBLOCK1D - 1) / CBLOCK1D;
		PAR_FOR(big && blocks > 1)
		for (int bl = 0; bl < blocks; bl++) {
			int c0 = bl * CBLOCK1D, cb = s->c - c0 < CBLOCK1D ? s->c - c0 : CBLOCK1D;
			WITH_ACT(s, columns_forward, out, mean, rstd, run_mean, run_var, in, gamma,
				 beta, s, c0, cb);
		}
		return;
	}
	int per = plane_block(s->c), blocks = (s->c + per - 1) / per;
	PAR_FOR(big && blocks > 1)
	for (int bl = 0; bl < blocks; bl++) {
		int c0 = bl * per, cb = s->c - c0 < per ? s->c - c0 : per;
		WITH_ACT(s, planes_forward, out, mean, rstd, run_mean, run_var, in, gamma, beta, s,
			 c0, cb);
	}
}

/* out, in (n, c, hw); gamma, beta (NULL: 1, 0), run_mean, run_var (c). */
void batchnorm_forward_eval(float *out, const float *in, const float *gamma,
			    const float *beta, const float *run_mean,
			    const float *run_var, const BnShape *s)
{
	if (s->blk) {
		int nb = s->c / s->blk, B = s->blk;
		PAR_FOR((size_t)s->n * s->c * s->hw >= PAR_GRAIN && nb > 1)
		for (int cb = 0; cb < nb; cb++) {
			float a[BLK_MAX], b[BLK_MAX];
			for (int l = 0; l < B; l++) {
				int ch = cb * B + l;
				double inv = 1.0 / sqrt((double)run_var[ch] + (double)s->eps);
				double g = gamma ? gamma[ch] : 1.0, be = beta ? beta[ch] : 0.0;
				a[l] = (float)(inv * g);
				b[l] = (float)(be - run_mean[ch] * (double)a[l]);
			}
			if (B == BLK_MAX)
				WITH_ACT(s, block_apply, out, in, s, cb, a, b, BLK_MAX);
			else
				WITH_ACT(s, block_apply, out, in, s, cb, a, b, BLK_MAX / 2);
		}
		return;
	}
	PAR_FOR((size_t)s->n * s->c * s->hw >= PAR_GRAIN && s->c > 1)
	for (int ch = 0; ch < s->c; ch++) {
		double inv = 1.0 / sqrt((double)run_var[ch] + (double)s->eps);
		double g = gamma ? gamma[ch] : 1.0, b = beta ? beta[ch] : 0.0;
		float a = (float)(inv * g);
		WITH_ACT(s, channel_affine, out, in, s, ch, a, (float)(b - run_mean[ch] * (double)a));
	}
}

/* Sums of g[j] and g[j] * (x[j] - mu) r over j < len, in double, g taken
 * back through the fused activation of output y. */
BN_INLINE void grad_sums(const float *g, const float *y, const float *x, size_t len,
			 double mu, double r, double *sg, double *sgx, float al, int act)
{
	double a[LANES] = { 0 }, b[LANES] = { 0 };
	size_t j = 0;
	for (; j + LANES <= len; j += LANES)
		for (int l = 0; l < LANES; l++) {
			float gj = act_g(act, al, y[j + l], g[j + l]);
			a[l] += gj;
			b[l] += gj * ((x[j + l] - mu) * r);
		}
	for (; j < len; j++) {
		float gj = act_g(act, al, y[j], g[j]);
		a[0] += gj;
		b[0] += gj * ((x[j] - mu) * r);
	}
	for (int l = 0; l < LANES; l++) {
		*sg += a[l];
		*sgx += b[l];
	}
}

/* din[j] = k (dout[j] - mg - (x[j] - mu) r mgx) for j < len (dout as
 * grad_sums takes it). */
BN_INLINE void grad_apply(float *din, const float *dout, const float *y, const float *x,
			  size_t len, double mu, double r, double k, double mg, double mgx,
			  float al, int act)
{
	PAR_SIMD
	for (size_t j = 0; j < len; j++) {
		double xh = (x[j] - mu) * r;
		din[j] = (float)(k * (act_g(act, al, y[j], dout[j]) - mg - xh * mgx));
	}
}

/* BatchNorm2d backward of channels [c0, c0 + cb), cb <= CBLOCK, in the
 * memory order of planes_forward; each channel's sums add its segments in
 * example order, as one channel at a time would. */
BN_INLINE void planes_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			       const float *out, const float *in, const float *mean,
			       const float *rstd, const float *gamma, const BnShape *s, int c0,
			       int cb, int act)
{
	size_t hw = (size_t)s->hw, cs = (size_t)s->c * hw, base = (size_t)c0 * hw;
	double cnt = (double)s->n * (double)s->hw;
	double sg[CBLOCK] = { 0 }, sgx[CBLOCK] = { 0 }, k[CBLOCK];
	for (int i = 0; i < s->n; i++)
		for (int j = 0; j < cb; j++) {
			size_t o = (size_t)i * cs + base + (size_t)j * hw;
			grad_sums(dout + o, out + o, in + o, hw, mean[c0 + j], rstd[c0 + j], &sg[j],
				  &sgx[j], s->alpha, act);
		}
	for (int j = 0; j < cb; j++) {
		int ch = c0 + j;
		if (dbeta)
			dbeta[ch] += (float)sg[j];
		if (dgamma)
			dgamma[ch] += (float)sgx[j];
		k[j] = (gamma ? gamma[ch] : 1.0) * rstd[ch];
	}
	for (int i = 0; i < s->n; i++)
		for (int j = 0; j < cb; j++) {
			size_t o = (size_t)i * cs + base + (size_t)j * hw;
			grad_apply(din + o, dout + o, out + o, in + o, hw, mean[c0 + j], rstd[c0 + j],
				   k[j], sg[j] / cnt, sgx[j] / cnt, s->alpha, act);
		}
}

/* BatchNorm1d backward of channels [c0, c0 + cb), summed over n in order. */
BN_INLINE void columns_backward(float *din, float *dgamma, float *dbeta, const float *dout,
				const float *out, const float *in, const float *mean,
				const float *rstd, const float *gamma, const BnShape *s, int c0,
				int cb, int act)
{
	double sg[CBLOCK1D] = { 0 }, sgx[CBLOCK1D] = { 0 }, k[CBLOCK1D], cnt = (double)s->n;
	float al = s->alpha;
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * s->c + c0;
		PAR_SIMD
		for (int j = 0; j < cb; j++)
			sg[j] += act_g(act, al, out[o + j], dout[o + j]);
		PAR_SIMD
		for (int j = 0; j < cb; j++)
			sgx[j] += act_g(act, al, out[o + j], dout[o + j]) *
				  ((in[o + j] - (double)mean[c0 + j]) * rstd[c0 + j]);
	}
	for (int j = 0; j < cb; j++) {
		if (dbeta)
			dbeta[c0 + j] += (float)sg[j];
		if (dgamma)
			dgamma[c0 + j] += (float)sgx[j];
		k[j] = (gamma ? gamma[c0 + j] : 1.0) * rstd[c0 + j];
		sg[j] /= cnt;
		sgx[j] /= cnt;
	}
	for (int i = 0; i < s->n; i++) {
		size_t o = (size_t)i * s->c + c0;
		PAR_SIMD
		for (int j = 0; j < cb; j++) {
			double xh = (in[o + j] - (double)mean[c0 + j]) * rstd[c0 + j];
			float g = act_g(act, al, out[o + j], dout[o + j]);
			din[o + j] = (float)(k[j] * (g - sg[j] - xh * sgx[j]));
		}
	}
}

/* din, dout, in (n, c, hw); dgamma, dbeta, mean, rstd, gamma (c).
 * With xh = (x - mean) rstd and N = n*hw per channel:
 * dbeta += sum dout; dgamma += sum dout xh;
 * din = gamma rstd (dout - sum(dout)/N - xh sum(dout xh)/N); with s->act,
 * dout there is the given dout taken back through the activation of out. */
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			const float *out, const float *in, const float *mean,
			const float *rstd, const float *gamma, const BnShape *s)
{
	int big = (size_t)s->n * s->c * s->hw >= PAR_GRAIN;
	/* Without an activation out's values are never used, but unoptimised
	 * builds still form its addresses and load through them (act_g's
	 * argument): a tensor of the same layout stands in for NULL. */
	if (!out)
		out = dout;
	if (s->blk) {
		int nb = s->c / s->blk;
		PAR_FOR(big && nb > 1)
		for (int cb = 0; cb < nb; cb++)
			if (s->blk == BLK_MAX)
				WITH_ACT(s, block_backward, din, dgamma, dbeta, dout, out, in, mean,
					 rstd, gamma, s, cb, BLK_MAX);
			else
				WITH_ACT(s, block_backward, din, dgamma, dbeta, dout, out, in, mean,
					 rstd, gamma, s, cb, BLK_MAX / 2);
		return;
	}
	if (s->hw == 1) {
		int blocks = (s->c + CBLOCK1D - 1) / CBLOCK1D;
		PAR_FOR(big && blocks > 1)
		for (int bl = 0; bl < blocks; bl++) {
			int c0 = bl * CBLOCK1D, cb = s->c - c0 < CBLOCK1D ? s->c - c0 : CBLOCK1D;
			WITH_ACT(s, columns_backward, din, dgamma, dbeta, dout, out, in, mean, rstd,
				 gamma, s, c0, cb);
		}
		return;
	}
	int per = plane_block(s->c), blocks = (s->c + per - 1) / per;
	PAR_FOR(big && blocks > 1)
	for (int bl = 0; bl < blocks; bl++) {
		int c0 = bl * per, cb = s->c - c0 < per ? s->c - c0 : per;
		WITH_ACT(s, planes_backward, din, dgamma, dbeta, dout, out, in, mean, rstd, gamma, s,
			 c0, cb);
	}
}
