/* net.c - the Sequential network: layout of parameters and buffers in
 * PyTorch state_dict order, one-time allocation for a maximum batch, and
 * forward/backward over the layers of libcommon without allocating. */
#include "net.h"

#include "memcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "gemm.h"
#include "init.h"
#include "linear.h"
#include "mbdisc.h"
#include "netgpu.h"

static int is_reshape(const Layer *L)
{
	return L->spec.kind == LAYER_FLATTEN || L->spec.kind == LAYER_UNFLATTEN;
}

static int is_bn(const Layer *L)
{
	return L->spec.kind == LAYER_BN1D || L->spec.kind == LAYER_BN2D;
}

/* An activation may overwrite the output of the layer before it when its
 * backward needs only its own output (tanh, sigmoid) or the sign of its
 * input, which its output keeps (ReLU, LeakyReLU with alpha >= 0), and when
 * that layer's backward needs its input, not its output (every kind but an
 * activation). Saves a third of the memory of conv-BN-activation blocks. */
static int can_inplace(const Net *n, int i)
{
	const Layer *L = &n->l[i], *P = i > 0 ? &n->l[i - 1] : NULL;
	if (L->spec.kind != LAYER_ACT || !P || is_reshape(P) || P->spec.kind == LAYER_ACT ||
	    P->out_n != L->out_n)
		return 0;
	ActKind k = L->spec.act;
	return k == ACT_RELU || k == ACT_TANH || k == ACT_SIGMOID ||
	       (k == ACT_LEAKY_RELU && L->spec.alpha >= 0);
}

/* Adds a tensor to the name table. */
static void add_tensor(Net *n, int layer, const char *what, int ndim, const int64_t *shape,
		       int64_t off, int is_buf, int is_nbt)
{
	NetTensor *t = &n->t[n->nt++];
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%c.%d.%s", n->prefix, layer, what);
	t->ndim = ndim;
	t->numel = 1;
	for (int i = 0; i < ndim; i++) {
		t->shape[i] = shape[i];
		t->numel *= shape[i];
	}
	t->is_buf = is_buf;
	t->is_nbt = is_nbt;
	t->layer = layer;
	t->off = off;
}

/* Weight shape of a layer with parameters: ndim, shape; bias length. */
static int weight_shape(const LayerSpec *s, int64_t *shape, int64_t *bias_n)
{
	switch (s->kind) {
	case LAYER_LINEAR:
		shape[0] = s->b, shape[1] = s->a;
		*bias_n = s->bias ? s->b : 0;
		return 2;
	case LAYER_CONV2D:
	case LAYER_CONVT2D:
		shape[0] = s->kind == LAYER_CONV2D ? s->b : s->a;
		shape[1] = s->kind == LAYER_CONV2D ? s->a : s->b;
		shape[2] = shape[3] = s->k;
		*bias_n = s->bias ? s->b : 0;
		return 4;
	case LAYER_BN1D:
	case LAYER_BN2D:
		shape[0] = s->a;
		*bias_n = s->a;
		return 1;
	case LAYER_MBDISC:
		shape[0] = (int64_t)s->b * s->c, shape[1] = s->a;
		*bias_n = (int64_t)s->b * s->c;
		return 2;
	default:
		*bias_n = 0;
		return 0;
	}
}

/* Lays out parameters and buffers of every layer and names them. */
static void layout(Net *n)
{
	for (int i = 0; i < n->nl; i++) {
		Layer *L = &n->l[i];
		int64_t ws[4], bn;
		int nd = weight_shape(&L->spec, ws, &bn);
		L->w_off = L->b_off = L->rm_off = L->rv_off = -1;
		if (nd == 0)
			continue;
		L->w_n = 1;
		for (int k = 0; k < nd; k++)
			L->w_n *= ws[k];
		L->w_off = n->np;
		n->np += L->w_n;
		add_tensor(n, i, "weight", nd, ws, L->w_off, 0, 0);
		if (bn) {
			L->b_n = bn;
			L->b_off = n->np;
			n->np += bn;
			add_tensor(n, i, "bias", 1, &bn, L->b_off, 0, 0);
		}
		if (is_bn(L)) {
			L->rm_off = n->nb;
			L->rv_off = n->nb + bn;
			n->nb += 2 * bn;
			add_tensor(n, i, "running_mean", 1, &bn, L->rm_off, 1, 0);
			add_tensor(n, i, "running_var", 1, &bn, L->rv_off, 1, 0);
			add_tensor(n, i, "num_batches_tracked", 0, NULL, 0, 1, 1);
		}
	}
}

/* Shapes for the convolution and batch-norm kernels; workspace need. */
static size_t layer_setup(Layer *L, int max_batch)
{
	const LayerSpec *s = &L->spec;
	size_t ws = 0;
	if (s->kind == LAYER_CONV2D || s->kind == LAYER_CONVT2D) {
		L->cs = (ConvShape){ .n = max_batch, .cin = s->a, .h = s->in.h, .w = s->in.w,
				     .cout = s->b, .k = s->k, .stride = s->s, .pad = s->p };
		if (s->kind == LAYER_CONV2D) {
			conv2d_shape(&L->cs);
			ws = conv2d_workspace(&L->cs);
		} else {
			convt2d_shape(&L->cs);
			ws = convt2d_workspace(&L->cs);
		}
	} else if (is_bn(L)) {
		L->bs = (BnShape){ .n = max_batch, .c = s->a, .hw = s->in.h * s->in.w,
				   .eps = 1e-5f, .momentum = 0.1f };
	} else if (s->kind == LAYER_MBDISC) {
		ws = (size_t)max_batch * s->b * s->c;
	}
	return ws;
}

/* Allocates activations, saved values, scratch and workspace. */
/* Bytes alloc_buffers will allocate for n's layers at n->max_batch. */
static size_t buffer_bytes(Net *n)
{
	size_t ws = 1, act = 1, total = 0, mb = (size_t)n->max_batch;
	for (int i = 0; i < n->nl; i++) {
		Layer *L = &n->l[i];
		size_t w = layer_setup(L, n->max_batch);
		ws = w > ws ? w : ws;
		size_t a = (size_t)(L->in_n > L->out_n ? L->in_n : L->out_n);
		act = a > act ? a : act;
		if (!is_reshape(L) && !can_inplace(n, i))
			total += mb * (size_t)L->out_n;
		if (L->spec.kind == LAYER_MBDISC)
			total += mb * L->spec.b * L->spec.c;
	}
	return (total + ws + 2 * act * mb) * sizeof(float);
}

static int alloc_buffers(Net *n, Err *e)
{
	size_t ws = 1, act = 1;
	int bad = 0;
	for (int i = 0; i < n->nl; i++) {
		Layer *L = &n->l[i];
		size_t w = layer_setup(L, n->max_batch);
		ws = w > ws ? w : ws;
		size_t a = (size_t)(L->in_n > L->out_n ? L->in_n : L->out_n);
		act = a > act ? a : act;
		if (is_reshape(L))
			continue;
		L->inplace = can_inplace(n, i);
		if (L->inplace) {
			L->out = n->l[i - 1].out;
			continue;
		}
		L->out = calloc((size_t)n->max_batch * (size_t)L->out_n, sizeof(float));
		bad |= !L->out;
		if (is_bn(L))
			L->save = calloc(2 * (size_t)L->spec.a, sizeof(float));
		else if (L->spec.kind == LAYER_MBDISC)
			L->save = calloc((size_t)n->max_batch * L->spec.b * L->spec.c, sizeof(float));
		bad |= (is_bn(L) || L->spec.kind == LAYER_MBDISC) && !L->save;
	}
	act *= (size_t)n->max_batch;
	n->ws = calloc(ws, sizeof(float));
	n->s0 = calloc(act, sizeof(float));
	n->s1 = calloc(act, sizeof(float));
	if (bad || !n->ws || !n->s0 || !n->s1)
		return err_set(e, EXIT_SYS, "out of memory for network %c (batch %d)",
			       n->prefix, n->max_batch);
	return 0;
}

/* 1 when a layer of n multiplies through OpenBLAS at some batch up to
 * max_batch (gemm_is_tiny grows false with each size): convolutions always,
 * linear layers unless all three of their products are tiny. */
static int needs_blas(const Net *n)
{
	for (int i = 0; i < n->nl; i++) {
		const LayerSpec *s = &n->l[i].spec;
		int b = n->max_batch, in = s->a, out = s->b;
		if (s->kind == LAYER_CONV2D || s->kind == LAYER_CONVT2D ||
		    (s->kind == LAYER_LINEAR && (!gemm_is_tiny(b, out, in) ||
						 !gemm_is_tiny(out, in, b) ||
						 !gemm_is_tiny(b, in, out))))
			return 1;
	}
	return 0;
}

int net_layout(Net *n, const NetSpec *s, char prefix, int max_batch, Err *e)
{
	memset(n, 0, sizeof *n);
	n->prefix = prefix;
	n->nl = s->n;
	n->max_batch = max_batch;
	n->l = calloc((size_t)s->n, sizeof *n->l);
	n->t = calloc((size_t)s->n * 5 + 1, sizeof *n->t);
	if (!n->l || !n->t) {
		net_free(n);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	for (int i = 0; i < s->n; i++) {
		n->l[i].spec = s->l[i];
		n->l[i].in_n = shape_numel(&s->l[i].in);
		n->l[i].out_n = shape_numel(&s->l[i].out);
	}
	layout(n);
	return 0;
}

/* The memory check comes before any allocation that grows with the model:
 * parameters, gradients, both Adam moments and BN buffers, then the
 * activations (buffer_bytes). */
int net_init(Net *n, const NetSpec *s, char prefix, int max_batch, size_t *planned, Err *e)
{
	if (net_layout(n, s, prefix, max_batch, e))
		return -1;
	char what[64];
	snprintf(what, sizeof what, "the model at batch %d", max_batch);
	*planned += buffer_bytes(n) + ((size_t)n->np * 4 + (size_t)n->nb) * sizeof(float);
	if (mem_check(*planned, what, NULL, e)) {
		net_free(n);
		return -1;
	}
	size_t np = (size_t)n->np + 1;
	n->params = calloc(np, sizeof(float));
	n->grads = calloc(np, sizeof(float));
	n->m = calloc(np, sizeof(float));
	n->v = calloc(np, sizeof(float));
	n->bufs = calloc((size_t)n->nb + 1, sizeof(float));
	if (!n->params || !n->grads || !n->m || !n->v || !n->bufs) {
		net_free(n);
		return err_set(e, EXIT_SYS, "out of memory for network %c", prefix);
	}
	if (alloc_buffers(n, e) || (needs_blas(n) && gemm_load(e))) {
		net_free(n);
		return -1;
	}
	return 0;
}

void net_free(Net *n)
{
	if (n->gpu)
		netgpu_detach(n);
	for (int i = 0; n->l && i < n->nl; i++) {
		if (!n->l[i].inplace)
			free(n->l[i].out);
		free(n->l[i].save);
	}
	free(n->l);
	free(n->t);
	free(n->params);
	free(n->grads);
	free(n->m);
	free(n->v);
	free(n->bufs);
	free(n->ws);
	free(n->s0);
	free(n->s1);
	memset(n, 0, sizeof *n);
}

/* fan_in of a weight as PyTorch computes it: dim 1 times the kernel area. */
static int fan_in(const LayerSpec *s)
{
	switch (s->kind) {
	case LAYER_LINEAR: return s->a;
	case LAYER_CONV2D: return s->a * s->k * s->k;
	case LAYER_CONVT2D: return s->b * s->k * s->k;
	case LAYER_MBDISC: return s->a;
	default: return 1;
	}
}

void net_init_params(Net *n, const Model *m, Rng *r)
{
	for (int i = 0; i < n->nl; i++) {
		Layer *L = &n->l[i];
		if (L->w_off < 0)
			continue;
		InitKind k = L->spec.init != INIT_DEFAULT ? L->spec.init : m->init;
		float std = L->spec.init != INIT_DEFAULT ? L->spec.init_std : m->init_std;
		float *w = n->params + L->w_off;
		float *b = L->b_off >= 0 ? n->params + L->b_off : NULL;
		if (k == INIT_NORMAL) {
			init_normal(r, w, (size_t)L->w_n, 0, std);
			if (b)
				init_normal(r, b, (size_t)L->b_n, 0, std);
		} else if (is_bn(L)) {
			init_const(w, (size_t)L->w_n, 1);
			init_const(b, (size_t)L->b_n, 0);
		} else if (k == INIT_PYTORCH) {
			float bound = init_pytorch_bound(fan_in(&L->spec));
			init_uniform(r, w, (size_t)L->w_n, -bound, bound);
			if (b)
				init_uniform(r, b, (size_t)L->b_n, -bound, bound);
		} else {
			init_normal(r, w, (size_t)L->w_n, 0, std);
			if (b)
				init_const(b, (size_t)L->b_n, 0);
		}
		if (is_bn(L)) {
			init_const(n->bufs + L->rm_off, (size_t)L->b_n, 0);
			init_const(n->bufs + L->rv_off, (size_t)L->b_n, 1);
			L->nbt = 0;
		}
	}
}

/* One layer forward: x (batch, in_n) -> L->y. */
static void layer_forward(Net *n, Layer *L, const float *x, int batch, int train)
{
	const LayerSpec *s = &L->spec;
	const float *w = L->w_off >= 0 ? n->params + L->w_off : NULL;
	const float *b = L->b_off >= 0 ? n->params + L->b_off : NULL;
	ConvShape cs = L->cs;
	BnShape bs = L->bs;
	cs.n = bs.n = batch;
	L->y = L->out;
	switch (s->kind) {
	case LAYER_LINEAR:
		linear_forward(L->out, x, w, b, batch, s->a, s->b);
		break;
	case LAYER_CONV2D:
		conv2d_forward(L->out, x, w, b, &cs, n->ws);
		break;
	case LAYER_CONVT2D:
		convt2d_forward(L->out, x, w, b, &cs, n->ws);
		break;
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (train && n->bn_sync) {
			bnsync_forward_train(L->out, L->save, L->save + s->a,
					     n->bufs + L->rm_off, n->bufs + L->rv_off,
					     x, w, b, &bs, n->bn_sync);
			L->nbt++;
		} else if (train) {
			batchnorm_forward_train(L->out, L->save, L->save + s->a,
						n->bufs + L->rm_off, n->bufs + L->rv_off,
						x, w, b, &bs);
			L->nbt++;
		} else {
			batchnorm_forward_eval(L->out, x, w, b, n->bufs + L->rm_off,
					       n->bufs + L->rv_off, &bs);
		}
		break;
	case LAYER_ACT:
		act_forward(s->act, s->alpha, L->out, x, (size_t)batch * (size_t)L->out_n);
		break;
	case LAYER_MBDISC:
		mbdisc_forward(L->out, L->save, x, w, b, batch, s->a, s->b, s->c);
		break;
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		L->y = x;
		break;
	}
}

const float *net_forward(Net *n, const float *in, int batch, int train)
{
	if (n->gpu)
		return netgpu_forward(n, in, batch, train);
	const float *x = in;
	n->in = in;
	n->batch = batch;
	for (int i = 0; i < n->nl; i++) {
		layer_forward(n, &n->l[i], x, batch, train);
		x = n->l[i].y;
	}
	return x;
}

/* One layer backward: dout -> din (may be NULL for layers that allow it). */
static void layer_backward(Net *n, Layer *L, const float *x, const float *dout, float *din,
			   int pg)
{
	const LayerSpec *s = &L->spec;
	const float *w = L->w_off >= 0 ? n->params + L->w_off : NULL;
	float *dw = pg && L->w_off >= 0 ? n->grads + L->w_off : NULL;
	float *db = pg && L->b_off >= 0 ? n->grads + L->b_off : NULL;
	int batch = n->batch;
	ConvShape cs = L->cs;
	BnShape bs = L->bs;
	cs.n = bs.n = batch;
	switch (s->kind) {
	case LAYER_LINEAR:
		linear_backward(din, dw, db, dout, x, w, batch, s->a, s->b);
		break;
	case LAYER_CONV2D:
		conv2d_backward(din, dw, db, dout, x, w, &cs, n->ws);
		break;
	case LAYER_CONVT2D:
		convt2d_backward(din, dw, db, dout, x, w, &cs, n->ws);
		break;
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (n->bn_sync)
			bnsync_backward(din, dw, db, dout, x, L->save, L->save + s->a, w, &bs,
					n->bn_sync);
		else
			batchnorm_backward(din, dw, db, dout, x, L->save, L->save + s->a, w, &bs);
		break;
	case LAYER_ACT:
		act_backward(s->act, s->alpha, din, dout, x, L->out,
			     (size_t)batch * (size_t)L->out_n);
		break;
	case LAYER_MBDISC:
		mbdisc_backward(din, dw, db, dout, x, L->save, w, batch, s->a, s->b, s->c, n->ws);
		break;
	case LAYER_FLATTEN:
	case LAYER_UNFLATTEN:
		break;
	}
}

void net_backward(Net *n, const float *dout, float *din, int param_grads)
{
	if (n->gpu) {
		netgpu_backward(n, dout, din, param_grads);
		return;
	}
	int first = -1;
	for (int i = 0; i < n->nl && first < 0; i++)
		if (!is_reshape(&n->l[i]))
			first = i;
	const float *g = dout;
	for (int i = n->nl - 1; i >= 0 && first >= 0; i--) {
		Layer *L = &n->l[i];
		if (is_reshape(L))
			continue;
		const float *x = i ? n->l[i - 1].y : n->in;
		float *target = g == n->s0 ? n->s1 : n->s0;
		if (i == first) {
			int may_skip = L->spec.kind == LAYER_LINEAR || L->spec.kind == LAYER_CONV2D ||
				       L->spec.kind == LAYER_CONVT2D || L->spec.kind == LAYER_MBDISC;
			target = din ? din : may_skip ? NULL : target;
		}
		layer_backward(n, L, x, g, target, param_grads);
		g = target;
	}
	if (din && first < 0)
		memcpy(din, dout, (size_t)n->batch * (size_t)n->l[0].in_n * sizeof(float));
}

void net_zero_grads(Net *n)
{
	if (n->gpu) {
		netgpu_zero_grads(n);
		return;
	}
	memset(n->grads, 0, (size_t)n->np * sizeof(float));
}

int net_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e)
{
	if (batch < 1 || batch > n->max_batch)
		return err_set(e, EXIT_BAD, "batch %d outside 1 .. %d", batch, n->max_batch);
	if (n->gpu)
		return netgpu_forward_host(n, in, batch, train, out, e);
	const float *y = net_forward(n, in, batch, train);
	memcpy(out, y, (size_t)batch * (size_t)n->l[n->nl - 1].out_n * sizeof(float));
	return 0;
}

const NetTensor *net_tensor(const Net *n, const char *name)
{
	for (int i = 0; i < n->nt; i++)
		if (strcmp(n->t[i].name, name) == 0)
			return &n->t[i];
	return NULL;
}

float *net_tensor_data(Net *n, const NetTensor *t)
{
	if (t->is_nbt)
		return NULL;
	return (t->is_buf ? n->bufs : n->params) + t->off;
}

/* 1 if all n floats are finite. */
static int all_finite(const float *p, int64_t n)
{
	int ok = 1;
	for (int64_t i = 0; i < n; i++)
		ok &= isfinite(p[i]) != 0;
	return ok;
}

int net_finite(const Net *n)
{
	if (n->gpu)
		return netgpu_finite(n);
	return all_finite(n->params, n->np) && all_finite(n->bufs, n->nb);
}
