/* net.c - the Sequential network: names of parameters and buffers in
 * PyTorch state_dict order, the two blocks sized by netsize.c, placement on
 * a backend, and the one walk over the layers (forward, backward with its
 * ping-pong buffers and first-layer skip, the BN counters and --sync-bn's
 * hook) that every backend shares. */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "init.h"

static int is_reshape(const Layer *L)
{
	return L->spec.kind == LAYER_FLATTEN || L->spec.kind == LAYER_UNFLATTEN;
}

static int is_bn(const Layer *L)
{
	return L->spec.kind == LAYER_BN1D || L->spec.kind == LAYER_BN2D;
}

/* The activation (BN_ACT_*) that the batch norm at layer i applies itself
 * on n's backend, or BN_ACT_NONE: a ReLU or LeakyReLU right after it that
 * runs in place (its output is the batch norm's: netsize.c), where the
 * backend fuses them and no --sync-bn reduces the statistics (bnsync.c
 * knows no activation). The same bits as the two layers' own passes. */
static int fused_act(const Net *n, int i)
{
	if (!n->be.ops->fuses_bn_act || n->bn_sync || !is_bn(&n->l[i]) || i + 1 >= n->nl ||
	    !n->size->l[i + 1].inplace || n->l[i + 1].spec.kind != LAYER_ACT)
		return BN_ACT_NONE;
	const LayerSpec *a = &n->l[i + 1].spec;
	if (a->act == ACT_RELU)
		return BN_ACT_RELU;
	return a->act == ACT_LEAKY_RELU && a->alpha >= 0 ? BN_ACT_LEAKY : BN_ACT_NONE;
}

/* Whether layer i is an activation that the batch norm before it applied
 * in the last forward (fused_act then, kept in that layer's bs.act). */
static int act_done(const Net *n, int i)
{
	return i > 0 && n->l[i].spec.kind == LAYER_ACT && is_bn(&n->l[i - 1]) &&
	       n->op[i - 1].bs.act != BN_ACT_NONE;
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

/* Each layer's offsets from the sizes, and the names of its tensors. */
static void layout(Net *n)
{
	const NetSize *z = n->size;
	for (int i = 0; i < n->nl; i++) {
		Layer *L = &n->l[i];
		int64_t ws[4], bn;
		int nd = layer_weight_shape(&L->spec, ws, &bn);
		L->w_off = z->l[i].w, L->b_off = z->l[i].b;
		L->w_n = z->l[i].w_n, L->b_n = z->l[i].b_n;
		L->rm_off = z->l[i].rm, L->rv_off = z->l[i].rv;
		if (nd == 0)
			continue;
		add_tensor(n, i, "weight", nd, ws, L->w_off, 0, 0);
		if (bn)
			add_tensor(n, i, "bias", 1, &bn, L->b_off, 0, 0);
		if (is_bn(L)) {
			add_tensor(n, i, "running_mean", 1, &bn, L->rm_off, 1, 0);
			add_tensor(n, i, "running_var", 1, &bn, L->rv_off, 1, 0);
			add_tensor(n, i, "num_batches_tracked", 0, NULL, 0, 1, 1);
		}
	}
}

/* The arrays of every layer on n's backend, from its two blocks. */
static void point_ops(Net *n)
{
	const NetSize *z = n->size;
	float *p = n->on_state + z->params, *g = n->on_state + z->grads;
	float *bufs = n->on_state + z->bufs, *work = n->on_work;
	for (int i = 0; i < n->nl; i++) {
		const Layer *L = &n->l[i];
		LayerOp *op = &n->op[i];
		void *plan = op->plan;
		*op = (LayerOp){ .spec = &L->spec, .net = n->prefix, .index = i,
				 .max_batch = n->max_batch, .in_n = L->in_n, .out_n = L->out_n,
				 .cs = z->l[i].cs, .bs = z->l[i].bs, .plan = plan };
		op->w = L->w_off >= 0 ? p + L->w_off : NULL;
		op->b = L->b_off >= 0 ? p + L->b_off : NULL;
		op->gw = L->w_off >= 0 ? g + L->w_off : NULL;
		op->gb = L->b_off >= 0 ? g + L->b_off : NULL;
		op->rm = L->rm_off >= 0 ? bufs + L->rm_off : NULL;
		op->rv = L->rv_off >= 0 ? bufs + L->rv_off : NULL;
		op->out = z->l[i].out >= 0 ? work + z->l[i].out : NULL;
		op->save = z->l[i].save >= 0 ? work + z->l[i].save : NULL;
		op->ws = work + z->ws;
	}
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

/* The host blocks, sized by n->size, and the views into the state. */
static int alloc_blocks(Net *n, Err *e)
{
	Backend cpu = backend_cpu();
	const NetSize *z = n->size;
	if (cpu.ops->alloc(cpu.ctx, (size_t)z->state * sizeof(float), &n->state, e) ||
	    cpu.ops->alloc(cpu.ctx, (size_t)z->work * sizeof(float), &n->work, e))
		return err_set(e, EXIT_SYS, "out of memory for network %c (batch %d)", n->prefix,
			       n->max_batch);
	float *st = n->state;
	n->params = st + z->params;
	n->grads = st + z->grads;
	n->m = st + z->m;
	n->v = st + z->v;
	n->bufs = st + z->bufs;
	n->be = cpu;
	n->on_state = n->state;
	n->on_work = n->work;
	point_ops(n);
	return 0;
}

int net_layout(Net *n, const NetSpec *s, char prefix, int max_batch, Err *e)
{
	memset(n, 0, sizeof *n);
	n->prefix = prefix;
	n->nl = s->n;
	n->max_batch = max_batch;
	n->first = -1;
	n->be = backend_cpu();
	n->l = calloc((size_t)s->n + 1, sizeof *n->l);
	n->op = calloc((size_t)s->n + 1, sizeof *n->op);
	n->t = calloc((size_t)s->n * 5 + 1, sizeof *n->t);
	n->size = malloc(sizeof *n->size);
	if (!n->l || !n->op || !n->t || !n->size) {
		net_free(n);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	for (int i = 0; i < s->n; i++) {
		n->l[i].spec = s->l[i];
		n->l[i].in_n = shape_numel(&s->l[i].in);
		n->l[i].out_n = shape_numel(&s->l[i].out);
		if (n->first < 0 && !is_reshape(&n->l[i]))
			n->first = i;
	}
	net_size(n->size, s, max_batch);
	n->np = n->size->np;
	n->nb = n->size->nb;
	layout(n);
	return 0;
}

int net_init(Net *n, const NetSpec *s, char prefix, int max_batch, Err *e)
{
	if (net_layout(n, s, prefix, max_batch, e))
		return -1;
	if (alloc_blocks(n, e) || (needs_blas(n) && gemm_load(e))) {
		net_free(n);
		return -1;
	}
	return 0;
}

void net_free(Net *n)
{
	Backend cpu = backend_cpu();
	if (n->op)
		net_drop(n);
	cpu.ops->free(cpu.ctx, n->state);
	cpu.ops->free(cpu.ctx, n->work);
	free(n->l);
	free(n->op);
	free(n->t);
	free(n->size);
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

/* A layer to cannot run, with e saying which; 0 if none. */
static int check_supported(const Net *n, Backend to, Err *e)
{
	for (int i = 0; i < n->nl; i++)
		if (!to.ops->supports(&n->l[i].spec))
			return err_set(e, EXIT_BAD, "network %c, layer %d: %s has no %s "
				       "implementation", n->prefix, i,
				       layer_kind_desc(n->l[i].spec.kind), to.ops->name);
	return 0;
}

/* n's blocks and plans on to, the state copied there. */
static int attach(Net *n, Backend to, Err *e)
{
	const NetSize *z = n->size;
	void *st, *wk, *io;
	n->be = to;
	if (backend_twin(to, n->state, (size_t)z->state * sizeof(float), &st, e))
		return -1;
	n->on_state = st;
	if (backend_twin(to, n->work, (size_t)z->work * sizeof(float), &wk, e))
		return -1;
	n->on_work = wk;
	size_t in = (size_t)n->max_batch * (size_t)n->l[0].in_n * sizeof(float);
	if (backend_staging(to, in, &io, e))
		return -1;
	n->io = io;
	point_ops(n);
	for (int i = 0; i < n->nl; i++)
		if (!is_reshape(&n->l[i]) && to.ops->layer_init(to.ctx, &n->op[i], e))
			return -1;
	if (to.ops->plan_net && to.ops->plan_net(to.ctx, n->op, n->nl,
						 n->bn_sync != NULL || n->mbd_sync != NULL, e))
		return -1;
	if (backend_put(to, n->on_state, n->state, (size_t)z->state * sizeof(float)))
		return backend_error(to, e);
	return 0;
}

int net_place(Net *n, Backend to, Err *e)
{
	if (backend_same(n->be, to))
		return 0;
	if (n->nl < 1)
		return err_set(e, EXIT_BAD, "network %c has no layers", n->prefix);
	if (check_supported(n, to, e) || net_sync_host(n, e))
		return -1;
	net_drop(n);
	if (attach(n, to, e)) {
		net_drop(n);
		return -1;
	}
	return 0;
}

void net_drop(Net *n)
{
	Backend be = n->be;
	for (int i = 0; i < n->nl; i++) {
		if (n->op[i].plan)
			be.ops->layer_free(be.ctx, &n->op[i]);
		n->op[i].plan = NULL;
	}
	backend_untwin(be, n->on_state, n->state);
	backend_untwin(be, n->on_work, n->work);
	backend_untwin(be, n->io, NULL);
	n->be = backend_cpu();
	n->on_state = n->state;
	n->on_work = n->work;
	n->io = NULL;
	for (int i = 0; i < n->nl; i++)
		n->l[i].y = NULL;
	n->in = NULL;
	if (n->state)
		point_ops(n);
}

int net_sync_host(Net *n, Err *e)
{
	if (backend_get(n->be, n->state, n->on_state, (size_t)n->size->state * sizeof(float)))
		return backend_error(n->be, e);
	return 0;
}

const float *net_forward(Net *n, const float *in, int batch, int train)
{
	const BackendOps *o = n->be.ops;
	const float *x = in;
	n->in = in;
	n->batch = batch;
	for (int i = 0; i < n->nl; i++) {
		Layer *L = &n->l[i];
		LayerOp *op = &n->op[i];
		if (act_done(n, i)) {
			/* in place: its output is the batch norm's, already act(y) */
			L->y = x;
			continue;
		}
		if (!is_reshape(L)) {
			op->batch = op->cs.n = op->bs.n = batch;
			if (is_bn(L)) {
				op->bs.act = fused_act(n, i);
				op->bs.alpha = op->bs.act == BN_ACT_LEAKY ? n->l[i + 1].spec.alpha : 0;
			}
			op->train = train;
			op->sync = is_bn(L) ? n->bn_sync : NULL;
			op->mbd = L->spec.kind == LAYER_MBDISC ? n->mbd_sync : NULL;
			op->x = x;
			if (o->forward(n->be.ctx, op))
				return NULL;
			if (train && is_bn(L))
				L->nbt++;
			x = op->out;
		}
		L->y = x;
	}
	return x;
}

/* The first layer with parameters may skip its input gradient. */
static int may_skip_din(const Layer *L)
{
	LayerKind k = L->spec.kind;
	return k == LAYER_LINEAR || k == LAYER_CONV2D || k == LAYER_CONVT2D || k == LAYER_MBDISC;
}

int net_backward(Net *n, const float *dout, float *din, int param_grads)
{
	const BackendOps *o = n->be.ops;
	float *s0 = n->on_work + n->size->s0, *s1 = n->on_work + n->size->s1;
	const float *g = dout;
	for (int i = n->nl - 1; i >= 0 && n->first >= 0; i--) {
		Layer *L = &n->l[i];
		LayerOp *op = &n->op[i];
		if (is_reshape(L) || act_done(n, i))
			continue;   /* a fused activation: the batch norm takes its dout */
		float *target = g == s0 ? s1 : s0;
		if (i == n->first)
			target = din ? din : may_skip_din(L) ? NULL : target;
		op->batch = op->cs.n = op->bs.n = n->batch;
		op->x = i ? n->l[i - 1].y : n->in;
		op->sync = is_bn(L) ? n->bn_sync : NULL;
		op->mbd = L->spec.kind == LAYER_MBDISC ? n->mbd_sync : NULL;
		op->dy = g;
		op->dx = target;
		op->dw = param_grads ? op->gw : NULL;
		op->db = param_grads ? op->gb : NULL;
		if (o->backward(n->be.ctx, op))
			return -1;
		int64_t lo = L->w_off >= 0 ? L->w_off : L->b_off;
		if (param_grads && n->grad_hook && lo >= 0)
			n->grad_hook->ready(n->grad_hook->ctx, lo);
		g = target;
	}
	if (din && n->first < 0)
		return o->copy(n->be.ctx, din, dout,
			       (size_t)n->batch * (size_t)n->l[0].in_n * sizeof(float));
	return 0;
}

int net_zero_grads(Net *n)
{
	return n->be.ops->zero(n->be.ctx, n->on_state + n->size->grads,
			       (size_t)n->np * sizeof(float));
}

int net_opt_step(Net *n, const AdamCfg *adam, double lr, int64_t t)
{
	const NetSize *z = n->size;
	float *p = n->on_state + z->params, *g = n->on_state + z->grads;
	if (adam)
		return n->be.ops->adam(n->be.ctx, p, g, n->on_state + z->m, n->on_state + z->v,
				       (size_t)n->np, adam, t);
	return n->be.ops->sgd(n->be.ctx, p, g, (size_t)n->np, (float)lr);
}

int net_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e)
{
	if (batch < 1 || batch > n->max_batch)
		return err_set(e, EXIT_BAD, "batch %d outside 1 .. %d", batch, n->max_batch);
	if (backend_error(n->be, e))
		return -1;
	size_t nin = (size_t)batch * (size_t)n->l[0].in_n * sizeof(float);
	size_t nout = (size_t)batch * (size_t)n->l[n->nl - 1].out_n * sizeof(float);
	const float *x = in;
	if (n->io) {
		if (backend_put(n->be, n->io, in, nin))
			return backend_error(n->be, e);
		x = n->io;
	}
	const float *y = net_forward(n, x, batch, train);
	if (!y || n->be.ops->download(n->be.ctx, out, y, nout))
		return backend_error(n->be, e);
	return 0;
}

int net_finite(const Net *n, int moments)
{
	const NetSize *z = n->size;
	const float *p[4] = { n->on_state + z->params, n->on_state + z->bufs,
			      n->on_state + z->m, n->on_state + z->v };
	int64_t cnt[4] = { n->np, n->nb, n->np, n->np };
	int bad[4] = { 1, 1, 1, 1 };
	if (n->be.ops->nonfinite(n->be.ctx, moments ? 4 : 2, p, cnt, bad))
		return 0;
	return !bad[0] && !bad[1] && (!moments || (!bad[2] && !bad[3]));
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
