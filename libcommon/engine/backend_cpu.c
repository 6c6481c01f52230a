/* backend_cpu.c - the CPU implementation of the backend table (backend.h):
 * the layers of nn/ on host memory (batch norm across processes through
 * bnsync.h when the walk hands it a BnSync), Adam and SGD of optim.h, BCE of
 * loss.h and the batch gather. Stateless (ctx is NULL) and never fails at run time. */
#include "backend.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "dnnlconv.h"
#include "linear.h"
#include "mbdisc.h"
#include "par.h"

/* Zero-filled and 64-byte aligned: calloc (whose large blocks stay untouched
 * until used) and the block's own address just before the aligned start. */
static int cpu_alloc(void *ctx, size_t bytes, void **p, Err *e)
{
	size_t extra = 64 + sizeof(void *);
	*p = NULL;
	if (bytes > SIZE_MAX - extra)
		return err_set(e, EXIT_SYS, "out of memory");
	char *raw = calloc(1, bytes + extra);
	if (!raw)
		return err_set(e, EXIT_SYS, "out of memory");
	uintptr_t a = ((uintptr_t)raw + sizeof(void *) + 63) & ~(uintptr_t)63;
	((void **)a)[-1] = raw;
	*p = (void *)a;
	return 0;
}

static void cpu_free(void *ctx, void *p)
{
	if (p)
		free(((void **)p)[-1]);
}

static int cpu_supports(const LayerSpec *s)
{
	return 1;
}

static int cpu_copy(void *ctx, void *dst, const void *src, size_t bytes)
{
	if (dst != src && bytes)
		memmove(dst, src, bytes);
	return 0;
}

static int cpu_zero(void *ctx, void *p, size_t bytes)
{
	memset(p, 0, bytes);
	return 0;
}

static int cpu_layer_init(void *ctx, LayerOp *op, Err *e)
{
	op->plan = NULL;
	return 0;
}

static void cpu_layer_free(void *ctx, LayerOp *op)
{
}

static int cpu_forward(void *ctx, const LayerOp *op)
{
	const LayerSpec *s = op->spec;
	int n = op->batch;
	switch (s->kind) {
	case LAYER_LINEAR:
		linear_forward(op->out, op->x, op->w, op->b, n, s->a, s->b);
		break;
	case LAYER_CONV2D:
		conv2d_forward(op->out, op->x, op->w, op->b, &op->cs, op->ws);
		break;
	case LAYER_CONVT2D:
		convt2d_forward(op->out, op->x, op->w, op->b, &op->cs, op->ws);
		break;
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (op->train && op->sync)
			bnsync_forward_train(op->out, op->save, op->save + s->a, op->rm, op->rv,
					     op->x, op->w, op->b, &op->bs, op->sync);
		else if (op->train)
			batchnorm_forward_train(op->out, op->save, op->save + s->a, op->rm, op->rv,
						op->x, op->w, op->b, &op->bs);
		else
			batchnorm_forward_eval(op->out, op->x, op->w, op->b, op->rm, op->rv, &op->bs);
		break;
	case LAYER_ACT:
		act_forward(s->act, s->alpha, op->out, op->x, (size_t)n * (size_t)op->out_n);
		break;
	case LAYER_MBDISC:
		mbdisc_forward(op->out, op->save, op->x, op->w, op->b, n, s->a, s->b, s->c, op->mbd);
		break;
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		break;
	}
	return 0;
}

static int cpu_backward(void *ctx, const LayerOp *op)
{
	const LayerSpec *s = op->spec;
	int n = op->batch;
	switch (s->kind) {
	case LAYER_LINEAR:
		linear_backward(op->dx, op->dw, op->db, op->dy, op->x, op->w, n, s->a, s->b);
		break;
	case LAYER_CONV2D:
		conv2d_backward(op->dx, op->dw, op->db, op->dy, op->x, op->w, &op->cs, op->ws);
		break;
	case LAYER_CONVT2D:
		convt2d_backward(op->dx, op->dw, op->db, op->dy, op->x, op->w, &op->cs, op->ws);
		break;
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (op->sync)
			bnsync_backward(op->dx, op->dw, op->db, op->dy, op->x, op->save,
					op->save + s->a, op->w, &op->bs, op->sync);
		else
			batchnorm_backward(op->dx, op->dw, op->db, op->dy, op->out, op->x, op->save,
					   op->save + s->a, op->w, &op->bs);
		break;
	case LAYER_ACT:
		act_backward(s->act, s->alpha, op->dx, op->dy, op->x, op->out,
			     (size_t)n * (size_t)op->out_n);
		break;
	case LAYER_MBDISC:
		mbdisc_backward(op->dx, op->dw, op->db, op->dy, op->x, op->save, op->w, n, s->a, s->b,
				s->c, op->ws, op->mbd);
		break;
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		break;
	}
	return 0;
}

/* 1 if all n floats are finite (no early exit: the loop vectorises). */
/* Whether no element is an infinity or a NaN (exponent bits all ones),
 * tested on the bits so that the loop vectorises: a scalar isfinite() per
 * element took 1-2 % of a dcgan-mnist step on one thread, all of it serial. */
static int all_finite(const float *p, int64_t n)
{
	uint32_t bad = 0;
	PAR_PRAGMA(omp simd reduction(|:bad))
	for (int64_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, p + i, sizeof u);
		bad |= (u & 0x7f800000u) == 0x7f800000u;
	}
	return !bad;
}

static int cpu_nonfinite(void *ctx, int k, const float *const *p, const int64_t *n, int *bad)
{
	for (int i = 0; i < k; i++)
		bad[i] = !all_finite(p[i], n[i]);
	return 0;
}

static int cpu_adam(void *ctx, float *p, const float *g, float *m, float *v, size_t n,
		    const AdamCfg *c, int64_t t)
{
	adam_step(p, g, m, v, n, c, t);
	return 0;
}

static int cpu_sgd(void *ctx, float *p, const float *g, size_t n, float lr)
{
	sgd_step(p, g, n, lr);
	return 0;
}

static int cpu_bce(void *ctx, LossKind k, float *dx, const float *x, float y, int n,
		   float scale, int want_prob, double *res)
{
	res[0] = loss_bce(k, dx, x, y, n, scale);
	res[1] = want_prob ? loss_prob_sum(k, x, n) : NAN;
	return 0;
}

static int cpu_gather(void *ctx, float *dst, const void *src, DType dt, int64_t rows,
		      size_t ex, const int64_t *idx, int bs)
{
	for (int j = 0; j < bs; j++) {
		float *d = dst + (size_t)j * ex;
		if (dt == DT_U8) {
			const uint8_t *s = (const uint8_t *)src + (size_t)idx[j] * ex;
			PAR_SIMD
			for (size_t k = 0; k < ex; k++)
				d[k] = (float)s[k] / 255.0f * 2.0f - 1.0f;
		} else {
			memcpy(d, (const float *)src + (size_t)idx[j] * ex, ex * sizeof(float));
		}
	}
	return 0;
}

static int cpu_error(void *ctx, Err *e)
{
	return 0;
}

static void cpu_close(void *ctx)
{
}

static const BackendOps cpu_ops = {
	.name = "cpu",
	.host_memory = 1,
	.supports = cpu_supports,
	.alloc = cpu_alloc,
	.free = cpu_free,
	.upload = cpu_copy,
	.download = cpu_copy,
	.zero = cpu_zero,
	.copy = cpu_copy,
	.layer_init = cpu_layer_init,
	.layer_free = cpu_layer_free,
	.forward = cpu_forward,
	.backward = cpu_backward,
	.nonfinite = cpu_nonfinite,
	.adam = cpu_adam,
	.sgd = cpu_sgd,
	.bce = cpu_bce,
	.gather = cpu_gather,
	.error = cpu_error,
	.close = cpu_close,
	.fuses_bn_act = 1,
};

Backend backend_cpu(void)
{
	return (Backend){ &cpu_ops, NULL };
}

/* The CPU with the convolutions on oneDNN (dnnlconv.h): ctx is the loaded
 * library; every other layer and operation is the CPU's. */
static int onednn_layer_init(void *ctx, LayerOp *op, Err *e)
{
	op->plan = NULL;
	int k = op->spec->kind;
	if (k != LAYER_CONV2D && k != LAYER_CONVT2D)
		return 0;
	ConvShape s = op->cs;
	s.n = op->max_batch;
	DnnlConv *p;
	if (!dnnlconv_wanted(ctx, &s, k == LAYER_CONVT2D))
		return 0;
	if (dnnlconv_plan(&p, ctx, &s, k == LAYER_CONVT2D, e))
		return err_set(e, e->code, "network %c, layer %d: %s", op->net, op->index, e->msg);
	op->plan = p;
	return 0;
}

/* A convolution that runs on oneDNN (a plan), whose input (out 0) or
 * output (1) may be held blocked: its block width (16 or 8), else 0. */
static int blockable(const LayerOp *op, int out)
{
	int k = op->spec->kind;
	return (k == LAYER_CONV2D || k == LAYER_CONVT2D) && op->plan ?
		       dnnlconv_blockable(op->plan, out) : 0;
}

/* Whether the first layer at or after j that is not an activation takes an
 * input in blocks of blk channels: a convolution blockable with that width,
 * or a batch norm over channels a multiple of it (which may hand on plain). */
static int takes_blocked(const LayerOp *ops, int n, int j, int blk)
{
	while (j < n && ops[j].spec->kind == LAYER_ACT)
		j++;
	if (j >= n || !blk)
		return 0;
	if (ops[j].spec->kind == LAYER_BN2D)
		return ops[j].bs.c % blk == 0;
	return blockable(&ops[j], 0) == blk;
}

/* The activations between oneDNN convolutions, through batch norms and
 * activations, stay in the blocked layout oneDNN's kernels want (nChw16c
 * with AVX-512, nChw8c with AVX2): their reorders to and from plain NCHW
 * took 8-9 % of a dcgan-mnist step (see README). A convolution's output is
 * blocked where the next layer past the activations takes it with the same
 * width (blockable, a batch norm); a batch norm's where its input is and
 * the next one takes it too, else it writes plain from blocked (before a
 * flatten, a linear layer, a convolution on OpenBLAS); an activation's as
 * its input. The network's input, linear layers and reshapes stay plain. */
static int onednn_plan_net(void *ctx, LayerOp *ops, int n, int plain, Err *e)
{
	int prev = 0;             /* the block width of the tensor entering layer i (0: plain) */
	for (int i = 0; i < n; i++) {
		int k = ops[i].spec->kind, out = 0;
		int conv = (k == LAYER_CONV2D || k == LAYER_CONVT2D) && ops[i].plan;
		if (plain)
			out = 0;
		else if (conv) {
			out = blockable(&ops[i], 1);
			out = takes_blocked(ops, n, i + 1, out) ? out : 0;
		} else if (k == LAYER_BN2D)
			out = takes_blocked(ops, n, i + 1, prev) ? prev : 0;
		else if (k == LAYER_ACT)
			out = prev;
		if (k == LAYER_BN2D) {
			ops[i].bs.blk = prev;
			ops[i].bs.plain_y = prev && !out;
		}
		if (conv && dnnlconv_layout(ops[i].plan, prev, out, e))
			return err_set(e, e->code, "network %c, layer %d: %s", ops[i].net,
				       ops[i].index, e->msg);
		prev = out;
	}
	return 0;
}

static void onednn_layer_free(void *ctx, LayerOp *op)
{
	dnnlconv_free(op->plan);
	op->plan = NULL;
}

static int onednn_forward(void *ctx, const LayerOp *op)
{
	if (!op->plan)
		return cpu_forward(NULL, op);
	if (dnnl_lib_error(ctx, NULL))
		return -1;
	return dnnlconv_forward(op->plan, op->out, op->x, op->w, op->b, op->batch, op->ws);
}

static int onednn_backward(void *ctx, const LayerOp *op)
{
	if (!op->plan)
		return cpu_backward(NULL, op);
	if (dnnl_lib_error(ctx, NULL))
		return -1;
	return dnnlconv_backward(op->plan, op->dx, op->dw, op->db, op->dy, op->x, op->w,
				 op->batch, op->ws);
}

static int onednn_error(void *ctx, Err *e)
{
	return dnnl_lib_error(ctx, e);
}

static void onednn_close(void *ctx)
{
	dnnl_lib_close(ctx);
}

static const BackendOps onednn_ops = {
	.name = "cpu",
	.host_memory = 1,
	.supports = cpu_supports,
	.alloc = cpu_alloc,
	.free = cpu_free,
	.upload = cpu_copy,
	.download = cpu_copy,
	.zero = cpu_zero,
	.copy = cpu_copy,
	.layer_init = onednn_layer_init,
	.layer_free = onednn_layer_free,
	.forward = onednn_forward,
	.backward = onednn_backward,
	.nonfinite = cpu_nonfinite,
	.adam = cpu_adam,
	.sgd = cpu_sgd,
	.bce = cpu_bce,
	.gather = cpu_gather,
	.error = onednn_error,
	.close = onednn_close,
	.plan_net = onednn_plan_net,
	.fuses_bn_act = 1,
};

int backend_onednn(Backend *be, int bf16, Err *e)
{
	DnnlLib *l;
	*be = backend_cpu();
	if (dnnl_lib_open(&l, e))
		return -1;
	if (bf16 && dnnl_lib_bf16(l, e)) {
		dnnl_lib_close(l);
		return -1;
	}
	*be = (Backend){ &onednn_ops, l };
	return 0;
}
