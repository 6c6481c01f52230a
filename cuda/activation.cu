/* activation.cu - element-wise activations and their derivatives on the GPU
 * (twin of libcommon/nn/activation.c), the same float formulas: ReLU and
 * LeakyReLU derivative 0 / alpha at x <= 0, softplus threshold 20. */
#include "gpu_ops.h"

#define SOFTPLUS_THRESHOLD 20.0f

static __device__ float act_f(ActKind k, float alpha, float x)
{
	switch (k) {
	case ACT_RELU: return x > 0 ? x : 0.0f;
	case ACT_LEAKY_RELU: return x > 0 ? x : x * alpha;
	case ACT_TANH: return tanhf(x);
	case ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
	case ACT_SOFTPLUS: return x > SOFTPLUS_THRESHOLD ? x : log1pf(expf(x));
	}
	return x;
}

/* dout * f'(x) from x and y = f(x). */
static __device__ float act_df(ActKind k, float alpha, float g, float x, float y)
{
	switch (k) {
	case ACT_RELU: return x > 0 ? g : 0.0f;
	case ACT_LEAKY_RELU: return x > 0 ? g : g * alpha;
	case ACT_TANH: return g * (1.0f - y * y);
	case ACT_SIGMOID: return g * (1.0f - y) * y;
	case ACT_SOFTPLUS: {
		float z = expf(x);
		return x > SOFTPLUS_THRESHOLD ? g : g * z / (z + 1.0f);
	}
	}
	return g;
}

static __global__ void act_fwd_kernel(ActKind k, float alpha, float *out, const float *in,
				      size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		out[i] = act_f(k, alpha, in[i]);
}

static __global__ void act_bwd_kernel(ActKind k, float alpha, float *din, const float *dout,
				      const float *in, const float *out, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		din[i] = act_df(k, alpha, dout[i], in[i], out[i]);
}

static int kind_ok(ActKind k, Err *e)
{
	if ((int)k < ACT_RELU || (int)k > ACT_SOFTPLUS)
		return err_set(e, EXIT_BAD, "gpu activation: unknown kind %d", (int)k);
	return 0;
}

int gpu_act_forward(GpuCtx *g, ActKind k, float alpha, float *out, const float *in,
		    size_t n, Err *e)
{
	if (kind_ok(k, e))
		return -1;
	if (n == 0)
		return 0;
	act_fwd_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(k, alpha, out, in, n);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

int gpu_act_backward(GpuCtx *g, ActKind k, float alpha, float *din, const float *dout,
		     const float *in, const float *out, size_t n, Err *e)
{
	if (kind_ok(k, e))
		return -1;
	if (n == 0)
		return 0;
	act_bwd_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(k, alpha, din, dout, in,
								       out, n);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}
