/* optim.cu - parameter updates on the GPU (twin of libcommon/nn/optim.c):
 * Adam with the bias corrections formed on the host in double exactly as
 * the CPU, and the same float operations per element (IEEE division and
 * sqrt, explicit fmaf), so the update is bit-exact with the CPU's. */
#include <math.h>

#include "gpu_ops.h"

/* The per-step float constants of adam_step. */
typedef struct {
	float b1, b2, a1, a2, step, bc2s, eps;
} AdamK;

static __global__ void adam_kernel(float *p, const float *g, float *m, float *v, size_t n,
				   AdamK k)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x) {
		float gi = g[i];
		float mi = fmaf(gi, k.a1, __fmul_rn(m[i], k.b1));
		float vi = fmaf(__fmul_rn(k.a2, gi), gi, __fmul_rn(v[i], k.b2));
		float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), k.bc2s), k.eps);
		p[i] = __fadd_rn(p[i], __fdiv_rn(__fmul_rn(k.step, mi), denom));
		m[i] = mi;
		v[i] = vi;
	}
}

static __global__ void sgd_kernel(float *p, const float *g, size_t n, float a)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		p[i] = fmaf(g[i], a, p[i]);
}

/* p, grad, m, v (n); t >= 1. The _rn intrinsics keep nvcc from contracting
 * a multiply and an add into an fma the CPU does not do. */
int gpu_adam_step(GpuCtx *g, float *p, const float *grad, float *m, float *v, size_t n,
		  const AdamCfg *c, int64_t t, Err *e)
{
	if (t < 1)
		return err_set(e, EXIT_BAD, "gpu adam: step %lld, expected >= 1", (long long)t);
	if (n == 0)
		return 0;
	double bc1 = 1.0 - pow(c->beta1, (double)t);
	double bc2 = 1.0 - pow(c->beta2, (double)t);
	AdamK k;
	k.b1 = (float)c->beta1;
	k.b2 = (float)c->beta2;
	k.a1 = (float)(1.0 - c->beta1);
	k.a2 = (float)(1.0 - c->beta2);
	k.step = (float)(-(c->lr / bc1));
	k.bc2s = (float)sqrt(bc2);
	k.eps = (float)c->eps;
	adam_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(p, grad, m, v, n, k);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

/* p (n) -= lr grad (n), one fma per element as the CPU. */
int gpu_sgd_step(GpuCtx *g, float *p, const float *grad, size_t n, float lr, Err *e)
{
	if (n == 0)
		return 0;
	sgd_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(p, grad, n, -lr);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}
