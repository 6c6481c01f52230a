/* net_gpu.cu - the Sequential network of libcommon/engine/net.c on a CUDA device:
 * device copies of params, grads, Adam moments and buffers at the host
 * offsets, per-layer activations and cuDNN plans, and the netgpu_* calls
 * that net.c and train.c dispatch to. Errors stay in the device context. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_gpu.h"

/* One layer on the device; out and save mirror Layer's. */
typedef struct {
	float *out;               /* (max_batch, out_n); NULL for reshapes */
	float *save;              /* BN: mean then rstd (2c) */
	const float *y;           /* output of the last forward */
	GpuConvPlan conv;
	GpuBnPlan bn;
	int has_conv, has_bn;
} GLayer;

struct NetGpu {
	NetGpuDev *dev;
	GLayer *l;
	float *params, *grads, *m, *v, *bufs;   /* np, np, np, np, nb */
	float *s0, *s1;           /* backward ping-pong (max_batch, widest layer) */
	float *io;                /* staging for host input (max_batch, in_n) */
	const float *in;          /* input of the last forward */
	int batch;
};

int netgpu_built(void)
{
	return 1;
}

int netgpu_devices(void)
{
	return gpu_available();
}

int netgpu_open(NetGpuDev **dev, Err *e)
{
	NetGpuDev *d = (NetGpuDev *)calloc(1, sizeof *d);
	*dev = NULL;
	if (!d)
		return err_set(e, EXIT_SYS, "out of memory");
	if (gpu_init(&d->g, 0, e) ||
	    gpu_malloc(&d->g, (void **)&d->flags, 2 * sizeof(int), e)) {
		netgpu_close(d);
		return -1;
	}
	*dev = d;
	return 0;
}

void netgpu_close(NetGpuDev *dev)
{
	if (!dev)
		return;
	if (dev->g.stream)
		(void)cudaStreamSynchronize(dev->g.stream);
	gpu_mfree(dev->flags);
	gpu_free(&dev->g);
	free(dev);
}

int netgpu_error(const NetGpuDev *dev, Err *e)
{
	if (!dev || !dev->failed)
		return 0;
	if (e)
		*e = dev->err;
	return -1;
}

static int is_reshape(const Layer *L)
{
	return L->spec.kind == LAYER_FLATTEN || L->spec.kind == LAYER_UNFLATTEN;
}

/* Plans and buffers of layer i. */
static int attach_layer(Net *n, struct NetGpu *ng, int i, Err *e)
{
	Layer *L = &n->l[i];
	GLayer *G = &ng->l[i];
	NetGpuDev *d = ng->dev;
	LayerKind k = L->spec.kind;
	if (k == LAYER_MBDISC)
		return err_set(e, EXIT_BAD, "network %c, layer %d: minibatch discrimination "
			       "has no GPU implementation", n->prefix, i);
	if (is_reshape(L))
		return 0;
	if (k == LAYER_CONV2D || k == LAYER_CONVT2D) {
		if (gpu_conv_plan_init(&G->conv, &d->g, &L->cs, k == LAYER_CONVT2D,
				       GPU_CONV_DETERMINISTIC, e))
			return -1;
		G->has_conv = 1;
	}
	if (k == LAYER_BN1D || k == LAYER_BN2D) {
		if (gpu_bn_plan_init(&G->bn, &d->g, &L->bs, e))
			return -1;
		G->has_bn = 1;
		if (netgpu_falloc(d, &G->save, 2 * (size_t)L->spec.a, e))
			return -1;
	}
	return netgpu_falloc(d, &G->out, (size_t)n->max_batch * (size_t)L->out_n, e);
}

/* Device arrays of n, the host state uploaded. */
static int attach_arrays(Net *n, struct NetGpu *ng, Err *e)
{
	NetGpuDev *d = ng->dev;
	size_t np = (size_t)n->np, nb = (size_t)n->nb, mb = (size_t)n->max_batch, act = 1;
	for (int i = 0; i < n->nl; i++) {
		size_t a = (size_t)(n->l[i].in_n > n->l[i].out_n ? n->l[i].in_n : n->l[i].out_n);
		act = a > act ? a : act;
	}
	if (netgpu_falloc(d, &ng->params, np, e) || netgpu_falloc(d, &ng->grads, np, e) ||
	    netgpu_falloc(d, &ng->m, np, e) || netgpu_falloc(d, &ng->v, np, e) ||
	    netgpu_falloc(d, &ng->bufs, nb, e) || netgpu_falloc(d, &ng->s0, mb * act, e) ||
	    netgpu_falloc(d, &ng->s1, mb * act, e) ||
	    netgpu_falloc(d, &ng->io, mb * (size_t)n->l[0].in_n, e))
		return -1;
	np *= sizeof(float);
	return gpu_upload(&d->g, ng->params, n->params, np, e) ||
	       gpu_upload(&d->g, ng->grads, n->grads, np, e) ||
	       gpu_upload(&d->g, ng->m, n->m, np, e) || gpu_upload(&d->g, ng->v, n->v, np, e) ||
	       gpu_upload(&d->g, ng->bufs, n->bufs, nb * sizeof(float), e);
}

int netgpu_attach(Net *n, NetGpuDev *dev, Err *e)
{
	if (n->gpu)
		return err_set(e, EXIT_SYS, "network %c is already on a GPU", n->prefix);
	if (n->nl < 1)
		return err_set(e, EXIT_BAD, "network %c has no layers", n->prefix);
	struct NetGpu *ng = (struct NetGpu *)calloc(1, sizeof *ng);
	GLayer *l = (GLayer *)calloc((size_t)n->nl, sizeof *l);
	if (!ng || !l) {
		free(ng);
		free(l);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	ng->dev = dev;
	ng->l = l;
	n->gpu = ng;
	int rc = attach_arrays(n, ng, e);
	for (int i = 0; i < n->nl && rc == 0; i++)
		rc = attach_layer(n, ng, i, e);
	if (rc == 0)
		rc = gpu_sync(&dev->g, e);
	if (rc)
		netgpu_detach(n);
	return rc;
}

void netgpu_detach(Net *n)
{
	struct NetGpu *ng = n->gpu;
	if (!ng)
		return;
	if (ng->dev->g.stream)
		(void)cudaStreamSynchronize(ng->dev->g.stream);
	for (int i = 0; i < n->nl; i++) {
		GLayer *G = &ng->l[i];
		if (G->has_conv)
			gpu_conv_plan_free(&G->conv);
		if (G->has_bn)
			gpu_bn_plan_free(&G->bn);
		gpu_mfree(G->out);
		gpu_mfree(G->save);
	}
	float *arr[] = { ng->params, ng->grads, ng->m, ng->v, ng->bufs, ng->s0, ng->s1, ng->io };
	for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
		gpu_mfree(arr[i]);
	free(ng->l);
	free(ng);
	n->gpu = NULL;
}

int netgpu_download(Net *n, Err *e)
{
	struct NetGpu *ng = n->gpu;
	if (!ng)
		return 0;
	NetGpuDev *d = ng->dev;
	GpuCtx *g = &d->g;
	size_t np = (size_t)n->np * sizeof(float);
	if (netgpu_error(d, e))
		return -1;
	return netgpu_note(d, gpu_download(g, n->params, ng->params, np, &d->err) ||
			   gpu_download(g, n->grads, ng->grads, np, &d->err) ||
			   gpu_download(g, n->m, ng->m, np, &d->err) ||
			   gpu_download(g, n->v, ng->v, np, &d->err) ||
			   gpu_download(g, n->bufs, ng->bufs, (size_t)n->nb * sizeof(float),
					&d->err)) ? netgpu_error(d, e) : 0;
}

/* Layer i forward: x (batch, in_n) -> G->y; as net.c's layer_forward. */
static int layer_fwd(Net *n, int i, const float *x, int batch, int train, Err *e)
{
	struct NetGpu *ng = n->gpu;
	Layer *L = &n->l[i];
	GLayer *G = &ng->l[i];
	const LayerSpec *s = &L->spec;
	GpuCtx *g = &ng->dev->g;
	const float *w = L->w_off >= 0 ? ng->params + L->w_off : NULL;
	const float *b = L->b_off >= 0 ? ng->params + L->b_off : NULL;
	float *rm = L->rm_off >= 0 ? ng->bufs + L->rm_off : NULL;
	float *rv = L->rv_off >= 0 ? ng->bufs + L->rv_off : NULL;
	G->y = G->out;
	switch (s->kind) {
	case LAYER_LINEAR:
		return gpu_linear_forward(g, G->out, x, w, b, batch, s->a, s->b, e);
	case LAYER_CONV2D:
		return gpu_conv2d_forward(g, &G->conv, G->out, x, w, b, batch, e);
	case LAYER_CONVT2D:
		return gpu_convt2d_forward(g, &G->conv, G->out, x, w, b, batch, e);
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (!train)
			return gpu_bn_forward_eval(g, &G->bn, G->out, x, w, b, rm, rv, batch, e);
		L->nbt++;
		return gpu_bn_forward_train(g, &G->bn, G->out, G->save, G->save + s->a, rm, rv,
					    x, w, b, batch, e);
	case LAYER_ACT:
		return gpu_act_forward(g, s->act, s->alpha, G->out, x,
				       (size_t)batch * (size_t)L->out_n, e);
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		G->y = x;
		return 0;
	case LAYER_MBDISC:
		break;
	}
	return err_set(e, EXIT_SYS, "network %c, layer %d: no GPU implementation", n->prefix, i);
}

const float *netgpu_forward(Net *n, const float *in, int batch, int train)
{
	struct NetGpu *ng = n->gpu;
	NetGpuDev *d = ng->dev;
	if (d->failed)
		return NULL;
	if (batch < 1 || batch > n->max_batch) {
		err_set(&d->err, EXIT_BAD, "network %c: batch %d outside 1 .. %d", n->prefix,
			batch, n->max_batch);
		d->failed = 1;
		return NULL;
	}
	const float *x = in;
	ng->in = in;
	ng->batch = n->batch = batch;
	for (int i = 0; i < n->nl; i++) {
		if (netgpu_note(d, layer_fwd(n, i, x, batch, train, &d->err)))
			return NULL;
		x = ng->l[i].y;
	}
	return x;
}

/* Layer i backward: dout -> din (may be NULL where the op allows it). */
static int layer_bwd(Net *n, int i, const float *x, const float *dout, float *din, int pg,
		     Err *e)
{
	struct NetGpu *ng = n->gpu;
	Layer *L = &n->l[i];
	GLayer *G = &ng->l[i];
	const LayerSpec *s = &L->spec;
	GpuCtx *g = &ng->dev->g;
	const float *w = L->w_off >= 0 ? ng->params + L->w_off : NULL;
	float *dw = pg && L->w_off >= 0 ? ng->grads + L->w_off : NULL;
	float *db = pg && L->b_off >= 0 ? ng->grads + L->b_off : NULL;
	int batch = ng->batch;
	switch (s->kind) {
	case LAYER_LINEAR:
		return gpu_linear_backward(g, din, dw, db, dout, x, w, batch, s->a, s->b, e);
	case LAYER_CONV2D:
		return gpu_conv2d_backward(g, &G->conv, din, dw, db, dout, x, w, batch, e);
	case LAYER_CONVT2D:
		return gpu_convt2d_backward(g, &G->conv, din, dw, db, dout, x, w, batch, e);
	case LAYER_BN1D:
	case LAYER_BN2D:
		return gpu_bn_backward(g, &G->bn, din, dw, db, dout, x, G->save, G->save + s->a,
				       w, batch, e);
	case LAYER_ACT:
		return gpu_act_backward(g, s->act, s->alpha, din, dout, x, G->out,
					(size_t)batch * (size_t)L->out_n, e);
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		return 0;
	case LAYER_MBDISC:
		break;
	}
	return err_set(e, EXIT_SYS, "network %c, layer %d: no GPU implementation", n->prefix, i);
}

/* As net.c's net_backward: the layers in reverse through s0/s1; the first
 * layer with parameters skips its input gradient when din is NULL. */
static int backward(Net *n, const float *dout, float *din, int pg, Err *e)
{
	struct NetGpu *ng = n->gpu;
	int first = -1;
	for (int i = 0; i < n->nl && first < 0; i++)
		if (!is_reshape(&n->l[i]))
			first = i;
	const float *gr = dout;
	for (int i = n->nl - 1; i >= 0 && first >= 0; i--) {
		Layer *L = &n->l[i];
		if (is_reshape(L))
			continue;
		const float *x = i ? ng->l[i - 1].y : ng->in;
		float *target = gr == ng->s0 ? ng->s1 : ng->s0;
		if (i == first) {
			int may_skip = L->spec.kind == LAYER_LINEAR || L->spec.kind == LAYER_CONV2D ||
				       L->spec.kind == LAYER_CONVT2D;
			target = din ? din : may_skip ? NULL : target;
		}
		if (layer_bwd(n, i, x, gr, target, pg, e))
			return -1;
		gr = target;
	}
	if (din && first < 0)
		CUDA_CHECK(e, cudaMemcpyAsync(din, dout, (size_t)ng->batch *
					      (size_t)n->l[0].in_n * sizeof(float),
					      cudaMemcpyDeviceToDevice, ng->dev->g.stream));
	return 0;
}

void netgpu_backward(Net *n, const float *dout, float *din, int param_grads)
{
	NetGpuDev *d = n->gpu->dev;
	if (!d->failed)
		netgpu_note(d, backward(n, dout, din, param_grads, &d->err));
}

static int zero_grads(Net *n, Err *e)
{
	struct NetGpu *ng = n->gpu;
	CUDA_CHECK(e, cudaMemsetAsync(ng->grads, 0, (size_t)n->np * sizeof(float),
				      ng->dev->g.stream));
	return 0;
}

void netgpu_zero_grads(Net *n)
{
	NetGpuDev *d = n->gpu->dev;
	if (!d->failed)
		netgpu_note(d, zero_grads(n, &d->err));
}

/* *flag = 1 if any of p (n) is not finite. */
static __global__ void nonfinite_kernel(const float *p, size_t n, int *flag)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		if (!isfinite(p[i]))
			*flag = 1;
}

static int flag_nonfinite(GpuCtx *g, const float *p, size_t n, int *flag, Err *e)
{
	if (n == 0)
		return 0;
	nonfinite_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(p, n, flag);
	CUDA_CHECK_LAUNCH(e);
	return 0;
}

/* fl[0]: params or bufs not finite; fl[1]: Adam moments not finite. */
static int check_finite(const Net *n, int fl[2], Err *e)
{
	struct NetGpu *ng = n->gpu;
	GpuCtx *g = &ng->dev->g;
	int *flags = ng->dev->flags;
	size_t np = (size_t)n->np;
	CUDA_CHECK(e, cudaMemsetAsync(flags, 0, 2 * sizeof(int), g->stream));
	if (flag_nonfinite(g, ng->params, np, flags, e) ||
	    flag_nonfinite(g, ng->bufs, (size_t)n->nb, flags, e) ||
	    flag_nonfinite(g, ng->m, np, flags + 1, e) ||
	    flag_nonfinite(g, ng->v, np, flags + 1, e))
		return -1;
	return gpu_download(g, fl, flags, 2 * sizeof(int), e);
}

/* Anything non-finite brings the host copies up to date, so that the
 * diagnostics of train.c (which read them) name the right tensor. */
int netgpu_finite(const Net *n)
{
	NetGpuDev *d = n->gpu->dev;
	int fl[2] = { 1, 1 };
	if (d->failed || netgpu_note(d, check_finite(n, fl, &d->err)))
		return 0;
	if ((fl[0] || fl[1]) && netgpu_download((Net *)n, NULL))
		return 0;
	return !fl[0];
}

void netgpu_opt_step(Net *n, const AdamCfg *adam, double lr, int64_t t)
{
	struct NetGpu *ng = n->gpu;
	NetGpuDev *d = ng->dev;
	size_t np = (size_t)n->np;
	if (d->failed)
		return;
	if (adam)
		netgpu_note(d, gpu_adam_step(&d->g, ng->params, ng->grads, ng->m, ng->v, np, adam,
					     t, &d->err));
	else
		netgpu_note(d, gpu_sgd_step(&d->g, ng->params, ng->grads, np, (float)lr, &d->err));
}

int netgpu_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e)
{
	struct NetGpu *ng = n->gpu;
	NetGpuDev *d = ng->dev;
	if (netgpu_error(d, e))
		return -1;
	if (batch < 1 || batch > n->max_batch)
		return err_set(e, EXIT_BAD, "batch %d outside 1 .. %d", batch, n->max_batch);
	size_t nin = (size_t)batch * (size_t)n->l[0].in_n * sizeof(float);
	size_t nout = (size_t)batch * (size_t)n->l[n->nl - 1].out_n * sizeof(float);
	if (netgpu_note(d, gpu_upload(&d->g, ng->io, in, nin, &d->err)))
		return netgpu_error(d, e);
	const float *y = netgpu_forward(n, ng->io, batch, train);
	if (!y || netgpu_note(d, gpu_download(&d->g, out, y, nout, &d->err)))
		return netgpu_error(d, e);
	return 0;
}
