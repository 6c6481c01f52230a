/* optim.h - optimisers: Adam with PyTorch's exact update, plain SGD, and
 * TensorFlow's staircase exponential learning-rate decay. */
#ifndef GAN_OPTIM_H
#define GAN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

/* Doubles, as Python floats in torch.optim: 1 - beta1 and lr / (1 - b1^t)
 * are formed in double before the cast to float, as PyTorch does. */
typedef struct { double lr, beta1, beta2, eps; } AdamCfg;

/* torch.optim.Adam (1.13, single tensor): m = b1 m + (1-b1) g;
 * v = b2 v + (1-b2) g^2; step_size = lr / (1 - b1^t);
 * denom = sqrt(v) / sqrt(1 - b2^t) + eps; p -= step_size * m / denom.
 * t >= 1 is the step number after increment. Bias corrections in double;
 * the float ops fused as PyTorch's CPU kernels, so results are bit-exact. */
void adam_step(float *p, const float *g, float *m, float *v, size_t n,
	       const AdamCfg *c, int64_t t);
/* p -= lr g (torch.optim.SGD without momentum or weight decay). */
void sgd_step(float *p, const float *g, size_t n, float lr);
/* lr0 * decay^floor(step / every) in float (TensorFlow's staircase
 * exponential_decay); every <= 0 or step <= 0 give lr0. */
float lr_staircase(float lr0, float decay, int64_t every, int64_t step);

#endif
