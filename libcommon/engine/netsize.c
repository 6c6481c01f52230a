/* netsize.c - one pass over a network's layers giving every array's size
 * and offset: parameters in state_dict order, running statistics, the
 * activations (sharing a buffer where an activation may work in place), the
 * saved values, one workspace and the backward ping-pong buffers. */
#include "netsize.h"

#include <string.h>

/* Saturating size arithmetic: the limits of model.c keep real networks far
 * below 2^62 floats, this keeps a hostile spec from wrapping around. */
static int64_t add(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t mul(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

/* The next offset for an array of n floats at *at. */
static int64_t carve(int64_t *at, int64_t n)
{
	int64_t off = *at;
	*at = add(off, mul((add(n, NETSIZE_ALIGN - 1) / NETSIZE_ALIGN), NETSIZE_ALIGN));
	return off;
}

static int is_reshape(LayerKind k)
{
	return k == LAYER_FLATTEN || k == LAYER_UNFLATTEN;
}

static int is_bn(LayerKind k)
{
	return k == LAYER_BN1D || k == LAYER_BN2D;
}

/* An activation may overwrite the output of the layer before it when its
 * backward needs only its own output (tanh, sigmoid) or the sign of its
 * input, which its output keeps (ReLU, LeakyReLU with alpha >= 0), and when
 * that layer's backward needs its input, not its output (every kind but an
 * activation). Saves a third of the memory of conv-BN-activation blocks. */
static int can_inplace(const NetSpec *s, int i)
{
	const LayerSpec *L = &s->l[i], *P = i > 0 ? &s->l[i - 1] : NULL;
	if (L->kind != LAYER_ACT || !P || is_reshape(P->kind) || P->kind == LAYER_ACT ||
	    shape_numel(&P->out) != shape_numel(&L->out))
		return 0;
	ActKind k = L->act;
	return k == ACT_RELU || k == ACT_TANH || k == ACT_SIGMOID ||
	       (k == ACT_LEAKY_RELU && L->alpha >= 0);
}

int layer_weight_shape(const LayerSpec *s, int64_t *shape, int64_t *bias_n)
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

/* Parameters and buffers of layer i: counts in z->np, z->nb so far. */
static void size_params(NetSize *z, const LayerSpec *s, int i)
{
	int64_t ws[4], bn;
	int nd = layer_weight_shape(s, ws, &bn);
	z->l[i].w = z->l[i].b = z->l[i].rm = z->l[i].rv = -1;
	z->l[i].w_n = z->l[i].b_n = 0;
	if (nd == 0)
		return;
	int64_t wn = 1;
	for (int k = 0; k < nd; k++)
		wn = mul(wn, ws[k]);
	z->l[i].w = z->np;
	z->l[i].w_n = wn;
	z->np = add(z->np, wn);
	if (bn) {
		z->l[i].b = z->np;
		z->l[i].b_n = bn;
		z->np = add(z->np, bn);
	}
	if (is_bn(s->kind)) {
		z->l[i].rm = z->nb;
		z->l[i].rv = add(z->nb, bn);
		z->nb = add(z->nb, mul(2, bn));
	}
}

/* Shapes for the convolution and batch-norm kernels; workspace floats. */
static int64_t size_shapes(NetSize *z, const LayerSpec *s, int i, int max_batch)
{
	int64_t ws = 0;
	memset(&z->l[i].cs, 0, sizeof z->l[i].cs);
	memset(&z->l[i].bs, 0, sizeof z->l[i].bs);
	if (s->kind == LAYER_CONV2D || s->kind == LAYER_CONVT2D) {
		ConvShape *cs = &z->l[i].cs;
		*cs = (ConvShape){ .n = max_batch, .cin = s->a, .h = s->in.h, .w = s->in.w,
				   .cout = s->b, .k = s->k, .stride = s->s, .pad = s->p };
		if (s->kind == LAYER_CONV2D) {
			conv2d_shape(cs);
			ws = (int64_t)conv2d_workspace(cs);
		} else {
			convt2d_shape(cs);
			ws = (int64_t)convt2d_workspace(cs);
		}
	} else if (is_bn(s->kind)) {
		z->l[i].bs = (BnShape){ .n = max_batch, .c = s->a, .hw = s->in.h * s->in.w,
					.eps = 1e-5f, .momentum = 0.1f };
	} else if (s->kind == LAYER_MBDISC) {
		ws = mul(mul(max_batch, s->b), s->c);
	}
	return ws;
}

/* Activations and saved values of layer i into the work block at *at. */
static void size_work(NetSize *z, const NetSpec *s, int i, int max_batch, int64_t *at)
{
	const LayerSpec *L = &s->l[i];
	z->l[i].out = z->l[i].save = -1;
	z->l[i].inplace = 0;
	if (is_reshape(L->kind))
		return;
	if (can_inplace(s, i)) {
		z->l[i].inplace = 1;
		z->l[i].out = z->l[i - 1].out;
		return;
	}
	z->l[i].out = carve(at, mul(max_batch, shape_numel(&L->out)));
	if (is_bn(L->kind))
		z->l[i].save = carve(at, mul(2, L->a));
	else if (L->kind == LAYER_MBDISC)
		z->l[i].save = carve(at, mul(mul(max_batch, L->b), L->c));
}

void net_size(NetSize *z, const NetSpec *s, int max_batch)
{
	memset(z, 0, sizeof *z);
	int64_t ws = 1, act = 1, at = 0;
	for (int i = 0; i < s->n; i++) {
		const LayerSpec *L = &s->l[i];
		size_params(z, L, i);
		int64_t w = size_shapes(z, L, i, max_batch);
		ws = w > ws ? w : ws;
		int64_t in = shape_numel(&L->in), out = shape_numel(&L->out);
		act = (in > out ? in : out) > act ? (in > out ? in : out) : act;
		size_work(z, s, i, max_batch, &at);
	}
	int64_t st = 0;
	z->params = carve(&st, z->np);
	z->grads = carve(&st, z->np);
	z->m = carve(&st, z->np);
	z->v = carve(&st, z->np);
	z->bufs = carve(&st, z->nb);
	z->state = st;
	z->ws_n = ws;
	z->ws = carve(&at, ws);
	z->s_n = mul(act, max_batch);
	z->s0 = carve(&at, z->s_n);
	z->s1 = carve(&at, z->s_n);
	z->work = at;
	int64_t floats = add(z->state, z->work);
	z->bytes = floats > (int64_t)(SIZE_MAX / sizeof(float)) ? SIZE_MAX :
		   (size_t)floats * sizeof(float);
}

size_t trainer_bytes(const Model *m, int max_batch)
{
	NetSize z;
	int64_t lat = shape_numel(&m->latent), dat = shape_numel(&m->data);
	int64_t mb = max_batch;
	int64_t fl = add(mul(m->fixed_samples, lat), mul(mb, add(mul(2, lat), add(mul(2, dat), 1))));
	size_t bytes = fl > (int64_t)(SIZE_MAX / sizeof(float)) ? SIZE_MAX :
		       (size_t)fl * sizeof(float);
	const NetSpec *nets[2] = { &m->G, &m->D };
	for (int k = 0; k < 2; k++) {
		net_size(&z, nets[k], max_batch);
		size_t more = z.bytes;
		if (k == 0 && m->ema > 0) {   /* the EMA of G: its parameters and buffers */
			int64_t ema = add(z.np, z.nb);
			more = ema > (int64_t)((SIZE_MAX - more) / sizeof(float)) ? SIZE_MAX :
			       more + (size_t)ema * sizeof(float);
		}
		bytes = more > SIZE_MAX - bytes ? SIZE_MAX : bytes + more;
	}
	return bytes;
}
