/* activation.c - element-wise activations (ReLU, LeakyReLU, tanh, sigmoid,
 * softplus) and their derivatives, with PyTorch's CPU semantics: ReLU and
 * LeakyReLU have derivative 0 / alpha at x <= 0; softplus has threshold 20.
 * One branch-free loop per kind, chunks split over the threads (par.h);
 * tanh and sigmoid from vmath.h (within 3 ulp of glibc's, vectorised). */
#include <math.h>

#include "activation.h"
#include "par.h"
#include "vmath.h"

#define SOFTPLUS_THRESHOLD 20.0f
/* Elements per chunk handed to a thread. */
#define CHUNK 65536

/* out (n) = f(in (n)) on one chunk; out may alias in. */
static void fwd_chunk(ActKind k, float alpha, float *out, const float *in, size_t n)
{
	switch (k) {
	case ACT_RELU:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = act_relu(in[i]);
		break;
	case ACT_LEAKY_RELU:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = act_leaky(in[i], alpha);
		break;
	case ACT_TANH:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = vm_tanhf(in[i]);
		break;
	case ACT_SIGMOID:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = vm_sigmoidf(in[i]);
		break;
	case ACT_SOFTPLUS:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] > SOFTPLUS_THRESHOLD ? in[i] : log1pf(expf(in[i]));
		break;
	}
}

/* din (n) = dout (n) * f'(x) on one chunk; din may alias dout. */
static void bwd_chunk(ActKind k, float alpha, float *din, const float *dout,
		      const float *in, const float *out, size_t n)
{
	switch (k) {
	case ACT_RELU:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] = act_relu_grad(in[i], dout[i]);
		break;
	case ACT_LEAKY_RELU:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] = act_leaky_grad(in[i], dout[i], alpha);
		break;
	case ACT_TANH:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] = dout[i] * (1.0f - out[i] * out[i]);
		break;
	case ACT_SIGMOID:
		PAR_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] = dout[i] * (1.0f - out[i]) * out[i];
		break;
	case ACT_SOFTPLUS:
		PAR_SIMD
		for (size_t i = 0; i < n; i++) {
			float z = expf(in[i]);
			din[i] = in[i] > SOFTPLUS_THRESHOLD ? dout[i] : dout[i] * z / (z + 1.0f);
		}
		break;
	}
}

/* out (n) = f(in (n)); out may alias in. */
void act_forward(ActKind k, float alpha, float *out, const float *in, size_t n)
{
	if (n < 2 * PAR_GRAIN) {
		/* Serial below the threshold (PAR_FOR in par.h): at 2 * PAR_GRAIN,
		 * dcgan-mnist's 401 K-element layers split, 1.5 % faster than 4 *. */
		fwd_chunk(k, alpha, out, in, n);
		return;
	}
	long chunks = (long)((n + CHUNK - 1) / CHUNK);
	PAR_FOR(1)
	for (long c = 0; c < chunks; c++) {
		size_t lo = (size_t)c * CHUNK, len = n - lo < CHUNK ? n - lo : CHUNK;
		fwd_chunk(k, alpha, out + lo, in + lo, len);
	}
}

/* din (n) = dout (n) * f'(x); x = in, f(x) = out; din may alias dout.
 * NaN inputs propagate as PyTorch's do for tanh, sigmoid and softplus. */
void act_backward(ActKind k, float alpha, float *din, const float *dout,
		  const float *in, const float *out, size_t n)
{
	if (n < 2 * PAR_GRAIN) {
		bwd_chunk(k, alpha, din, dout, in, out, n);
		return;
	}
	long chunks = (long)((n + CHUNK - 1) / CHUNK);
	PAR_FOR(1)
	for (long c = 0; c < chunks; c++) {
		size_t lo = (size_t)c * CHUNK, len = n - lo < CHUNK ? n - lo : CHUNK;
		bwd_chunk(k, alpha, din + lo, dout + lo, in + lo, out + lo, len);
	}
}
