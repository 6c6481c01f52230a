/* optim.h - optimisers: Adam with PyTorch's exact update, plain SGD, and
 * TensorFlow's staircase exponential learning-rate decay. */
#ifndef GAN_OPTIM_H
#define GAN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct { float lr, beta1, beta2, eps; } AdamCfg;

/* torch.optim.Adam (1.13, single tensor): m = b1 m + (1-b1) g;
 * v = b2 v + (1-b2) g^2; step_size = lr / (1 - b1^t);
 * denom = sqrt(v) / sqrt(1 - b2^t) + eps; p -= step_size * m / denom.
 * t >= 1 is the step number after increment. Bias corrections in double. */
void adam_step(float *p, const float *g, float *m, float *v, size_t n,
	       const AdamCfg *c, int64_t t);
void sgd_step(float *p, const float *g, size_t n, float lr);
/* lr0 * decay^floor(step / every); every <= 0 means no decay. */
float lr_staircase(float lr0, float decay, int64_t every, int64_t step);

#endif
