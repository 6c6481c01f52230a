/* epoch.c - training over a data set: validating it against the model,
 * per-epoch shuffles keyed by (seed, epoch) so a run resumes at the exact
 * batch, gathering and scaling batches, and the per-epoch statistics. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netgpu.h"
#include "train.h"

int64_t trainer_batches(const Trainer *t, int64_t n)
{
	int64_t b = t->batch;
	int64_t nb = (n + b - 1) / b;
	if (t->m.has_bn && n % b == 1)
		nb--;
	return nb;
}

/* "1x28x28" of the per-example part of x's shape. */
static void example_shape(const Tensor *x, char *buf, size_t n)
{
	buf[0] = 0;
	for (int i = 1; i < x->ndim; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%lld", i > 1 ? "x" : "",
			 (long long)x->shape[i]);
}

/* 1 if x's per-example shape is exactly the model's data shape. */
static int same_shape(const Tensor *x, const Shape3 *s)
{
	if (x->ndim != s->ndim + 1)
		return 0;
	int64_t want[3] = { s->c, s->h, s->w };
	for (int i = 0; i < s->ndim; i++)
		if (x->shape[i + 1] != want[i])
			return 0;
	return 1;
}

/* 1 when a batch-norm layer of s sees one value per channel at batch 1
 * (BN1d, or BN2d on 1x1 maps): its batch variance is then 0. */
static int bn_needs_two(const NetSpec *s)
{
	for (int i = 0; i < s->n; i++) {
		const LayerSpec *l = &s->l[i];
		if (l->kind == LAYER_BN1D || (l->kind == LAYER_BN2D && l->in.h * l->in.w == 1))
			return 1;
	}
	return 0;
}

int trainer_check_data(const Trainer *t, const Tensor *x, const char *name, Dataset *d,
		       Err *e)
{
	char got[96], want[48];
	if (x->dtype != DT_U8 && x->dtype != DT_F32)
		return err_set(e, EXIT_BAD, "%s: x has dtype %s, expected u8 images or f32 points",
			       name, dtype_st(x->dtype));
	if (x->ndim < 2)
		return err_set(e, EXIT_BAD, "%s: x has %d dimensions, expected N x example shape",
			       name, x->ndim);
	example_shape(x, got, sizeof got);
	if (!same_shape(x, &t->m.data))
		return err_set(e, EXIT_BAD, "%s: x has shape %s per example, model %s expects %s",
			       name, got, t->m.name, shape_str(&t->m.data, want, sizeof want));
	*d = (Dataset){ x->data, x->dtype, x->shape[0], shape_numel(&t->m.data) };
	if (t->batch < 2 && (bn_needs_two(&t->m.G) || bn_needs_two(&t->m.D)))
		return err_set(e, EXIT_BAD, "batch %d: model %s has batch norm over single "
			       "values, which needs at least 2 examples per batch", t->batch,
			       t->m.name);
	int64_t nb = trainer_batches(t, d->n);
	if (nb < 1)
		return err_set(e, EXIT_BAD, "%s: %lld examples are not enough for one batch",
			       name, (long long)d->n);
	if (t->batch > t->max_batch || t->epoch_step >= nb)
		return err_set(e, EXIT_BAD, "%s: batch %d at epoch step %lld does not fit the "
			       "data (%lld batches per epoch)", name, t->batch,
			       (long long)t->epoch_step, (long long)nb);
	if (x->dtype == DT_F32) {
		const float *p = x->data;
		int64_t n = d->n * d->ex;
		for (int64_t i = 0; i < n; i++)
			if (!isfinite(p[i]))
				return err_set(e, EXIT_BAD, "%s: x holds a non-finite value at "
					       "example %lld", name, (long long)(i / d->ex));
	}
	return 0;
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

/* xb (bs, ex) = examples perm[0..bs) of d, u8 scaled as x/255*2-1. */
static void gather(const Dataset *d, const int64_t *perm, int bs, float *xb)
{
	size_t ex = (size_t)d->ex;
	for (int j = 0; j < bs; j++) {
		float *dst = xb + (size_t)j * ex;
		if (d->dtype == DT_U8) {
			const uint8_t *src = (const uint8_t *)d->x + (size_t)perm[j] * ex;
			for (size_t k = 0; k < ex; k++)
				dst[k] = (float)src[k] / 255.0f * 2.0f - 1.0f;
		} else {
			memcpy(dst, (const float *)d->x + (size_t)perm[j] * ex, ex * sizeof(float));
		}
	}
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

/* One step at the current position: batch, noise, step, bookkeeping. The
 * noise is drawn on the host in either case, so both devices see the same z. */
static int run_one(Trainer *t, const Dataset *d, const int64_t *perm, Acc *a, Err *e)
{
	int64_t pos = t->epoch_step * t->batch;
	int bs = (int)(d->n - pos < t->batch ? d->n - pos : t->batch);
	int fresh = t->m.g_step == GSTEP_FRESH;
	trainer_noise(&t->m, &t->noise, t->z, bs);
	if (fresh)
		trainer_noise(&t->m, &t->noise, t->zg, bs);
	const float *x = t->xb, *z = t->z, *zg = fresh ? t->zg : NULL;
	if (t->gpu)
		netgpu_train_batch(t, perm + pos, bs, &x, &z, &zg);
	else
		gather(d, perm + pos, bs, t->xb);
	StepStats st;
	int rc = trainer_step_with(t, x, bs, z, zg, &st);
	if (t->gpu && netgpu_train_error(t, e))
		return -1;
	if (rc)
		return err_set(e, EXIT_NONFINITE, "step %lld: %s", (long long)t->step + 1, t->bad);
	acc_add(a, t, &st, bs);
	return 0;
}

/* The steps of a run from the current position; perm is scratch (n). */
static int run_steps(Trainer *t, const Dataset *d, const RunOpts *o, int64_t *perm, Err *e)
{
	int64_t nb = trainer_batches(t, d->n);
	int64_t total = o->steps > 0 ? o->steps : o->epochs * nb - t->epoch_step;
	epoch_perm(t, perm, d->n, t->epoch);
	Acc a = { .t0 = now() };
	for (int64_t i = 0; i < total; i++) {
		if (run_one(t, d, perm, &a, e))
			return -1;
		if (++t->epoch_step == nb) {
			t->epoch_step = 0;
			t->epoch++;
			epoch_perm(t, perm, d->n, t->epoch);
			if (o->log_every <= 0)
				acc_log(&a, t, o);
		}
		if (o->log_every > 0 && t->step % o->log_every == 0)
			acc_log(&a, t, o);
		if (o->progress)
			o->progress(o->ctx, i + 1, total);
	}
	acc_log(&a, t, o);
	return 0;
}

int trainer_run(Trainer *t, const Dataset *d, const RunOpts *o, Err *e)
{
	int64_t nb = trainer_batches(t, d->n);
	if (t->batch > t->max_batch || t->epoch_step >= nb)
		return err_set(e, EXIT_BAD, "batch %d at epoch step %lld does not fit the data "
			       "(%lld batches per epoch)", t->batch, (long long)t->epoch_step,
			       (long long)nb);
	if (!t->d_pretrained && t->step == 0 && trainer_pretrain(t))
		return err_set(e, EXIT_NONFINITE, "D pre-training: %s", t->bad);
	t->d_pretrained = 1;
	int64_t *perm = malloc((size_t)d->n * sizeof *perm);
	if (!perm)
		return err_set(e, EXIT_SYS, "out of memory");
	if (t->device == DEV_CUDA && netgpu_train_open(t, d->x, d->dtype, d->n, d->ex, e)) {
		free(perm);
		return -1;
	}
	int rc = run_steps(t, d, o, perm, e);
	free(perm);
	if (t->gpu && netgpu_train_close(t, rc == 0, e))
		rc = -1;
	return rc;
}
