/* scale.cu - training batches on the GPU from a data set kept on the
 * device: u8 pixels scaled to [-1, 1] as x / 255 * 2 - 1 in float (as
 * libcommon/engine/epoch.c), and rows gathered by a shuffled index. */
#include "gpu_ops.h"

/* The CPU's (float)u / 255.0f * 2.0f - 1.0f without fma contraction. */
static __device__ float scale_u8(uint8_t u)
{
	return __fsub_rn(__fmul_rn(__fdiv_rn((float)u, 255.0f), 2.0f), 1.0f);
}

static __global__ void u8_kernel(float *dst, const uint8_t *src, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		dst[i] = scale_u8(src[i]);
}

/* dst (bs, ex): element (j, k) from row idx[j] of src; NaN for a bad index. */
template <typename T>
static __global__ void gather_kernel(float *dst, const T *src, int64_t rows,
				     const int64_t *idx, int bs, size_t ex)
{
	size_t total = (size_t)bs * ex;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x) {
		size_t j = i / ex, k = i % ex;
		int64_t r = idx[j];
		if (r < 0 || r >= rows) {
			dst[i] = NAN;
			continue;
		}
		T x = src[(size_t)r * ex + k];
		if constexpr (sizeof(T) == 1)
			dst[i] = scale_u8(x);
		else
			dst[i] = x;
	}
}

int gpu_u8_to_float(GpuCtx *g, float *dst, const uint8_t *src, size_t n, Err *e)
{
	if (n == 0)
		return 0;
	u8_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(dst, src, n);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

static int gather_args(int64_t rows, int bs, size_t ex, Err *e)
{
	if (rows < 1 || bs < 0 || ex < 1)
		return err_set(e, EXIT_BAD, "gpu gather: bad shape rows %lld batch %d row %zu",
			       (long long)rows, bs, ex);
	return 0;
}

int gpu_gather_u8(GpuCtx *g, float *dst, const uint8_t *src, int64_t rows,
		  const int64_t *idx, int bs, size_t ex, Err *e)
{
	if (gather_args(rows, bs, ex, e))
		return -1;
	if (bs == 0)
		return 0;
	gather_kernel<uint8_t><<<gpu_blocks((size_t)bs * ex), GPU_THREADS, 0, g->stream>>>(
		dst, src, rows, idx, bs, ex);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

int gpu_gather_f32(GpuCtx *g, float *dst, const float *src, int64_t rows,
		   const int64_t *idx, int bs, size_t ex, Err *e)
{
	if (gather_args(rows, bs, ex, e))
		return -1;
	if (bs == 0)
		return 0;
	gather_kernel<float><<<gpu_blocks((size_t)bs * ex), GPU_THREADS, 0, g->stream>>>(
		dst, src, rows, idx, bs, ex);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}
