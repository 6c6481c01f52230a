/* epoch.c - training over a data set: per-epoch shuffles keyed by (seed,
 * epoch) so a run resumes at the exact batch, gathering and scaling batches,
 * and the per-epoch statistics. */
#include "epoch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datapar.h"
#include "gemm.h"

int64_t trainer_batches(const Trainer *t, int64_t n)
{
	int64_t b = t->batch;
	int64_t nb = (n + b - 1) / b;
	if (t->m.has_bn && n % b == 1)
		nb--;
	return nb;
}

/* perm = the shuffle of epoch `epoch`: Fisher-Yates from Philox keyed by
 * (seed, epoch), independent of the noise stream. */
static void epoch_perm(const Trainer *t, int64_t *perm, int64_t n, int64_t epoch)
{
	Rng r;
	rng_init(&r, seed_stream(t->seed, SEED_SHUFFLE + (uint64_t)epoch));
	for (int64_t i = 0; i < n; i++)
		perm[i] = i;
	rng_shuffle(&r, perm, n);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Sums since the last log line. */
typedef struct {
	double ld, lg, dx, dgz, t0;
	int64_t ex;
} Acc;

static void acc_add(Acc *a, const Trainer *t, const StepStats *s, int bs)
{
	double w = t->m.loss_mean ? bs : 1;
	a->ld += s->loss_d * w;
	a->lg += s->loss_g * w;
	a->dx += s->d_x * bs;
	a->dgz += s->d_g_z * bs;
	a->ex += bs;
}

/* Emits a log line for the steps accumulated in a and restarts it. */
static void acc_log(Acc *a, const Trainer *t, const RunOpts *o)
{
	if (a->ex == 0)
		return;
	double t1 = now(), dt = t1 - a->t0;
	LogLine l = { .step = t->step, .epoch = t->epoch + (t->epoch_step > 0),
		      .examples = a->ex, .loss_d = a->ld / a->ex, .loss_g = a->lg / a->ex,
		      .d_x = a->dx / a->ex, .d_g_z = a->dgz / a->ex,
		      .ex_per_s = dt > 0 ? a->ex / dt : 0 };
	if (o->log)
		o->log(o->ctx, &l);
	*a = (Acc){ .t0 = now() };
}

/* A run's data on the trainer's backend: the data set and the shuffle of
 * the current epoch (host perm, uploaded after each shuffle). */
typedef struct {
	int64_t *perm;            /* host (n) */
	const void *x;            /* the data set on the backend */
	int64_t *idx;             /* perm on the backend */
} RunData;

/* The run's data on t->be: twins of d's examples (uploaded) and of perm. */
static int data_place(Trainer *t, const TrainSet *d, RunData *r, Err *e)
{
	size_t bytes = (size_t)d->n * (size_t)d->ex * (d->dtype == DT_U8 ? 1 : sizeof(float));
	void *x, *idx;
	if (backend_twin(t->be, (void *)d->x, bytes, &x, e))
		return -1;
	r->x = x;
	if (backend_put(t->be, x, d->x, bytes))
		return backend_error(t->be, e);
	if (backend_twin(t->be, r->perm, (size_t)d->n * sizeof(int64_t), &idx, e))
		return -1;
	r->idx = idx;
	return 0;
}

static void data_drop(Trainer *t, const TrainSet *d, RunData *r)
{
	backend_untwin(t->be, (void *)r->x, d->x);
	backend_untwin(t->be, r->idx, r->perm);
	r->x = NULL;
	r->idx = NULL;
}

/* The shuffle of the current epoch, on the host and the backend. */
static void shuffle(Trainer *t, const TrainSet *d, RunData *r)
{
	epoch_perm(t, r->perm, d->n, t->epoch);
	backend_put(t->be, r->idx, r->perm, (size_t)d->n * sizeof(int64_t));
}

/* One step at the current position: batch, noise, step, bookkeeping. The
 * noise is drawn on the host, so every backend sees the same z; across
 * processes each takes its slice of the batch and of the noise. */
static int run_one(Trainer *t, const TrainSet *d, const RunData *r, Acc *a,
		   StepStats *run, int first, Err *e)
{
	int64_t pos = t->epoch_step * t->batch;
	int bs = (int)(d->n - pos < t->batch ? d->n - pos : t->batch);
	int fresh = t->m.g_step == GSTEP_FRESH;
	size_t zb = (size_t)bs * (size_t)shape_numel(&t->m.latent) * sizeof(float);
	trainer_noise(&t->m, &t->noise, t->z, bs);
	backend_put(t->be, t->on.z, t->z, zb);
	if (fresh) {
		trainer_noise(&t->m, &t->noise, t->zg, bs);
		backend_put(t->be, t->on.zg, t->zg, zb);
	}
	int off = 0, cnt = bs;    /* this process's slice of the batch */
	if (t->dp)
		datapar_slice(t->dp, bs, &off, &cnt);
	size_t zo = (size_t)off * (size_t)shape_numel(&t->m.latent);
	t->be.ops->gather(t->be.ctx, t->on.x, r->x, d->dtype, d->n, (size_t)d->ex,
			  r->idx + pos + off, cnt);
	StepStats st;
	int rc = trainer_step_with(t, t->on.x, cnt, t->on.z + zo, fresh ? t->on.zg + zo : NULL,
				   &st);
	if (backend_error(t->be, e))
		return -1;
	if (rc && t->dp && t->dp->err.code) {
		*e = t->dp->err;
		return -1;
	}
	if (rc)
		return err_set(e, EXIT_NONFINITE, "step %lld: %s", (long long)t->step + 1, t->bad);
	acc_add(a, t, &st, bs);
	double k = first ? 1 : 0.1;
	run->loss_d += k * (st.loss_d - run->loss_d);
	run->loss_g += k * (st.loss_g - run->loss_g);
	run->d_x += k * (st.d_x - run->d_x);
	run->d_g_z += k * (st.d_g_z - run->d_g_z);
	return 0;
}

/* Calls o->save when the step just done ends a save interval (see RunOpts);
 * epoch_ended: it finished an epoch. The state comes to the host first. */
static int maybe_save(Trainer *t, const RunOpts *o, int epoch_ended, Err *e)
{
	if (!o->save || o->save_every <= 0)
		return 0;
	int due = o->steps > 0 ? t->step % o->save_every == 0 :
		  epoch_ended && t->epoch % o->save_every == 0;
	if (!due)
		return 0;
	if (net_sync_host(&t->g, e) || net_sync_host(&t->d, e))
		return -1;
	return o->save(o->ctx, t, e);
}

/* The steps of a run from the current position. */
static int run_steps(Trainer *t, const TrainSet *d, const RunOpts *o, RunData *r, Err *e)
{
	int64_t nb = trainer_batches(t, d->n);
	int64_t total = o->steps > 0 ? o->steps : o->epochs * nb - t->epoch_step;
	shuffle(t, d, r);
	Acc a = { .t0 = now() };
	StepStats run = { 0 };
	for (int64_t i = 0; i < total; i++) {
		if (run_one(t, d, r, &a, &run, i == 0, e))
			return -1;
		int ended = ++t->epoch_step == nb;
		if (ended) {
			t->epoch_step = 0;
			t->epoch++;
			shuffle(t, d, r);
			if (o->log_every <= 0)
				acc_log(&a, t, o);
		}
		if (o->log_every > 0 && t->step % o->log_every == 0)
			acc_log(&a, t, o);
		if (maybe_save(t, o, ended, e))
			return -1;
		if (o->progress)
			o->progress(o->ctx, i + 1, total, &run);
	}
	acc_log(&a, t, o);
	return 0;
}

int trainer_run(Trainer *t, const TrainSet *d, const RunOpts *o, Err *e)
{
	if (o->threads > 0)
		gemm_set_threads(o->threads);
	Backend be = o->backend ? *o->backend : backend_cpu();
	if (t->dp && !be.ops->host_memory)
		return err_set(e, EXIT_BAD, "--device %s across processes needs NCCL, which this "
			       "build does not support; use --device cpu", be.ops->name);
	int64_t nb = trainer_batches(t, d->n);
	if (t->batch > t->max_batch || t->epoch_step >= nb)
		return err_set(e, EXIT_BAD, "batch %d at epoch step %lld does not fit the data "
			       "(%lld batches per epoch)", t->batch, (long long)t->epoch_step,
			       (long long)nb);
	if (!t->d_pretrained && t->step == 0 && trainer_pretrain(t))
		return err_set(e, EXIT_NONFINITE, "D pre-training: %s", t->bad);
	t->d_pretrained = 1;
	RunData r = { .perm = malloc((size_t)d->n * sizeof(int64_t)) };
	if (!r.perm)
		return err_set(e, EXIT_SYS, "out of memory");
	int rc = trainer_place(t, be, e);
	if (rc == 0 && data_place(t, d, &r, e) == 0)
		rc = run_steps(t, d, o, &r, e);
	else
		rc = -1;
	data_drop(t, d, &r);
	free(r.perm);
	if (rc == 0)
		return trainer_place(t, backend_cpu(), e);
	trainer_drop(t);
	return -1;
}
