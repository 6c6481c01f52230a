/* init.h - parameter initialisers drawing from the Philox generator. */
#ifndef GAN_INIT_H
#define GAN_INIT_H

#include <stddef.h>
#include "rng.h"

void init_normal(Rng *r, float *p, size_t n, float mean, float std);
void init_uniform(Rng *r, float *p, size_t n, float lo, float hi);
void init_const(float *p, size_t n, float v);
/* PyTorch's default for Linear/Conv/ConvTranspose weights and biases:
 * kaiming_uniform(a = sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and
 * the bias uses the same bound. fan_in = dim1 * k * k of the weight tensor
 * (for ConvTranspose that is cout * k * k, as PyTorch computes it). */
float init_pytorch_bound(int fan_in);

#endif
