/* batchnorm.cu - batch normalisation on the GPU (twin of
 * libcommon/nn/batchnorm.c) with cuDNN's spatial mode on (n, c, hw, 1). cuDNN
 * matches PyTorch: exponentialAverageFactor is the momentum, the running
 * variance takes the unbiased batch variance, and the saved "inverse
 * variance" is 1 / sqrt(var + eps), i.e. the CPU's rstd. */
#include <string.h>

#include "gpu_ops.h"

static __global__ void fill(float *p, float v, int n)
{
	for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
		p[i] = v;
}

/* Points xd at batch n; n*hw must be at least 2 in training (checked by callers). */
static int set_batch(GpuBnPlan *p, int n, Err *e)
{
	if (n < 1 || n > p->s.n)
		return err_set(e, EXIT_BAD, "gpu batchnorm: batch %d outside 1 .. %d", n, p->s.n);
	if (p->cur == n)
		return 0;
	CUDNN_CHECK(e, cudnnSetTensor4dDescriptor(p->xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
						  n, p->s.c, p->s.hw, 1));
	p->cur = n;
	return 0;
}

static int plan_make(GpuBnPlan *p, GpuCtx *g, Err *e)
{
	int c = p->s.c;
	CUDNN_CHECK(e, cudnnCreateTensorDescriptor(&p->xd));
	CUDNN_CHECK(e, cudnnCreateTensorDescriptor(&p->pd));
	if (set_batch(p, p->s.n, e))
		return -1;
	CUDNN_CHECK(e, cudnnDeriveBNTensorDescriptor(p->pd, p->xd, CUDNN_BATCHNORM_SPATIAL));
	if (gpu_malloc(g, (void **)&p->ones, (size_t)c * sizeof(float), e) ||
	    gpu_malloc(g, (void **)&p->zeros, (size_t)c * sizeof(float), e) ||
	    gpu_malloc(g, (void **)&p->dscratch, 2 * (size_t)c * sizeof(float), e))
		return -1;
	fill<<<gpu_blocks((size_t)c), GPU_THREADS, 0, g->stream>>>(p->ones, 1.0f, c);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

int gpu_bn_plan_init(GpuBnPlan *p, GpuCtx *g, const BnShape *s, Err *e)
{
	memset(p, 0, sizeof *p);
	if (s->n < 1 || s->c < 1 || s->hw < 1 || (long long)s->c * s->hw > 0x7fffffff ||
	    !(s->eps > 0) || !(s->momentum >= 0 && s->momentum <= 1))
		return err_set(e, EXIT_BAD, "gpu batchnorm: bad shape n %d c %d hw %d eps %g "
			       "momentum %g", s->n, s->c, s->hw, (double)s->eps,
			       (double)s->momentum);
	p->s = *s;
	if (plan_make(p, g, e)) {
		gpu_bn_plan_free(p);
		return -1;
	}
	return 0;
}

void gpu_bn_plan_free(GpuBnPlan *p)
{
	if (p->xd)
		(void)cudnnDestroyTensorDescriptor(p->xd);
	if (p->pd)
		(void)cudnnDestroyTensorDescriptor(p->pd);
	gpu_mfree(p->ones);
	gpu_mfree(p->zeros);
	gpu_mfree(p->dscratch);
	memset(p, 0, sizeof *p);
}

int gpu_bn_forward_train(GpuCtx *g, GpuBnPlan *p, float *out, float *mean, float *rstd,
			 float *run_mean, float *run_var, const float *in,
			 const float *gamma, const float *beta, int n, Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	if (set_batch(p, n, e))
		return -1;
	if ((long long)n * p->s.hw < 2)
		return err_set(e, EXIT_BAD, "gpu batchnorm: expected more than 1 value per "
			       "channel when training");
	if (!run_mean != !run_var)
		return err_set(e, EXIT_BAD, "gpu batchnorm: run_mean and run_var must be "
			       "both given or both NULL");
	CUDNN_CHECK(e, cudnnBatchNormalizationForwardTraining(g->dnn, CUDNN_BATCHNORM_SPATIAL,
		&one, &zero, p->xd, in, p->xd, out, p->pd, gamma ? gamma : p->ones,
		beta ? beta : p->zeros, (double)p->s.momentum, run_mean, run_var,
		(double)p->s.eps, mean, rstd));
	return 0;
}

int gpu_bn_forward_eval(GpuCtx *g, GpuBnPlan *p, float *out, const float *in,
			const float *gamma, const float *beta, const float *run_mean,
			const float *run_var, int n, Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	if (set_batch(p, n, e))
		return -1;
	CUDNN_CHECK(e, cudnnBatchNormalizationForwardInference(g->dnn, CUDNN_BATCHNORM_SPATIAL,
		&one, &zero, p->xd, in, p->xd, out, p->pd, gamma ? gamma : p->ones,
		beta ? beta : p->zeros, run_mean, run_var, (double)p->s.eps));
	return 0;
}

/* cuDNN always writes both parameter gradients; one not wanted goes to
 * scratch, zeroed first so that it never grows. */
int gpu_bn_backward(GpuCtx *g, GpuBnPlan *p, float *din, float *dgamma, float *dbeta,
		    const float *dout, const float *in, const float *mean,
		    const float *rstd, const float *gamma, int n, Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	size_t c = (size_t)p->s.c;
	if (set_batch(p, n, e))
		return -1;
	if (!din || din == dout)
		return err_set(e, EXIT_BAD, "gpu batchnorm: din must be given and not alias dout");
	if (!dgamma || !dbeta)
		CUDA_CHECK(e, cudaMemsetAsync(p->dscratch, 0, 2 * c * sizeof(float), g->stream));
	CUDNN_CHECK(e, cudnnBatchNormalizationBackward(g->dnn, CUDNN_BATCHNORM_SPATIAL,
		&one, &zero, &one, &one, p->xd, in, p->xd, dout, p->xd, din, p->pd,
		gamma ? gamma : p->ones, dgamma ? dgamma : p->dscratch,
		dbeta ? dbeta : p->dscratch + c, (double)p->s.eps, mean, rstd));
	return 0;
}
