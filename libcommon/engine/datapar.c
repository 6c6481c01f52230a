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

/* The widest BN layer's channels in n (0 if none); 1 if n has a
 * minibatch-discrimination layer. */
static int scan(const Net *n, int *maxc)
{
	int mbd = 0;
	for (int i = 0; i < n->nl; i++) {
		const Layer *L = &n->l[i];
		if (is_bn(L) && L->spec.a > *maxc)
			*maxc = L->spec.a;
		mbd |= L->spec.kind == LAYER_MBDISC;
	}
	return mbd;
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
	int maxc = 0;
	if (scan(&t->g, &maxc) | scan(&t->d, &maxc))
		return err_set(e, EXIT_BAD, "model %s: minibatch discrimination compares the "
			       "examples of the whole batch; it does not run across processes",
			       t->m.name);
	if (check_batch(t, c->size, sync_bn, n_examples, name, e))
		return -1;
	if (sync_bn && t->m.has_bn && !t->d_pretrained && t->step == 0)
		return err_set(e, EXIT_BAD, "model %s: D pre-training with --sync-bn across "
			       "processes is not supported; pre-train in one process first",
			       t->m.name);
	p->comm = c;
	p->sync_bn = sync_bn && t->m.has_bn;
	if (p->sync_bn) {
		p->bn.cap = 2 * (size_t)maxc + 1;
		p->bn.work = calloc(p->bn.cap, sizeof *p->bn.work);
		if (!p->bn.work)
			return err_set(e, EXIT_SYS, "out of memory");
		p->bn.sum = bn_sum;
		p->bn.ctx = p;
		t->g.bn_sync = t->d.bn_sync = &p->bn;
	}
	t->dp = p;
	return 0;
}

void datapar_free(DataPar *p, Trainer *t)
{
	if (t && t->dp == p) {
		t->dp = NULL;
		t->g.bn_sync = t->d.bn_sync = NULL;
	}
	free(p->bn.work);
	p->bn.work = NULL;
}

void datapar_slice(DataPar *p, int bs, int *off, int *cnt)
{
	int64_t r = p->comm->rank, k = p->comm->size;
	int lo = (int)((int64_t)bs * r / k), hi = (int)((int64_t)bs * (r + 1) / k);
	*off = lo;
	*cnt = hi - lo;
	p->n_global = bs;
}

int datapar_sum(DataPar *p, Net *net, double *stats, int ns, char *bad, size_t cap)
{
	int rc = 0;
	if (p->bn.failed)
		rc = -1;
	else if (net && comm_sum_f32(p->comm, net->grads, (size_t)net->np, &p->err))
		rc = -1;
	else if (ns > 0 && comm_sum_f64(p->comm, stats, (size_t)ns, &p->err))
		rc = -1;
	if (rc)
		snprintf(bad, cap, "%.*s", (int)cap - 1, p->err.msg);
	return rc;
}
