/* classifier.c - the feature classifier: checking labelled images against a
 * classifier model, training [C] with softmax cross-entropy, and eval-mode
 * passes that give features, logits and the accuracy. The file side is in
 * clf_io.c. */
#include "classifier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memcheck.h"
#include "netsize.h"
#include "optim.h"
#include "rng.h"
#include "train.h"
#include "xent.h"

/* "1x28x28" of the per-example part of x's shape. */
static void example_shape(const Tensor *x, char *buf, size_t n)
{
	buf[0] = 0;
	for (int i = 1; i < x->ndim; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%lld", i > 1 ? "x" : "",
			 (long long)x->shape[i]);
}

/* 1 if x is N x the model's data shape. */
static int fits(const Tensor *x, const Shape3 *s)
{
	int64_t want[3] = { s->c, s->h, s->w };
	if (x->ndim != s->ndim + 1)
		return 0;
	for (int i = 0; i < s->ndim; i++)
		if (x->shape[i + 1] != want[i])
			return 0;
	return 1;
}

/* y (n integers of any integer dtype) into a new int64 array in ybuf,
 * each within 0 .. classes-1. */
static int check_labels(const Tensor *y, int64_t n, int classes, const char *name,
			int64_t **ybuf, Err *e)
{
	char desc[96];
	DType t = y->dtype;
	int is_int = t == DT_U8 || t == DT_I8 || t == DT_U16 || t == DT_I16 || t == DT_U32 ||
		     t == DT_I32 || t == DT_I64 || t == DT_U64;
	if (!is_int || y->ndim != 1 || y->shape[0] != n)
		return err_set(e, EXIT_BAD, "%s: y is %s, expected %lld integer labels", name,
			       tensor_describe(y, desc, sizeof desc), (long long)n);
	int64_t *out = malloc((size_t)(n ? n : 1) * sizeof *out);
	if (!out)
		return err_set(e, EXIT_SYS, "out of memory");
	for (int64_t i = 0; i < n; i++) {
		const void *p = (const char *)y->data + (size_t)i * dtype_size(t);
		int64_t v = t == DT_U8 ? *(const uint8_t *)p : t == DT_I8 ? *(const int8_t *)p :
			    t == DT_U16 ? *(const uint16_t *)p : t == DT_I16 ? *(const int16_t *)p :
			    t == DT_U32 ? *(const uint32_t *)p : t == DT_I32 ? *(const int32_t *)p :
			    t == DT_I64 ? *(const int64_t *)p :
			    *(const uint64_t *)p > INT64_MAX ? -1 : (int64_t)*(const uint64_t *)p;
		if (v < 0 || v >= classes) {
			free(out);
			return err_set(e, EXIT_BAD, "%s: y[%lld] is %lld, expected 0..%d", name,
				       (long long)i, (long long)v, classes - 1);
		}
		out[i] = v;
	}
	*ybuf = out;
	return 0;
}

int clf_check_data(const Model *m, const Tensor *x, const Tensor *y, const char *name,
		   ClfData *d, int64_t **ybuf, Err *e)
{
	char got[96], want[48];
	*ybuf = NULL;
	if (x->dtype != DT_U8 && x->dtype != DT_F32)
		return err_set(e, EXIT_BAD, "%s: x has dtype %s, expected u8 or f32 images", name,
			       dtype_name(x->dtype));
	example_shape(x, got, sizeof got);
	if (x->ndim < 2 || !fits(x, &m->data))
		return err_set(e, EXIT_BAD, "%s: x has shape %s per example, classifier %s "
			       "expects %s", name, x->ndim < 2 ? "(none)" : got, m->name,
			       shape_str(&m->data, want, sizeof want));
	*d = (ClfData){ x->data, x->dtype, x->shape[0], shape_numel(&m->data), NULL };
	if (d->n < 1)
		return err_set(e, EXIT_BAD, "%s: no images", name);
	if (x->dtype == DT_F32) {
		const float *p = x->data;
		for (int64_t i = 0; i < d->n * d->ex; i++)
			if (!(p[i] >= -1.0f && p[i] <= 1.0f))
				return err_set(e, EXIT_BAD, "%s: x[%lld] holds %g, expected f32 images "
					       "in [-1, 1]", name, (long long)(i / d->ex), p[i]);
	}
	if (y && check_labels(y, d->n, m->classes, name, ybuf, e))
		return -1;
	d->y = *ybuf;
	return 0;
}

/* The layers [lo, hi) of the model's C as a network spec. */
static void sub_spec(const Model *m, int lo, int hi, NetSpec *s)
{
	s->n = hi - lo;
	memcpy(s->l, m->C.l + lo, (size_t)s->n * sizeof s->l[0]);
}

/* Refuses, before allocating, a classifier whose three networks (net_size)
 * and batch buffers would not fit in memory. s and z are scratch. */
static int check_memory(const Model *m, int max_batch, NetSpec *s, NetSize *z, Err *e)
{
	size_t dat = (size_t)shape_numel(&m->data), mb = (size_t)max_batch;
	size_t bytes = mb * (dat + (size_t)m->classes + 2) * sizeof(float);
	for (int k = 0; k < 3; k++) {
		if (k == 0)
			*s = m->C;
		else
			sub_spec(m, k == 1 ? 0 : m->features + 1, k == 1 ? m->features + 1 : m->C.n, s);
		net_size(z, s, max_batch);
		bytes = z->bytes > SIZE_MAX - bytes ? SIZE_MAX : bytes + z->bytes;
	}
	char what[64];
	snprintf(what, sizeof what, "the model at batch %d", max_batch);
	return mem_check(bytes, what, NULL, e);
}

int clf_init(Classifier *c, const Model *m, int max_batch, uint64_t seed, Err *e)
{
	memset(c, 0, sizeof *c);
	if (!m->classes)
		return err_set(e, EXIT_BAD, "model %s is a GAN, not a classifier (no [C])", m->name);
	c->m = *m;
	c->max_batch = max_batch;
	c->seed = seed;
	c->lr = m->lr;
	c->test_acc = -1;
	size_t dat = (size_t)shape_numel(&m->data), mb = (size_t)max_batch;
	NetSpec *s = malloc(sizeof *s);
	NetSize *z = malloc(sizeof *z);
	if (!s || !z) {
		free(s);
		free(z);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	int rc = check_memory(m, max_batch, s, z, e);
	free(z);
	rc = rc ? rc : net_init(&c->net, &m->C, 'C', max_batch, e);
	sub_spec(m, 0, m->features + 1, s);
	rc = rc ? rc : net_init(&c->feat, s, 'C', max_batch, e);
	sub_spec(m, m->features + 1, m->C.n, s);
	rc = rc ? rc : net_init(&c->head, s, 'C', max_batch, e);
	free(s);
	c->xb = calloc(mb * dat, sizeof(float));
	c->dx = calloc(mb * (size_t)m->classes, sizeof(float));
	c->yb = calloc(mb, sizeof(int64_t));
	if (rc == 0 && (!c->xb || !c->dx || !c->yb))
		rc = err_set(e, EXIT_SYS, "out of memory");
	if (rc) {
		clf_free(c);
		return -1;
	}
	c->feat_dim = shape_numel(&m->C.l[m->features].out);
	Rng r;
	rng_init(&r, seed_stream(seed, SEED_INIT));
	net_init_params(&c->net, m, &r);
	return 0;
}

void clf_free(Classifier *c)
{
	net_free(&c->net);
	net_free(&c->feat);
	net_free(&c->head);
	free(c->xb);
	free(c->dx);
	free(c->yb);
	c->xb = c->dx = NULL;
	c->yb = NULL;
}

/* xb (bs, ex) = images idx[0..bs) of d (idx NULL: from first on), u8 scaled
 * as x/255*2-1 exactly as gan-step scales its data; labels into yb. */
static void gather(Classifier *c, const ClfData *d, const int64_t *idx, int64_t first, int bs)
{
	size_t ex = (size_t)d->ex;
	for (int j = 0; j < bs; j++) {
		int64_t k = idx ? idx[j] : first + j;
		float *dst = c->xb + (size_t)j * ex;
		if (d->dtype == DT_U8) {
			const uint8_t *src = (const uint8_t *)d->x + (size_t)k * ex;
			for (size_t i = 0; i < ex; i++)
				dst[i] = (float)src[i] / 255.0f * 2.0f - 1.0f;
		} else {
			memcpy(dst, (const float *)d->x + (size_t)k * ex, ex * sizeof(float));
		}
		if (d->y)
			c->yb[j] = d->y[k];
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One training step on the batch in xb/yb: loss (mean) and hits. */
static int train_step(Classifier *c, int bs, double *loss, int *hits, Err *e)
{
	const Model *m = &c->m;
	net_zero_grads(&c->net);
	const float *y = net_forward(&c->net, c->xb, bs, 1);
	double l = xent_loss(c->dx, y, c->yb, bs, m->classes, 1.0f / (float)bs, hits);
	if (!isfinite(l))
		return err_set(e, EXIT_NONFINITE, "step %lld: loss is %s", (long long)c->step + 1,
			       isnan(l) ? "nan" : "inf");
	net_backward(&c->net, c->dx, NULL, 1);
	double lr = m->decay_every > 0 ? lr_staircase((float)c->lr, m->decay, m->decay_every,
						      c->step) : c->lr;
	AdamCfg ac = { lr, m->beta1, m->beta2, m->eps };
	net_opt_step(&c->net, m->opt == OPT_ADAM ? &ac : NULL, lr, c->step + 1);
	c->step++;
	if (!net_finite(&c->net, 0))
		return err_set(e, EXIT_NONFINITE, "step %lld: a weight of C is not finite "
			       "(lr %g)", (long long)c->step, lr);
	*loss = l / bs;
	return 0;
}

/* One epoch over d in the order of epoch c->epoch's shuffle; perm is
 * scratch (d->n). Fills the loss and training accuracy of l. */
static int train_epoch(Classifier *c, const ClfData *d, int64_t *perm, ClfLog *l, Err *e)
{
	int64_t b = c->m.batch < c->max_batch ? c->m.batch : c->max_batch;
	int64_t nb = (d->n + b - 1) / b;
	if (c->m.has_bn && d->n % b == 1)
		nb--;
	Rng r;
	rng_init(&r, seed_stream(c->seed, SEED_SHUFFLE + (uint64_t)c->epoch));
	for (int64_t i = 0; i < d->n; i++)
		perm[i] = i;
	rng_shuffle(&r, perm, d->n);
	double lsum = 0;
	int64_t hits = 0, seen = 0;
	for (int64_t i = 0; i < nb; i++) {
		int bs = (int)(d->n - i * b < b ? d->n - i * b : b);
		gather(c, d, perm + i * b, 0, bs);
		double loss = 0;
		int h = 0;
		if (train_step(c, bs, &loss, &h, e))
			return -1;
		lsum += loss * bs;
		hits += h;
		seen += bs;
	}
	c->epoch++;
	l->loss = lsum / (double)seen;
	l->train_acc = (double)hits / (double)seen;
	return 0;
}

int clf_train(Classifier *c, const ClfData *d, const ClfData *test, int64_t epochs,
	      void (*log)(void *ctx, const ClfLog *l), void *ctx, Err *e)
{
	if (!d->y || (test && !test->y))
		return err_set(e, EXIT_BAD, "training needs labels (y)");
	if (d->n < 2 && c->m.has_bn)
		return err_set(e, EXIT_BAD, "%lld image is not enough for batch norm",
			       (long long)d->n);
	int64_t *perm = malloc((size_t)d->n * sizeof *perm);
	if (!perm)
		return err_set(e, EXIT_SYS, "out of memory");
	int rc = 0;
	for (int64_t k = 0; k < epochs && rc == 0; k++) {
		double t0 = now();
		ClfLog l = { .test_acc = -1 };
		rc = train_epoch(c, d, perm, &l, e);
		double dt = now() - t0;
		if (rc == 0 && test)
			rc = clf_accuracy(c, test, &l.test_acc, NULL, e);
		c->test_acc = l.test_acc;
		l.step = c->step;
		l.epoch = c->epoch;
		l.ex_per_s = dt > 0 ? (double)d->n / dt : 0;
		if (rc == 0 && log)
			log(ctx, &l);
	}
	free(perm);
	return rc;
}

/* feat and head hold the parameters and running statistics of net: the
 * layouts are in layer order, so they are net's arrays split at the first
 * parameter (buffer) of the head's first layer. */
static void split_params(Classifier *c)
{
	memcpy(c->feat.params, c->net.params, (size_t)c->feat.np * sizeof(float));
	memcpy(c->head.params, c->net.params + c->feat.np, (size_t)c->head.np * sizeof(float));
	memcpy(c->feat.bufs, c->net.bufs, (size_t)c->feat.nb * sizeof(float));
	memcpy(c->head.bufs, c->net.bufs + c->feat.nb, (size_t)c->head.nb * sizeof(float));
}

int clf_run(Classifier *c, const ClfData *d, float *features, float *logits, Err *e)
{
	split_params(c);
	int64_t fd = c->feat_dim, k = c->m.classes;
	for (int64_t i = 0; i < d->n; i += c->max_batch) {
		int bs = (int)(d->n - i < c->max_batch ? d->n - i : c->max_batch);
		gather(c, d, NULL, i, bs);
		const float *f = net_forward(&c->feat, c->xb, bs, 0);
		if (features)
			memcpy(features + i * fd, f, (size_t)bs * (size_t)fd * sizeof(float));
		if (logits) {
			const float *y = net_forward(&c->head, f, bs, 0);
			memcpy(logits + i * k, y, (size_t)bs * (size_t)k * sizeof(float));
		}
	}
	(void)e;
	return 0;
}

int clf_accuracy(Classifier *c, const ClfData *d, double *acc, double *loss, Err *e)
{
	if (!d->y)
		return err_set(e, EXIT_BAD, "accuracy needs labels (y)");
	split_params(c);
	int64_t hits = 0;
	double lsum = 0;
	for (int64_t i = 0; i < d->n; i += c->max_batch) {
		int bs = (int)(d->n - i < c->max_batch ? d->n - i : c->max_batch), h;
		gather(c, d, NULL, i, bs);
		const float *f = net_forward(&c->feat, c->xb, bs, 0);
		const float *y = net_forward(&c->head, f, bs, 0);
		lsum += xent_loss(NULL, y, c->yb, bs, c->m.classes, 1.0f, &h);
		hits += h;
	}
	*acc = (double)hits / (double)d->n;
	if (loss)
		*loss = lsum / (double)d->n;
	return 0;
}
