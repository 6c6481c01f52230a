/* test_ema.c - the EMA of G: the update against PyTorch's
 * p.lerp(p_ema, decay) (StudioGAN's Ema.update), ema_start's copies, the
 * average of a training run against the recurrence done here, G_ema.* in
 * the checkpoint, and exact resume with an EMA. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "ema.h"
#include "epoch.h"
#include "safetensors.h"
#include "train.h"
#include "trainset.h"
#include "../fixtures/ema.h"
#include "check.h"
#include "ckpt_mem.h"

/* Max distance in ulps between a and b (n floats). */
static int max_ulps(const float *a, const float *b, int n)
{
	int worst = 0;
	for (int i = 0; i < n; i++) {
		float x = a[i], y = b[i];
		int32_t ix, iy;
		memcpy(&ix, &x, 4);
		memcpy(&iy, &y, 4);
		if ((ix < 0) != (iy < 0)) {
			worst = x == y ? worst : 1 << 30;
			continue;
		}
		int d = abs(ix - iy);
		worst = d > worst ? d : worst;
	}
	return worst;
}

static void golden(void)
{
	float p[EMA_N], bufs[1] = { 0 };
	Net n = { .np = EMA_N, .params = p, .bufs = bufs };
	static const struct { float w; const float *one, *three; } cases[] = {
		{ 0.999f, ema_out_999, ema_out3_999 }, { 0.3f, ema_out_3, ema_out3_3 },
	};
	for (int c = 0; c < 2; c++) {
		Ema a;
		Err e = { 0 };
		memcpy(p, ema_avg, sizeof p);
		CHECK(ema_init(&a, &n, &e) == 0);
		CHECK(memcmp(a.params, ema_avg, sizeof p) == 0);
		memcpy(p, ema_p, sizeof p);
		ema_update(&a, &n, cases[c].w);
		int u = max_ulps(a.params, cases[c].one, EMA_N);
		CHECK_MSG(u <= 1, "decay %g: %d ulps from torch.lerp", cases[c].w, u);
		memcpy(a.params, ema_avg, sizeof p);
		for (int k = 0; k < 3; k++) {
			for (int i = 0; i < EMA_N; i++)
				p[i] = ema_p[i] + (float)(0.1 * k);
			ema_update(&a, &n, cases[c].w);
		}
		u = max_ulps(a.params, cases[c].three, EMA_N);
		CHECK_MSG(u <= 2, "decay %g, 3 updates: %d ulps from torch", cases[c].w, u);
		ema_update(&a, &n, 0);
		CHECK(memcmp(a.params, p, sizeof p) == 0);
		ema_free(&a);
	}
}

static const char *text =
	"[model]\ndata = 3\nlatent = 2\nloss = bce-logits mean\n"
	"[train]\nbatch = 4\nema = 0.9\nema_start = 3\n"
	"[G]\nlinear 2 4\nbatchnorm1d 4\ntanh\nlinear 4 3\n"
	"[D]\nlinear 3 5\ntanh\nlinear 5 1\n";

/* text with ema_rampup instead of ema_start. */
static const char *ramp_text =
	"[model]\ndata = 3\nlatent = 2\nloss = bce-logits mean\n"
	"[train]\nbatch = 4\nema = 0.9\nema_rampup = 0.5\n"
	"[G]\nlinear 2 4\nbatchnorm1d 4\ntanh\nlinear 4 3\n"
	"[D]\nlinear 3 5\ntanh\nlinear 5 1\n";

/* Steps of a run: the average is G's copy for 3 G steps, then the
 * recurrence avg = avg + (0.9 - 1)(avg - G), running statistics too. */
static void training(void)
{
	Model m;
	Trainer t;
	Err e = { 0 };
	CHECK_MSG(model_load(&m, text, "ema.model", &e) == 0, "%s", e.msg);
	CHECK(m.ema == 0.9f && m.ema_start == 3);
	CHECK(trainer_init(&t, &m, 4, 11, &e) == 0);
	float x[12], z[8], want[64], wbuf[8];
	Rng r;
	rng_init(&r, 4);
	CHECK(t.g.np <= 64 && t.g.nb == 8);
	for (int s = 0; s < 6; s++) {
		rng_normal(&r, x, 12, 0, 1);
		rng_normal(&r, z, 8, 0, 1);
		CHECK(trainer_step_with(&t, x, 4, z, NULL, NULL) == 0);
		for (int i = 0; i < t.g.np; i++)
			want[i] = s < 3 ? t.g.params[i] : fmaf(0.9f - 1.0f, want[i] - t.g.params[i], want[i]);
		for (int i = 0; i < t.g.nb; i++)
			wbuf[i] = s < 3 ? t.g.bufs[i] : fmaf(0.9f - 1.0f, wbuf[i] - t.g.bufs[i], wbuf[i]);
	}
	CHECK(memcmp(t.ema.params, want, (size_t)t.g.np * 4) == 0);
	CHECK(memcmp(t.ema.bufs, wbuf, sizeof wbuf) == 0);
	CHECK(t.ema.nbt[1] == t.g.l[1].nbt && t.ema.nbt[1] == 12 && memcmp(t.ema.params, t.g.params, (size_t)t.g.np * 4) != 0);

	/* G_ema.* in the checkpoint, read back as it was written. */
	size_t n;
	char *buf = ckpt_bytes(&t, &n);
	FILE *f = fmemopen(buf, n, "rb");
	SafeTensors st;
	CHECK(st_read(f, "mem", &st, &e) == 0);
	fclose(f);
	const Tensor *w0 = st_get(&st, "G_ema.0.weight"), *rv = st_get(&st, "G_ema.1.running_var");
	CHECK(w0 && w0->ndim == 2 && w0->shape[0] == 4 && w0->shape[1] == 2);
	CHECK(rv && memcmp(rv->data, t.ema.bufs + 4, 16) == 0);
	CHECK(st_get(&st, "G_ema.1.num_batches_tracked") && !st_get(&st, "G_ema.2.weight"));
	st_free(&st);
	Trainer u;
	f = fmemopen(buf, n, "rb");
	CHECK(ckpt_read(&u, f, "mem", 0, &e) == 0);
	fclose(f);
	CHECK(memcmp(u.ema.params, t.ema.params, (size_t)t.g.np * 4) == 0 && u.ema.nbt[1] == 12);
	free(buf);
	trainer_free(&u);
	trainer_free(&t);
}

/* 14 steps in one run equal 5 then 9 through a checkpoint, EMA included
 * (with ema_start, and with ema_rampup, whose decay the checkpoint's model
 * and step count give back). */
static void resume(const char *model_text)
{
	Model m;
	Err e = { 0 };
	CHECK(model_load(&m, model_text, "ema.model", &e) == 0);
	float data[30 * 3];
	Rng r;
	rng_init(&r, 5);
	rng_normal(&r, data, 90, 0, 1);
	Tensor x = { .dtype = DT_F32, .ndim = 2, .shape = { 30, 3 }, .data = data, .borrowed = 1 };
	Trainer a, b, c;
	TrainSet d;
	RunOpts all = { .steps = 14 }, first = { .steps = 5 }, rest = { .steps = 9 };
	CHECK(trainer_init(&a, &m, 4, 3, &e) == 0 && trainer_init(&b, &m, 4, 3, &e) == 0);
	CHECK(trainset_check(&a, &x, "x.npy", &d, &e) == 0);
	CHECK(trainer_run(&a, &d, &all, &e) == 0 && trainer_run(&b, &d, &first, &e) == 0);
	size_t nb, na, nc;
	char *bb = ckpt_bytes(&b, &nb);
	FILE *f = fmemopen(bb, nb, "rb");
	CHECK_MSG(ckpt_read(&c, f, "b.st", 0, &e) == 0, "%s", e.msg);
	fclose(f);
	CHECK(trainer_run(&c, &d, &rest, &e) == 0);
	char *ba = ckpt_bytes(&a, &na), *bc = ckpt_bytes(&c, &nc);
	CHECK(na == nc && memcmp(ba, bc, na) == 0);
	free(ba), free(bb), free(bc);
	trainer_free(&a), trainer_free(&b), trainer_free(&c);
}

/* ema_rampup: the decay of update t is min(ema, 0.5^(1 / (R (t - 1)))),
 * ema_start's copies first; a run follows it. */
static void rampup(void)
{
	Model m;
	Trainer t;
	Err e = { 0 };
	CHECK_MSG(model_load(&m, ramp_text, "ramp.model", &e) == 0, "%s", e.msg);
	CHECK(m.ema_rampup == 0.5f);
	/* Half-lives 0, 0.5, 1, 1.5, 2 updates, then capped by 0.9's 6.58. */
	CHECK(ema_decay_at(&m, 1) == 0.0f);
	CHECK(ema_decay_at(&m, 2) == 0.25f);
	CHECK(ema_decay_at(&m, 3) == 0.5f);
	CHECK(fabsf(ema_decay_at(&m, 5) - 0.70710678f) < 1e-7f);
	CHECK(fabsf(ema_decay_at(&m, 14) - 0.89885097f) < 1e-6f);
	CHECK(ema_decay_at(&m, 15) == 0.9f && ema_decay_at(&m, 1000000) == 0.9f);
	m.ema_start = 3;
	CHECK(ema_decay_at(&m, 3) == 0.0f);
	CHECK(fabsf(ema_decay_at(&m, 4) - 0.62996052f) < 1e-6f);
	m.ema_start = 0;
	CHECK(trainer_init(&t, &m, 4, 11, &e) == 0);
	float x[12], z[8], want[64];
	Rng r;
	rng_init(&r, 4);
	CHECK(t.g.np <= 64);
	for (int s = 0; s < 20; s++) {
		rng_normal(&r, x, 12, 0, 1);
		rng_normal(&r, z, 8, 0, 1);
		CHECK(trainer_step_with(&t, x, 4, z, NULL, NULL) == 0);
		float d = ema_decay_at(&m, s + 1);
		for (int i = 0; i < t.g.np; i++)
			want[i] = d == 0 ? t.g.params[i] : fmaf(d - 1.0f, want[i] - t.g.params[i], want[i]);
	}
	CHECK(memcmp(t.ema.params, want, (size_t)t.g.np * 4) == 0);
	trainer_free(&t);
}

/* A model whose [train] section is train (after data and latent, before
 * one-layer G and D) is refused with the message want. */
static void refused(const char *train, const char *want)
{
	Model m;
	Err e = { 0 };
	char model[600];
	snprintf(model, sizeof model, "[model]\ndata = 3\nlatent = 2\n[train]\n%s"
		 "[G]\nlinear 2 3\n[D]\nlinear 3 1\n", train);
	CHECK(model_load(&m, model, "e.model", &e) == -1);
	CHECK_STR(e.msg, want);
}

/* ema outside [0, 1) is refused; so are ema_rampup outside (0, 1] and
 * ema_start or ema_rampup without ema. */
static void bad(void)
{
	refused("ema = 1\n", "e.model:5: ema: the decay must be below 1 (e.g. 0.999)");
	refused("ema = -0.5\n", "e.model:5: bad number '-0.5' for ema (expected a number in 0..1)");
	refused("ema = 0.9\nema_rampup = 0\n",
		"e.model:6: ema_rampup: the ratio must be above 0 (e.g. 0.05)");
	refused("ema_rampup = 0.05\n", "e.model: ema_rampup needs 'ema = DECAY'");
	refused("ema_start = 5\n", "e.model: ema_start needs 'ema = DECAY'");
}

static void run(void)
{
	golden();
	training();
	resume(text);
	resume(ramp_text);
	rampup();
	bad();
}

CHECK_MAIN("test_ema")
