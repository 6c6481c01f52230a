/* activation.h - element-wise activations and their derivatives. */
#ifndef GAN_ACTIVATION_H
#define GAN_ACTIVATION_H

#include <stddef.h>

typedef enum { ACT_RELU, ACT_LEAKY_RELU, ACT_TANH, ACT_SIGMOID, ACT_SOFTPLUS } ActKind;

/* out = f(in), n elements; out may alias in. alpha: leaky slope.
 * Softplus is PyTorch's (beta 1, threshold 20). */
void act_forward(ActKind k, float alpha, float *out, const float *in, size_t n);
/* din = dout * f'(x), given both in (x) and out (f(x)); din may alias dout. */
void act_backward(ActKind k, float alpha, float *din, const float *dout,
		  const float *in, const float *out, size_t n);

/* ReLU and LeakyReLU of one element, and the gradient g taken back through
 * them where x was the input (or the output: the same sign for alpha >= 0):
 * PyTorch's derivative 0 / alpha at x <= 0. Shared by act_forward and
 * act_backward and by batch norm's fused activation (batchnorm.h), so
 * that the two give the same bits. */
static inline float act_relu(float x)
{
	return x > 0 ? x : 0.0f;
}

static inline float act_leaky(float x, float alpha)
{
	float y = x * alpha;
	return x > 0 ? x : y;
}

static inline float act_relu_grad(float x, float g)
{
	return x > 0 ? g : 0.0f;
}

static inline float act_leaky_grad(float x, float g, float alpha)
{
	float ga = g * alpha;
	return x > 0 ? g : ga;
}

#endif
