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

#endif
