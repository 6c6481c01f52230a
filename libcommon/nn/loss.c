/* loss.c - the GAN losses: binary cross-entropy on logits (stable form) and
 * on probabilities (PyTorch's log clamp at -100 and gradient clamp at 1e-12),
 * and mean-squared error for gan-intro's D pre-training. */
#include <math.h>
#include "loss.h"
#include "par.h"
#include "vmath.h"

#define BCE_LOG_MIN (-100.0)
#define BCE_GRAD_EPS 1e-12f

/* Elements per pass of the vectorised loops below. */
#define LOSS_BLOCK 64

/* max(x, 0) - x y + log1p(exp(-|x|)) in float, as PyTorch forms it, summed
 * in double; gradient sigmoid(x) - y. Per block: the element losses in one
 * vectorised loop, their sum in order, then the gradients. */
static double bce_logits(float *dx, const float *x, float y, int n, float scale)
{
	double sum = 0;
	float l[LOSS_BLOCK];
	for (int i0 = 0; i0 < n; i0 += LOSS_BLOCK) {
		int m = n - i0 < LOSS_BLOCK ? n - i0 : LOSS_BLOCK;
		const float *xs = x + i0;
		PAR_SIMD
		for (int i = 0; i < m; i++) {
			float xi = xs[i];
			l[i] = (xi > 0 ? xi : 0.0f) - xi * y + vm_log1pf_unit(vm_expf(-fabsf(xi)));
		}
		for (int i = 0; i < m; i++)
			sum += l[i];
		if (!dx)
			continue;
		float *d = dx + i0;
		PAR_SIMD
		for (int i = 0; i < m; i++)
			d[i] = (vm_sigmoidf(xs[i]) - y) * scale;
	}
	return sum;
}

/* -(y max(log p, -100) + (1 - y) max(log(1 - p), -100));
 * gradient (p - y) / max((1 - p) p, 1e-12). A p outside [0, 1] (or NaN)
 * gives a NaN loss and NaN gradients. */
static double bce_prob(float *dx, const float *x, float y, int n, float scale)
{
	double sum = 0;
	for (int i = 0; i < n; i++) {
		float p = x[i];
		if (!(p >= 0.0f && p <= 1.0f)) {
			sum = NAN;
			if (dx)
				dx[i] = NAN;
			continue;
		}
		double lp = fmax(log((double)p), BCE_LOG_MIN);
		double lq = fmax(log1p(-(double)p), BCE_LOG_MIN);
		sum += -(y * lp + (1.0 - y) * lq);
		if (dx)
			dx[i] = scale * (p - y) / fmaxf((1.0f - p) * p, BCE_GRAD_EPS);
	}
	return sum;
}

/* x (n) logits or probabilities, constant target y in [0, 1] (NaN loss
 * otherwise); dx (n) or NULL. */
double loss_bce(LossKind k, float *dx, const float *x, float y, int n, float scale)
{
	if (!(y >= 0.0f && y <= 1.0f))
		return NAN;
	if (k == LOSS_BCE_LOGITS)
		return bce_logits(dx, x, y, n, scale);
	return bce_prob(dx, x, y, n, scale);
}

/* x, y, dx (n); dx may be NULL. */
double loss_mse(float *dx, const float *x, const float *y, int n, float scale)
{
	double sum = 0;
	for (int i = 0; i < n; i++) {
		float d = x[i] - y[i];
		sum += (double)d * d;
		if (dx)
			dx[i] = scale * 2.0f * d;
	}
	return sum;
}

double loss_prob_sum(LossKind k, const float *x, int n)
{
	double sum = 0;
	float p[LOSS_BLOCK];
	for (int i0 = 0; i0 < n; i0 += LOSS_BLOCK) {
		int m = n - i0 < LOSS_BLOCK ? n - i0 : LOSS_BLOCK;
		PAR_SIMD
		for (int i = 0; i < m; i++)
			p[i] = loss_prob(k, x[i0 + i]);
		for (int i = 0; i < m; i++)
			sum += p[i];
	}
	return sum;
}

float loss_prob(LossKind k, float x)
{
	return k == LOSS_BCE_LOGITS ? vm_sigmoidf(x) : x;
}
