/* loss.cu - the GAN losses on the GPU (twin of libcommon/nn/loss.c): BCE on
 * logits and on probabilities, and MSE; per-element terms in double and one
 * block's fixed-order tree reduction, so the sum is deterministic. */
#include "gpu_ops.h"

#define BCE_LOG_MIN (-100.0)
#define BCE_GRAD_EPS 1e-12f

/* Sums [0..GPU_THREADS) of the shared array a (and of b unless NULL) into [0]. */
static __device__ void block_sum2(double *a, double *b)
{
	for (int s = GPU_THREADS / 2; s > 0; s /= 2) {
		__syncthreads();
		if ((int)threadIdx.x < s) {
			a[threadIdx.x] += a[threadIdx.x + s];
			if (b)
				b[threadIdx.x] += b[threadIdx.x + s];
		}
	}
	__syncthreads();
}

/* One term of BCE and its gradient; NaN for p outside [0, 1] (probabilities). */
static __device__ double bce_term(LossKind k, float xi, float y, float scale, float *dxi,
				  double *prob)
{
	if (k == LOSS_BCE_LOGITS) {
		double x = xi;
		float p = 1.0f / (1.0f + expf(-xi));
		*dxi = (p - y) * scale;
		*prob = p;
		return fmax(x, 0.0) - x * y + log1p(exp(-fabs(x)));
	}
	*prob = xi;
	if (!(xi >= 0.0f && xi <= 1.0f)) {
		*dxi = NAN;
		return NAN;
	}
	double lp = fmax(log((double)xi), BCE_LOG_MIN);
	double lq = fmax(log1p(-(double)xi), BCE_LOG_MIN);
	*dxi = scale * (xi - y) / fmaxf((1.0f - xi) * xi, BCE_GRAD_EPS);
	return -(y * lp + (1.0 - y) * lq);
}

/* One block of GPU_THREADS: res[0] = loss sum, res[1] = probability sum. */
static __global__ void bce_kernel(LossKind k, float *dx, const float *x, float y, int n,
				  float scale, double *res)
{
	__shared__ double sl[GPU_THREADS], sp[GPU_THREADS];
	double l = 0, pr = 0;
	for (int i = threadIdx.x; i < n; i += GPU_THREADS) {
		float d;
		double p;
		l += bce_term(k, x[i], y, scale, &d, &p);
		pr += p;
		if (dx)
			dx[i] = d;
	}
	sl[threadIdx.x] = l;
	sp[threadIdx.x] = pr;
	block_sum2(sl, sp);
	if (threadIdx.x == 0) {
		res[0] = sl[0];
		res[1] = sp[0];
	}
}

static __global__ void mse_kernel(float *dx, const float *x, const float *y, int n,
				  float scale, double *res)
{
	__shared__ double sl[GPU_THREADS];
	double l = 0;
	for (int i = threadIdx.x; i < n; i += GPU_THREADS) {
		float d = x[i] - y[i];
		l += (double)d * d;
		if (dx)
			dx[i] = scale * 2.0f * d;
	}
	sl[threadIdx.x] = l;
	block_sum2(sl, NULL);
	if (threadIdx.x == 0)
		res[0] = sl[0];
}

static __global__ void set_nan2(double *res)
{
	res[0] = NAN;
	res[1] = NAN;
}

int gpu_loss_bce(GpuCtx *g, LossKind k, float *dx, const float *x, float y, int n,
		 float scale, double *res, Err *e)
{
	if (k != LOSS_BCE_LOGITS && k != LOSS_BCE)
		return err_set(e, EXIT_BAD, "gpu loss: unknown kind %d", (int)k);
	if (n < 0)
		return err_set(e, EXIT_BAD, "gpu loss: negative count %d", n);
	if (!(y >= 0.0f && y <= 1.0f))
		set_nan2<<<1, 1, 0, g->stream>>>(res);
	else
		bce_kernel<<<1, GPU_THREADS, 0, g->stream>>>(k, dx, x, y, n, scale, res);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

int gpu_loss_mse(GpuCtx *g, float *dx, const float *x, const float *y, int n, float scale,
		 double *res, Err *e)
{
	if (n < 0)
		return err_set(e, EXIT_BAD, "gpu loss: negative count %d", n);
	mse_kernel<<<1, GPU_THREADS, 0, g->stream>>>(dx, x, y, n, scale, res);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}
