/* train.c - the GAN training step in the PyTorch peers' order (D on real,
 * G forward, D on fake, D update; then the G step as the model says) on the
 * trainer's backend, the latent noise kinds, gan-intro's D pre-training, the
 * trainer's memory and its placement on a backend. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapar.h"
#include "loss.h"
#include "memcheck.h"
#include "netsize.h"
#include "optim.h"

uint64_t seed_stream(uint64_t seed, uint64_t stream)
{
	uint64_t z = seed ^ (stream * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* The host batch buffers of t, and t->on pointing at them (the CPU). */
static int alloc_host(Trainer *t, const Model *m, Err *e)
{
	size_t lat = (size_t)shape_numel(&m->latent), dat = (size_t)shape_numel(&m->data);
	size_t mb = (size_t)t->max_batch;
	t->fixed = calloc((size_t)m->fixed_samples * lat, sizeof(float));
	t->z = calloc(mb * lat, sizeof(float));
	t->zg = calloc(mb * lat, sizeof(float));
	t->xb = calloc(mb * dat, sizeof(float));
	t->dlog = calloc(mb, sizeof(float));
	t->dfake = calloc(mb * dat, sizeof(float));
	if (!t->fixed || !t->z || !t->zg || !t->xb || !t->dlog || !t->dfake)
		return err_set(e, EXIT_SYS, "out of memory");
	t->be = backend_cpu();
	t->on = (StepBufs){ t->xb, t->z, t->zg, t->dlog, t->dfake };
	return 0;
}

int trainer_init(Trainer *t, const Model *m, int max_batch, uint64_t seed, Err *e)
{
	return trainer_init_with(t, m, max_batch, seed, 1, e);
}

int trainer_init_with(Trainer *t, const Model *m, int max_batch, uint64_t seed, int draw,
		      Err *e)
{
	memset(t, 0, sizeof *t);
	if (max_batch < 1 || max_batch > 65536)
		return err_set(e, EXIT_BAD, "batch %d out of range 1..65536", max_batch);
	if (m->classes)
		return err_set(e, EXIT_BAD, "model %s is a classifier ([C]), not a GAN: train it "
			       "with gan-classify", m->name);
	t->m = *m;
	t->max_batch = max_batch;
	t->seed = seed;
	t->be = backend_cpu();
	char what[64];
	snprintf(what, sizeof what, "the model at batch %d", max_batch);
	if (mem_check(trainer_bytes(m, max_batch), what, NULL, e))
		return -1;
	if (net_init(&t->g, &m->G, 'G', max_batch, e) ||
	    net_init(&t->d, &m->D, 'D', max_batch, e) || alloc_host(t, m, e)) {
		trainer_free(t);
		return -1;
	}
	Rng r;
	if (draw) {
		rng_init(&r, seed_stream(seed, SEED_INIT));
		net_init_params(&t->g, m, &r);
		net_init_params(&t->d, m, &r);
	}
	if (m->ema > 0 && ema_init(&t->ema, &t->g, e)) {
		trainer_free(t);
		return -1;
	}
	if (draw) {
		rng_init(&r, seed_stream(seed, SEED_FIXED));
		trainer_noise(m, &r, t->fixed, m->fixed_samples);
	}
	rng_init(&t->noise, seed_stream(seed, SEED_NOISE));
	t->lr_d = m->lr_d;
	t->lr_g = m->lr_g;
	t->batch = m->batch <= max_batch ? m->batch : max_batch;
	t->d_pretrained = m->d_pretrain == 0;
	return 0;
}

void trainer_free(Trainer *t)
{
	if (t->be.ops)
		trainer_drop(t);
	net_free(&t->g);
	net_free(&t->d);
	ema_free(&t->ema);
	free(t->fixed);
	free(t->z);
	free(t->zg);
	free(t->xb);
	free(t->dlog);
	free(t->dfake);
	t->fixed = t->z = t->zg = t->xb = t->dlog = t->dfake = NULL;
}

/* The batch buffers: host ones and their slots in t->on, in one order. */
static void buf_table(Trainer *t, float **host, float ***on, size_t *bytes)
{
	size_t lat = (size_t)shape_numel(&t->m.latent), dat = (size_t)shape_numel(&t->m.data);
	size_t mb = (size_t)t->max_batch, f = sizeof(float);
	float *h[5] = { t->xb, t->z, t->zg, t->dlog, t->dfake };
	float **o[5] = { &t->on.x, &t->on.z, &t->on.zg, &t->on.dl, &t->on.df };
	size_t b[5] = { mb * dat * f, mb * lat * f, mb * lat * f, mb * f, mb * dat * f };
	for (int i = 0; i < 5; i++)
		host[i] = h[i], on[i] = o[i], bytes[i] = b[i];
}

/* Releases the batch buffers on t->be; t->on back at the host ones. */
static void drop_bufs(Trainer *t)
{
	float *host[5], **on[5];
	size_t bytes[5];
	buf_table(t, host, on, bytes);
	for (int i = 0; i < 5; i++) {
		backend_untwin(t->be, *on[i], host[i]);
		*on[i] = host[i];
	}
	t->be = backend_cpu();
}

int trainer_place(Trainer *t, Backend to, Err *e)
{
	if (backend_same(t->be, to))
		return 0;
	if (net_place(&t->g, to, e) || net_place(&t->d, to, e)) {
		trainer_drop(t);
		return -1;
	}
	drop_bufs(t);
	t->be = to;
	float *host[5], **on[5];
	size_t bytes[5];
	buf_table(t, host, on, bytes);
	for (int i = 0; i < 5; i++) {
		void *p;
		if (backend_twin(to, host[i], bytes[i], &p, e)) {
			trainer_drop(t);
			return -1;
		}
		*on[i] = p;
	}
	return 0;
}

void trainer_drop(Trainer *t)
{
	net_drop(&t->g);
	net_drop(&t->d);
	drop_bufs(t);
}

/* The network a checkpoint name belongs to ("G." or "D."), or NULL. */
static Net *net_of(Trainer *t, const char *name)
{
	if (name[0] == 'G' && name[1] == '.')
		return &t->g;
	if (name[0] == 'D' && name[1] == '.')
		return &t->d;
	return NULL;
}

float *trainer_tensor(Trainer *t, const char *name, int64_t *numel)
{
	Net *n = net_of(t, name);
	const NetTensor *nt = n ? net_tensor(n, name) : NULL;
	if (!nt || nt->is_nbt)
		return NULL;
	if (numel)
		*numel = nt->numel;
	return net_tensor_data(n, nt);
}

float *trainer_grad(Trainer *t, const char *name, int64_t *numel)
{
	Net *n = net_of(t, name);
	const NetTensor *nt = n ? net_tensor(n, name) : NULL;
	if (!nt || nt->is_buf)
		return NULL;
	if (numel)
		*numel = nt->numel;
	return n->grads + nt->off;
}

/* z (n, latent): N(0, 1), or linspace(-R, R, n) + U(0, 1) * scale computed
 * in double as NumPy does. */
void trainer_noise(const Model *m, Rng *r, float *z, int n)
{
	size_t cnt = (size_t)n * (size_t)shape_numel(&m->latent);
	if (m->noise == NOISE_NORMAL) {
		rng_normal(r, z, cnt, 0, 1);
		return;
	}
	rng_uniform(r, z, cnt);
	double lo = -m->noise_range, hi = m->noise_range;
	double step = n > 1 ? (hi - lo) / (n - 1) : 0;
	for (int i = 0; i < n; i++) {
		double lin = i == n - 1 && n > 1 ? hi : lo + i * step;
		z[i] = (float)(lin + (double)z[i] * m->noise_scale);
	}
}

/* One optimizer update of net n with its step counter *tc. */
static void opt_update(const Model *m, Net *n, double lr0, int64_t *tc)
{
	double lr = m->decay_every > 0 ? lr_staircase((float)lr0, m->decay, m->decay_every, *tc) : lr0;
	AdamCfg c = { lr, m->beta1, m->beta2, m->eps };
	net_opt_step(n, m->opt == OPT_ADAM ? &c : NULL, lr, *tc + 1);
	(*tc)++;
}

/* BCE of D's outputs y (n) against target on t's backend: returns the sum,
 * writes the scaled gradient into t->on.dl and the mean probability into
 * *prob (unless NULL). NaN after a backend failure (y NULL). */
static double d_loss(Trainer *t, const float *y, float target, int n, float scale,
		     double *prob)
{
	double res[2] = { NAN, NAN };
	if (!y || t->be.ops->bce(t->be.ctx, t->m.loss, t->on.dl, y, target, n, scale, prob != NULL,
				 res))
		res[0] = res[1] = NAN;
	if (prob)
		*prob = res[1] / n;
	return res[0];
}

/* Names a non-finite loss in t->bad; -1 if so. */
static int check_loss(Trainer *t, const char *what, double v)
{
	if (isfinite(v))
		return 0;
	snprintf(t->bad, sizeof t->bad, "%s is %s", what, isnan(v) ? "nan" : "inf");
	return -1;
}

/* Index of the first non-finite value of p (n floats), or -1. */
static int64_t first_nonfinite(const float *p, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(p[i]))
			return i;
	return -1;
}

/* The checkpoint name of the first non-finite tensor of n into out (cap
 * bytes), in state_dict order: parameters and running statistics, then
 * (with Adam) the moments "opt.D.2.weight.m" and ".v". 0 when all finite. */
static int first_bad_tensor(const Net *n, int adam, char *out, size_t cap)
{
	for (int pass = 0; pass < (adam ? 3 : 1); pass++)
		for (int i = 0; i < n->nt; i++) {
			const NetTensor *nt = &n->t[i];
			if (nt->is_nbt || (pass > 0 && nt->is_buf))
				continue;
			const float *base = pass == 1 ? n->m : pass == 2 ? n->v :
					    nt->is_buf ? n->bufs : n->params;
			if (first_nonfinite(base + nt->off, nt->numel) < 0)
				continue;
			if (pass == 0)
				snprintf(out, cap, "%s", nt->name);
			else
				snprintf(out, cap, "opt.%s.%c", nt->name, pass == 1 ? 'm' : 'v');
			return 1;
		}
	snprintf(out, cap, "a tensor of %c", n->prefix);
	return 0;
}

/* Names the first non-finite tensor of n after its update in t->bad:
 * "D.2.weight is not finite after the D update (lr_d 3e+38)"; the
 * learning rate is dropped when the line would not fit. Every parameter
 * and buffer is checked, and with Adam the moments too (an overflowing v
 * leaves the weights finite but makes the checkpoint unreadable); the state
 * comes to the host first for the name (this path ends the run). -1 if so. */
static int check_net(Trainer *t, Net *n)
{
	if (net_finite(n, t->m.opt == OPT_ADAM))
		return 0;
	char name[64];
	Err ignored;
	if (net_sync_host(n, &ignored) == 0)
		first_bad_tensor(n, t->m.opt == OPT_ADAM, name, sizeof name);
	else
		snprintf(name, sizeof name, "a tensor of %c", n->prefix);
	int k = snprintf(t->bad, sizeof t->bad, "%s is not finite after the %c update "
			 "(lr_%c %g)", name, n->prefix, n->prefix == 'D' ? 'd' : 'g',
			 n->prefix == 'D' ? t->lr_d : t->lr_g);
	if (k >= (int)sizeof t->bad)
		snprintf(t->bad, sizeof t->bad, "%.30s is not finite after the %c update",
			 name, n->prefix);
	return -1;
}

/* The examples of this step: n, or across processes the global batch. */
static int step_n(const Trainer *t, int n)
{
	return t->dp ? t->dp->n_global : n;
}

/* Across processes: D's gradients, the loss sums *lr, *lf and D's mean
 * probabilities (of this process's n) summed into the global batch's. */
static int reduce_d(Trainer *t, int n, double *lr, double *lf, StepStats *st)
{
	double s[4] = { *lr, *lf, st->d_x * n, st->d_g_z * n };
	if (datapar_sum(t->dp, &t->d, s, 4, t->bad, sizeof t->bad))
		return -1;
	*lr = s[0];
	*lf = s[1];
	st->d_x = s[2] / t->dp->n_global;
	st->d_g_z = s[3] / t->dp->n_global;
	return 0;
}

/* D step: zero grads, D(real) vs 1, G(z), D(fake) vs 0, update D.
 * Returns G's output (the fake batch) through *fake. */
static int d_step(Trainer *t, const float *x, int n, const float *z, const float **fake,
		  StepStats *st)
{
	const Model *m = &t->m;
	int ng = step_n(t, n);
	float scale = (m->loss_mean ? 1.0f / (float)ng : 1.0f) * (m->d_loss_half ? 0.5f : 1.0f);
	net_zero_grads(&t->d);
	const float *y = net_forward(&t->d, x, n, 1);
	double lr = d_loss(t, y, 1.0f, n, scale, &st->d_x);
	net_backward(&t->d, t->on.dl, NULL, 1);
	*fake = net_forward(&t->g, z, n, 1);
	y = net_forward(&t->d, *fake, n, 1);
	double lf = d_loss(t, y, 0.0f, n, scale, &st->d_g_z);
	if (t->dp)
		datapar_overlap(t->dp, &t->d);
	net_backward(&t->d, t->on.dl, NULL, 1);
	if (t->dp && reduce_d(t, n, &lr, &lf, st))
		return -1;
	double l = m->loss_mean ? lr / ng + lf / ng : lr + lf;
	st->loss_d = m->d_loss_half ? l / 2 : l;
	if (check_loss(t, "loss_D", st->loss_d))
		return -1;
	opt_update(m, &t->d, t->lr_d, &t->opt_t_d);
	return check_net(t, &t->d);
}

/* The decay of the EMA at G update t (1, 2, ...; see gantools-model(5)): 0
 * (a copy) for the first ema_start updates; with ema_rampup R,
 * StyleGAN2-ADA's ramp: the half-life, ln 0.5 / ln decay updates, at most R
 * times the updates before this one, i.e. min(decay, 0.5^(1 / (R (t - 1)))). */
float ema_decay_at(const Model *m, int64_t t)
{
	if (t - 1 < m->ema_start)
		return 0.0f;
	if (m->ema_rampup > 0) {
		double h = (double)m->ema_rampup * (double)(t - 1);
		double d = h > 0 ? exp(log(0.5) / h) : 0.0;
		if (d < m->ema)
			return (float)d;
	}
	return m->ema;
}

/* The EMA of G after its update (StudioGAN's Ema.update) with the decay of
 * ema_decay_at. G's state comes to the host first (nothing to do on the CPU;
 * a backend's sticky error, if any, ends the run after this step). */
static void ema_step(Trainer *t)
{
	Err ignored;
	net_sync_host(&t->g, &ignored);
	ema_update(&t->ema, &t->g, ema_decay_at(&t->m, t->opt_t_g));
}

/* G step: the fake batch per g_step, D(fake) vs 1 in train mode, backward
 * through D (no D grads) and G, update G. */
static int g_step(Trainer *t, int n, const float *z, const float *z_g, const float *fake,
		  StepStats *st)
{
	const Model *m = &t->m;
	net_zero_grads(&t->g);
	if (m->g_step == GSTEP_RECOMPUTE)
		fake = net_forward(&t->g, z, n, 1);
	else if (m->g_step == GSTEP_FRESH)
		fake = net_forward(&t->g, z_g, n, 1);
	const float *y = net_forward(&t->d, fake, n, 1);
	int ng = step_n(t, n);
	float scale = m->loss_mean ? 1.0f / (float)ng : 1.0f;
	double l = d_loss(t, y, 1.0f, n, scale, NULL);
	if (t->dp && datapar_sum(t->dp, NULL, &l, 1, t->bad, sizeof t->bad))
		return -1;
	st->loss_g = m->loss_mean ? l / ng : l;
	if (check_loss(t, "loss_G", st->loss_g))
		return -1;
	net_backward(&t->d, t->on.dl, t->on.df, 0);
	if (t->dp)
		datapar_overlap(t->dp, &t->g);
	net_backward(&t->g, t->on.df, NULL, 1);
	if (t->dp && datapar_sum(t->dp, &t->g, NULL, 0, t->bad, sizeof t->bad))
		return -1;
	opt_update(m, &t->g, t->lr_g, &t->opt_t_g);
	if (check_net(t, &t->g))
		return -1;
	if (m->ema > 0)
		ema_step(t);
	return 0;
}

int trainer_step_with(Trainer *t, const float *x, int n, const float *z,
		      const float *z_g, StepStats *st)
{
	StepStats s = { 0 };
	t->bad[0] = 0;
	if (n < 1 || n > t->max_batch || (t->m.has_bn && step_n(t, n) < 2) ||
	    (t->m.g_step == GSTEP_FRESH && !z_g)) {
		snprintf(t->bad, sizeof t->bad, "batch of %d is not allowed", n);
		return -1;
	}
	const float *fake;
	int rc = d_step(t, x, n, z, &fake, &s);
	if (rc == 0)
		rc = g_step(t, n, z, z_g, fake, &s);
	if (st)
		*st = s;
	if (rc == 0)
		t->step++;
	return rc;
}

/* MSE of D's probability against y (b values): sum of squares, and its
 * gradient / b with respect to D's raw output into dout. A logit output goes
 * through the sigmoid first (chain rule s (1 - s)). */
static double pretrain_loss(const Model *m, const float *out, const float *y, float *dout, int b)
{
	if (m->loss != LOSS_BCE_LOGITS)
		return loss_mse(dout, out, y, b, 1.0f / (float)b);
	double l = 0;
	for (int j = 0; j < b; j++) {
		float s = loss_prob(m->loss, out[j]), d = s - y[j];
		l += (double)d * d;
		dout[j] = 2.0f * d * s * (1.0f - s) / (float)b;
	}
	return l;
}

int trainer_pretrain(Trainer *t)
{
	const Model *m = &t->m;
	int b = t->batch;
	float *x = t->xb, *y = t->dfake;
	const double c = 1.0 / (m->pre_std * sqrt(2 * M_PI));
	/* Every process pre-trains D whole on the same batches (gan-step(1)):
	 * minibatch discrimination compares this process's batch alone. */
	MbdSync *mbd = t->d.mbd_sync;
	t->d.mbd_sync = NULL;
	int rc = 0;
	for (int i = 0; i < m->d_pretrain && rc == 0; i++) {
		rng_uniform(&t->noise, x, (size_t)b);
		for (int j = 0; j < b; j++) {
			double u = m->pre_lo + (double)x[j] * ((double)m->pre_hi - m->pre_lo);
			double d = (u - m->pre_mean) / m->pre_std;
			x[j] = (float)u;
			y[j] = (float)(c * exp(-0.5 * d * d));
		}
		net_zero_grads(&t->d);
		const float *out = net_forward(&t->d, x, b, 1);
		double l = pretrain_loss(m, out, y, t->dlog, b);
		if (check_loss(t, "D pre-training loss", l / b)) {
			rc = -1;
			break;
		}
		net_backward(&t->d, t->dlog, NULL, 1);
		net_opt_step(&t->d, NULL, lr_staircase((float)t->lr_d, m->decay, m->decay_every, i),
			     i + 1);
		rc = check_net(t, &t->d);
	}
	t->d.mbd_sync = mbd;
	if (rc == 0)
		t->d_pretrained = 1;
	return rc;
}
