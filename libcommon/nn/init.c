/* init.c - parameter initialisers over the Philox generator (rng.h):
 * normal, uniform, constant, and PyTorch's default Linear/Conv bound. */
#include <math.h>
#include "init.h"

/* p (n) ~ N(mean, std). */
void init_normal(Rng *r, float *p, size_t n, float mean, float std)
{
	rng_normal(r, p, n, mean, std);
}

/* p (n) ~ U(lo, hi): lo + (hi - lo) u with u in (0, 1). */
void init_uniform(Rng *r, float *p, size_t n, float lo, float hi)
{
	rng_uniform(r, p, n);
	for (size_t i = 0; i < n; i++)
		p[i] = lo + (hi - lo) * p[i];
}

/* p (n) = v. */
void init_const(float *p, size_t n, float v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

/* 1 / sqrt(fan_in); 0 for fan_in <= 0 (PyTorch leaves such tensors alone). */
float init_pytorch_bound(int fan_in)
{
	if (fan_in <= 0)
		return 0.0f;
	return (float)(1.0 / sqrt((double)fan_in));
}
