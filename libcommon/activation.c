/* activation.c - element-wise activations (ReLU, LeakyReLU, tanh, sigmoid,
 * softplus) and their derivatives, with PyTorch's CPU semantics: ReLU and
 * LeakyReLU have derivative 0 / alpha at x <= 0; softplus has threshold 20. */
#include <math.h>
#include "activation.h"

#define SOFTPLUS_THRESHOLD 20.0f

static float sigmoidf(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

/* out (n) = f(in (n)); out may alias in. */
void act_forward(ActKind k, float alpha, float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float x = in[i];
		switch (k) {
		case ACT_RELU: out[i] = x > 0 ? x : 0.0f; break;
		case ACT_LEAKY_RELU: out[i] = x > 0 ? x : x * alpha; break;
		case ACT_TANH: out[i] = tanhf(x); break;
		case ACT_SIGMOID: out[i] = sigmoidf(x); break;
		case ACT_SOFTPLUS:
			out[i] = x > SOFTPLUS_THRESHOLD ? x : log1pf(expf(x));
			break;
		}
	}
}

/* din (n) = dout (n) * f'(x); x = in, f(x) = out; din may alias dout.
 * NaN inputs propagate as PyTorch's do for tanh, sigmoid and softplus. */
void act_backward(ActKind k, float alpha, float *din, const float *dout,
		  const float *in, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		float g = dout[i], x = in[i], y = out[i];
		switch (k) {
		case ACT_RELU: din[i] = x > 0 ? g : 0.0f; break;
		case ACT_LEAKY_RELU: din[i] = x > 0 ? g : g * alpha; break;
		case ACT_TANH: din[i] = g * (1.0f - y * y); break;
		case ACT_SIGMOID: din[i] = g * (1.0f - y) * y; break;
		case ACT_SOFTPLUS: {
			float z = expf(x);
			din[i] = x > SOFTPLUS_THRESHOLD ? g : g * z / (z + 1.0f);
			break;
		}
		}
	}
}
