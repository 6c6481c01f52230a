/* optim.c - parameter updates: Adam reproducing torch.optim.Adam 1.13's
 * single-tensor path operation by operation (scalars in double as Python
 * floats, tensor arithmetic in float), plain SGD, staircase lr decay. */
#include <math.h>
#include "optim.h"

/* p, g, m, v (n); t >= 1 is the step count after increment. */
void adam_step(float *p, const float *g, float *m, float *v, size_t n,
	       const AdamCfg *c, int64_t t)
{
	double bc1 = 1.0 - pow(c->beta1, (double)t);
	double bc2 = 1.0 - pow(c->beta2, (double)t);
	float b1 = (float)c->beta1, b2 = (float)c->beta2;
	float a1 = (float)(1.0 - c->beta1), a2 = (float)(1.0 - c->beta2);
	float step = (float)(-(c->lr / bc1));
	float bc2s = (float)sqrt(bc2);
	float eps = (float)c->eps;
	for (size_t i = 0; i < n; i++) {
		float gi = g[i];
		/* PyTorch's AVX2 kernels (and their gcc-contracted scalar tails)
		 * fuse add(alpha) and addcmul into one fma; addcdiv is
		 * self + (value * t1) / t2. */
		float mi = fmaf(gi, a1, m[i] * b1);
		float vi = fmaf(a2 * gi, gi, v[i] * b2);
		float denom = sqrtf(vi) / bc2s + eps;
		p[i] = p[i] + (step * mi) / denom;
		m[i] = mi;
		v[i] = vi;
	}
}

/* p (n) -= lr * g (n), as SGD without momentum: p.add_(g, alpha=-lr),
 * one fma per element as in PyTorch's kernel. */
void sgd_step(float *p, const float *g, size_t n, float lr)
{
	float a = -lr;
	for (size_t i = 0; i < n; i++)
		p[i] = fmaf(g[i], a, p[i]);
}

/* tf.train.exponential_decay(staircase=True), in float as TensorFlow's
 * float32 graph computes it; negative steps count as 0. */
float lr_staircase(float lr0, float decay, int64_t every, int64_t step)
{
	if (every <= 0 || step <= 0)
		return lr0;
	return lr0 * powf(decay, (float)(step / every));
}
