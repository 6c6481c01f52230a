/* backend_cuda.cu - the CUDA implementation of the backend table
 * (libcommon/engine/backend.h) and the one export of libgantools-gpu.so
 * (cuda_lib.h): device memory, cuDNN plans per layer, each layer's forward
 * and backward through gpu_ops.h, and the whole-array operations. Run-time
 * calls keep their first failure in the context (sticky). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend_cuda.h"

/* rc of an operation that filled c->err: -1 marks c failed. */
static int note(CudaCtx *c, int rc)
{
	if (rc)
		c->failed = 1;
	return rc;
}

static int lib_devices(void)
{
	return gpu_available();
}

static void cuda_close(void *ctx)
{
	CudaCtx *c = (CudaCtx *)ctx;
	if (!c)
		return;
	if (c->g.stream)
		(void)cudaStreamSynchronize(c->g.stream);
	gpu_mfree(c->flags);
	gpu_free(&c->g);
	free(c);
}

static int lib_open(void **ctx, int flags, Err *e)
{
	CudaCtx *c = (CudaCtx *)calloc(1, sizeof *c);
	*ctx = NULL;
	if (!c)
		return err_set(e, EXIT_SYS, "out of memory");
	if (gpu_init(&c->g, 0, e) ||
	    gpu_malloc(&c->g, (void **)&c->flags, CUDA_MAX_CHECKS * sizeof(int), e)) {
		cuda_close(c);
		return -1;
	}
	c->conv_flags = GPU_CONV_DETERMINISTIC | ((flags & CUDA_OPEN_TF32) ? GPU_CONV_TF32 : 0);
	*ctx = c;
	return 0;
}

static int supports(const LayerSpec *s)
{
	return cuda_supports(s);
}

static int cuda_alloc(void *ctx, size_t bytes, void **p, Err *e)
{
	return gpu_malloc(&((CudaCtx *)ctx)->g, p, bytes, e);
}

/* Waits for queued work that may still use p, then frees it. */
static void cuda_free(void *ctx, void *p)
{
	CudaCtx *c = (CudaCtx *)ctx;
	if (!p)
		return;
	if (c->g.stream)
		(void)cudaStreamSynchronize(c->g.stream);
	gpu_mfree(p);
}

static int cuda_upload(void *ctx, void *dst, const void *host, size_t bytes)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, gpu_upload(&c->g, dst, host, bytes, &c->err));
}

static int cuda_download(void *ctx, void *host, const void *src, size_t bytes)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, gpu_download(&c->g, host, src, bytes, &c->err));
}

static int zero(CudaCtx *c, void *p, size_t bytes, Err *e)
{
	CUDA_CHECK(e, cudaMemsetAsync(p, 0, bytes, c->g.stream));
	return 0;
}

static int cuda_zero(void *ctx, void *p, size_t bytes)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, zero(c, p, bytes, &c->err));
}

static int copy(CudaCtx *c, void *dst, const void *src, size_t bytes, Err *e)
{
	CUDA_CHECK(e, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, c->g.stream));
	return 0;
}

static int cuda_copy(void *ctx, void *dst, const void *src, size_t bytes)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, copy(c, dst, src, bytes, &c->err));
}

static void cuda_layer_free(void *ctx, LayerOp *op)
{
	CudaCtx *c = (CudaCtx *)ctx;
	CudaPlan *p = (CudaPlan *)op->plan;
	if (!p)
		return;
	if (c->g.stream)
		(void)cudaStreamSynchronize(c->g.stream);
	if (p->has_conv)
		gpu_conv_plan_free(&p->conv);
	if (p->has_bn)
		gpu_bn_plan_free(&p->bn);
	free(p);
	op->plan = NULL;
}

/* cuDNN plans of convolutions and batch norm for op->max_batch. */
static int cuda_layer_init(void *ctx, LayerOp *op, Err *e)
{
	CudaCtx *c = (CudaCtx *)ctx;
	LayerKind k = op->spec->kind;
	op->plan = NULL;
	if (!cuda_supports(op->spec))
		return err_set(e, EXIT_BAD, "network %c, layer %d: %s has no GPU implementation",
			       op->net, op->index, layer_kind_desc(k));
	if (k != LAYER_CONV2D && k != LAYER_CONVT2D && k != LAYER_BN1D && k != LAYER_BN2D)
		return 0;
	CudaPlan *p = (CudaPlan *)calloc(1, sizeof *p);
	if (!p)
		return err_set(e, EXIT_SYS, "out of memory");
	op->plan = p;
	if (k == LAYER_CONV2D || k == LAYER_CONVT2D) {
		if (gpu_conv_plan_init(&p->conv, &c->g, &op->cs, k == LAYER_CONVT2D,
				       c->conv_flags, e))
			return -1;
		p->has_conv = 1;
	} else {
		if (gpu_bn_plan_init(&p->bn, &c->g, &op->bs, e))
			return -1;
		p->has_bn = 1;
	}
	return 0;
}

/* Batch norm (op->sync, --sync-bn) or minibatch discrimination (op->mbd)
 * across processes needs NCCL, which this build does not use: refused
 * (trainer_run refuses such runs before). */
static int no_sync(const LayerOp *op, Err *e)
{
	return err_set(e, EXIT_BAD, "network %c, layer %d: %s across processes has "
		       "no cuda implementation", op->net, op->index,
		       op->sync ? "batch norm" : "minibatch discrimination");
}

/* Layer forward: op->x (batch, in_n) -> op->out; as the CPU's. */
static int forward(CudaCtx *c, const LayerOp *op, Err *e)
{
	const LayerSpec *s = op->spec;
	CudaPlan *p = (CudaPlan *)op->plan;
	GpuCtx *g = &c->g;
	int n = op->batch;
	if (n < 1 || n > op->max_batch)
		return err_set(e, EXIT_BAD, "network %c: batch %d outside 1 .. %d", op->net, n,
			       op->max_batch);
	if (op->sync || op->mbd)
		return no_sync(op, e);
	switch (s->kind) {
	case LAYER_LINEAR:
		return gpu_linear_forward(g, op->out, op->x, op->w, op->b, n, s->a, s->b, e);
	case LAYER_CONV2D:
		return gpu_conv2d_forward(g, &p->conv, op->out, op->x, op->w, op->b, n, e);
	case LAYER_CONVT2D:
		return gpu_convt2d_forward(g, &p->conv, op->out, op->x, op->w, op->b, n, e);
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (!op->train)
			return gpu_bn_forward_eval(g, &p->bn, op->out, op->x, op->w, op->b, op->rm,
						   op->rv, n, e);
		return gpu_bn_forward_train(g, &p->bn, op->out, op->save, op->save + s->a, op->rm,
					    op->rv, op->x, op->w, op->b, n, e);
	case LAYER_ACT:
		return gpu_act_forward(g, s->act, s->alpha, op->out, op->x,
				       (size_t)n * (size_t)op->out_n, e);
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		return 0;
	case LAYER_MBDISC:
		break;
	}
	return err_set(e, EXIT_SYS, "network %c, layer %d: no GPU implementation", op->net,
		       op->index);
}

static int cuda_forward(void *ctx, const LayerOp *op)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, forward(c, op, &c->err));
}

/* Layer backward: op->dy -> op->dx (NULL where the op allows it), op->dw
 * and op->db accumulated unless NULL; as the CPU's. */
static int backward(CudaCtx *c, const LayerOp *op, Err *e)
{
	const LayerSpec *s = op->spec;
	CudaPlan *p = (CudaPlan *)op->plan;
	GpuCtx *g = &c->g;
	int n = op->batch;
	if (op->sync || op->mbd)
		return no_sync(op, e);
	switch (s->kind) {
	case LAYER_LINEAR:
		return gpu_linear_backward(g, op->dx, op->dw, op->db, op->dy, op->x, op->w, n, s->a,
					   s->b, e);
	case LAYER_CONV2D:
		return gpu_conv2d_backward(g, &p->conv, op->dx, op->dw, op->db, op->dy, op->x, op->w,
					   n, e);
	case LAYER_CONVT2D:
		return gpu_convt2d_backward(g, &p->conv, op->dx, op->dw, op->db, op->dy, op->x,
					    op->w, n, e);
	case LAYER_BN1D:
	case LAYER_BN2D:
		return gpu_bn_backward(g, &p->bn, op->dx, op->dw, op->db, op->dy, op->x, op->save,
				       op->save + s->a, op->w, n, e);
	case LAYER_ACT:
		return gpu_act_backward(g, s->act, s->alpha, op->dx, op->dy, op->x, op->out,
					(size_t)n * (size_t)op->out_n, e);
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		return 0;
	case LAYER_MBDISC:
		break;
	}
	return err_set(e, EXIT_SYS, "network %c, layer %d: no GPU implementation", op->net,
		       op->index);
}

static int cuda_backward(void *ctx, const LayerOp *op)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, backward(c, op, &c->err));
}

/* *flag = 1 if any of p (n) is not finite. */
static __global__ void nonfinite_kernel(const float *p, size_t n, int *flag)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		if (!isfinite(p[i]))
			*flag = 1;
}

/* bad[i] = 1 where p[i] (n[i]) holds a non-finite value: one kernel per
 * array into the device flags, one download of them all. */
static int nonfinite(CudaCtx *c, int k, const float *const *p, const int64_t *n, int *bad,
		     Err *e)
{
	GpuCtx *g = &c->g;
	if (k < 0 || k > CUDA_MAX_CHECKS)
		return err_set(e, EXIT_SYS, "gpu nonfinite: %d arrays (at most %d)", k,
			       CUDA_MAX_CHECKS);
	CUDA_CHECK(e, cudaMemsetAsync(c->flags, 0, (size_t)k * sizeof(int), g->stream));
	for (int i = 0; i < k; i++) {
		if (n[i] <= 0)
			continue;
		nonfinite_kernel<<<gpu_blocks((size_t)n[i]), GPU_THREADS, 0, g->stream>>>(
			p[i], (size_t)n[i], c->flags + i);
		CUDA_CHECK_LAUNCH(e);
	}
	return gpu_download(g, bad, c->flags, (size_t)k * sizeof(int), e);
}

static int cuda_nonfinite(void *ctx, int k, const float *const *p, const int64_t *n, int *bad)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, nonfinite(c, k, p, n, bad, &c->err));
}

static int cuda_adam(void *ctx, float *p, const float *g, float *m, float *v, size_t n,
		     const AdamCfg *cfg, int64_t t)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, gpu_adam_step(&c->g, p, g, m, v, n, cfg, t, &c->err));
}

static int cuda_sgd(void *ctx, float *p, const float *g, size_t n, float lr)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, gpu_sgd_step(&c->g, p, g, n, lr, &c->err));
}

/* The loss and the probability sum on the device, both doubles downloaded. */
static int bce(CudaCtx *c, LossKind k, float *dx, const float *x, float y, int n,
	       float scale, double *res, Err *e)
{
	GpuCtx *g = &c->g;
	if (gpu_loss_bce(g, k, dx, x, y, n, scale, g->red, e))
		return -1;
	return gpu_download(g, res, g->red, 2 * sizeof(double), e);
}

static int cuda_bce(void *ctx, LossKind k, float *dx, const float *x, float y, int n,
		    float scale, int want_prob, double *res)
{
	CudaCtx *c = (CudaCtx *)ctx;
	if (c->failed || note(c, bce(c, k, dx, x, y, n, scale, res, &c->err)))
		return -1;
	if (!want_prob)
		res[1] = NAN;
	return 0;
}

static int gather(CudaCtx *c, float *dst, const void *src, DType dt, int64_t rows, size_t ex,
		  const int64_t *idx, int bs, Err *e)
{
	if (bs < 1)
		return err_set(e, EXIT_BAD, "gpu: batch %d below 1", bs);
	if (dt == DT_U8)
		return gpu_gather_u8(&c->g, dst, (const uint8_t *)src, rows, idx, bs, ex, e);
	return gpu_gather_f32(&c->g, dst, (const float *)src, rows, idx, bs, ex, e);
}

static int cuda_gather(void *ctx, float *dst, const void *src, DType dt, int64_t rows,
		       size_t ex, const int64_t *idx, int bs)
{
	CudaCtx *c = (CudaCtx *)ctx;
	return c->failed ? -1 : note(c, gather(c, dst, src, dt, rows, ex, idx, bs, &c->err));
}

static int cuda_error(void *ctx, Err *e)
{
	CudaCtx *c = (CudaCtx *)ctx;
	if (!c || !c->failed)
		return 0;
	if (e)
		*e = c->err;
	return -1;
}

static const BackendOps cuda_ops = {
	.name = "cuda",
	.host_memory = 0,
	.supports = supports,
	.alloc = cuda_alloc,
	.free = cuda_free,
	.upload = cuda_upload,
	.download = cuda_download,
	.zero = cuda_zero,
	.copy = cuda_copy,
	.layer_init = cuda_layer_init,
	.layer_free = cuda_layer_free,
	.forward = cuda_forward,
	.backward = cuda_backward,
	.nonfinite = cuda_nonfinite,
	.adam = cuda_adam,
	.sgd = cuda_sgd,
	.bce = cuda_bce,
	.gather = cuda_gather,
	.error = cuda_error,
	.close = cuda_close,
	.plan_net = NULL,
	.fuses_bn_act = 0,
};

static const CudaLib lib = {
	.abi = CUDA_LIB_ABI,
	.err_size = sizeof(Err),
	.op_size = sizeof(LayerOp),
	.ops_size = sizeof(BackendOps),
	.devices = lib_devices,
	.open = lib_open,
	.ops = &cuda_ops,
};

extern "C" __attribute__((visibility("default"))) const CudaLib *gantools_cuda(void)
{
	return &lib;
}
