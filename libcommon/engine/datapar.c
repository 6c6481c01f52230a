/* datapar.c - datapar.h: the checks before a data-parallel run, the slices
 * of the global batch and the sums across processes after each backward. */
#include "datapar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BnSync's callback: the sum of doubles across the processes. */
static int bn_sum(void *ctx, double *buf, size_t n)
{
	DataPar *p = ctx;
	return comm_sum_f64(p->comm, buf, n, &p->err);
}

static int is_bn(const Layer *L)
{
	return L->spec.kind == LAYER_BN1D || L->spec.kind == LAYER_BN2D;
}

/* MbdSync's callbacks: where this process's n examples sit in the step's
 * global batch (datapar_slice's split), and the sum of floats. */
static int mbd_layout(void *ctx, int n, int *off, int *n_all)
{
	DataPar *p = ctx;
	int lo, cnt;
	datapar_slice(p, p->n_global, &lo, &cnt);
	if (cnt != n) {
		err_set(&p->err, EXIT_SYS, "minibatch discrimination: %d examples here, "
			"expected %d of the global batch of %d", n, cnt, p->n_global);
		return -1;
	}
	*off = lo;
	*n_all = p->n_global;
	return 0;
}

static int mbd_sum(void *ctx, float *buf, size_t len)
{
	DataPar *p = ctx;
	return comm_sum_f32(p->comm, buf, len, &p->err);
}

/* The widest BN layer's channels in *maxc and the widest minibatch
 * discrimination's floats per example (k d + k) in *maxm, over n. */
static void scan(const Net *n, int *maxc, int *maxm)
{
	for (int i = 0; i < n->nl; i++) {
		const LayerSpec *s = &n->l[i].spec;
		if (is_bn(&n->l[i]) && s->a > *maxc)
			*maxc = s->a;
		if (s->kind == LAYER_MBDISC && s->b * s->c + s->b > *maxm)
			*maxm = s->b * s->c + s->b;
	}
}

/* The checks of datapar_init that depend on the batch and the data. */
static int check_batch(const Trainer *t, int k, int sync_bn, int64_t n_ex,
		       const char *name, Err *e)
{
	int b = t->batch;
	int need = t->m.has_bn && !sync_bn ? 2 : 1;
	if (b % k)
		return err_set(e, EXIT_BAD, "batch %d is not a multiple of the %d processes "
			       "(each takes batch / %d examples of the global batch)", b, k, k);
	if (b / k < need)
		return err_set(e, EXIT_BAD, "batch %d on %d processes leaves %d example per "
			       "process for batch norm; use --sync-bn or a larger --batch",
			       b, k, b / k);
	int64_t rem = n_ex % b;
	if (t->m.has_bn && rem == 1)
		rem = 0;      /* that last batch of one is dropped (trainer_batches) */
	if (rem > 0 && rem / k < need)
		return err_set(e, EXIT_BAD, "%s: the last batch of each epoch holds %lld "
			       "example%s, fewer than %d per process on %d processes; pick a "
			       "--batch that divides %lld or fewer processes", name,
			       (long long)rem, rem == 1 ? "" : "s", need, k, (long long)n_ex);
	return 0;
}

int datapar_init(DataPar *p, Comm *c, Trainer *t, int sync_bn, int64_t n_examples,
		 const char *name, Err *e)
{
	memset(p, 0, sizeof *p);
	int maxc = 0, maxm = 0;
	scan(&t->g, &maxc, &maxm);
	scan(&t->d, &maxc, &maxm);
	if (check_batch(t, c->size, sync_bn, n_examples, name, e))
		return -1;
	if (sync_bn && t->m.has_bn && !t->d_pretrained && t->step == 0)
		return err_set(e, EXIT_BAD, "model %s: D pre-training with --sync-bn across "
			       "processes is not supported; pre-train in one process first",
			       t->m.name);
	p->comm = c;
	p->overlap = 1;
	p->sync_bn = sync_bn && t->m.has_bn;
	p->bn.cap = p->sync_bn ? 2 * (size_t)maxc + 1 : 0;
	p->mbd.cap = (size_t)t->batch * (size_t)maxm;
	if ((p->bn.cap && !(p->bn.work = calloc(p->bn.cap, sizeof *p->bn.work))) ||
	    (p->mbd.cap && !(p->mbd.work = calloc(p->mbd.cap, sizeof *p->mbd.work)))) {
		datapar_free(p, NULL);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	if (p->sync_bn) {
		p->bn.sum = bn_sum;
		p->bn.ctx = p;
		t->g.bn_sync = t->d.bn_sync = &p->bn;
	}
	if (p->mbd.cap) {
		p->mbd.layout = mbd_layout;
		p->mbd.sum = mbd_sum;
		p->mbd.ctx = p;
		t->g.mbd_sync = t->d.mbd_sync = &p->mbd;
	}
	t->dp = p;
	return 0;
}

void datapar_free(DataPar *p, Trainer *t)
{
	if (t && t->dp == p) {
		t->dp = NULL;
		t->g.bn_sync = t->d.bn_sync = NULL;
		t->g.mbd_sync = t->d.mbd_sync = NULL;
		t->g.grad_hook = t->d.grad_hook = NULL;
	}
	free(p->bn.work);
	free(p->mbd.work);
	p->bn.work = NULL;
	p->mbd.work = NULL;
}

void datapar_slice(DataPar *p, int bs, int *off, int *cnt)
{
	int64_t r = p->comm->rank, k = p->comm->size;
	int lo = (int)((int64_t)bs * r / k), hi = (int)((int64_t)bs * (r + 1) / k);
	*off = lo;
	*cnt = hi - lo;
	p->n_global = bs;
}

/* Starts the sum of grads [lo, gs->hi), waiting for the ones in flight first
 * when all DATAPAR_REQS are taken. */
static void start_sum(DataPar *p, int64_t lo)
{
	GradSum *gs = &p->gs;
	if (gs->nreq == DATAPAR_REQS) {
		if (comm_wait(p->comm, gs->req, gs->nreq, &p->err))
			gs->failed = 1;
		gs->nreq = 0;
	}
	float *g = gs->net->grads + lo;
	if (comm_isum_f32(p->comm, g, (size_t)(gs->hi - lo), &gs->req[gs->nreq], &p->err))
		gs->failed = 1;
	else
		gs->nreq++;
	gs->hi = lo;
}

/* GradHook: grads [lo, np) are final. */
static void grads_ready(void *ctx, int64_t lo)
{
	DataPar *p = ctx;
	GradSum *gs = &p->gs;
	if (gs->failed)
		return;
	if (gs->hi - lo >= DATAPAR_BUCKET || lo == 0)
		start_sum(p, lo);
	if (!gs->failed && gs->nreq && comm_test(p->comm, gs->req, gs->nreq, &p->err))
		gs->failed = 1;
}

void datapar_overlap(DataPar *p, Net *net)
{
	if (!p->overlap || p->comm->size < 2)
		return;
	p->gs = (GradSum){ .net = net, .hi = net->np };
	p->hook = (GradHook){ grads_ready, p };
	net->grad_hook = &p->hook;
}

/* The rest of an overlapped sum of net's gradients, and the wait for all of
 * it; net's backward is no longer watched. 0 or -1 (p->err). */
static int finish_overlap(DataPar *p, Net *net)
{
	GradSum *gs = &p->gs;
	if (!gs->failed && gs->hi > 0)
		start_sum(p, 0);
	if (gs->nreq && comm_wait(p->comm, gs->req, gs->nreq, &p->err))
		gs->failed = 1;
	gs->nreq = 0;
	gs->net = NULL;
	net->grad_hook = NULL;
	return gs->failed ? -1 : 0;
}

int datapar_sum(DataPar *p, Net *net, double *stats, int ns, char *bad, size_t cap)
{
	int rc = p->bn.failed || p->mbd.failed ? -1 : 0;
	if (net && p->gs.net == net) {
		if (finish_overlap(p, net))
			rc = -1;
	} else if (!rc && net && comm_sum_f32(p->comm, net->grads, (size_t)net->np, &p->err)) {
		rc = -1;
	}
	if (!rc && ns > 0 && comm_sum_f64(p->comm, stats, (size_t)ns, &p->err))
		rc = -1;
	if (rc)
		snprintf(bad, cap, "%.*s", (int)cap - 1, p->err.msg);
	return rc;
}
