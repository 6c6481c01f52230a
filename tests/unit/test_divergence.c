/* test_divergence.c - divergence diagnostics of the training step: a
 * non-finite loss or tensor stops the step that produced it, and t->bad
 * names the loss, or the first non-finite tensor and the learning rate. */
#include <math.h>

#include "train.h"

#include "check.h"

/* A trainer for preset p at batch n, with x and z filled for one step. */
static int setup(Trainer *t, const char *p, int n, float **x, float **z)
{
	Model m;
	Err e;
	if (model_load_preset(&m, p, &e) || trainer_init(t, &m, n, 5, &e)) {
		fprintf(stderr, "  %s\n", e.msg);
		return -1;
	}
	size_t dat = (size_t)shape_numel(&m.data), lat = (size_t)shape_numel(&m.latent);
	*x = calloc((size_t)n * dat, sizeof **x);
	*z = calloc((size_t)n * lat, sizeof **z);
	if (!*x || !*z)
		return -1;
	for (size_t i = 0; i < (size_t)n * dat; i++)
		(*x)[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
	trainer_noise(&t->m, &t->noise, *z, n);
	return 0;
}

/* The moment of parameter `name` of n (v when second), or NULL. */
static float *moment(Net *n, const char *name, int second)
{
	const NetTensor *nt = net_tensor(n, name);
	return nt ? (second ? n->v : n->m) + nt->off : NULL;
}

/* One step with one value of the trainer made non-finite by poke(). */
static void expect_bad(const char *preset, int batch, void (*poke)(Trainer *),
		       const char *want)
{
	Trainer t;
	float *x = NULL, *z = NULL;
	int ok = setup(&t, preset, batch, &x, &z) == 0;
	CHECK(ok);
	if (ok) {
		poke(&t);
		StepStats st;
		CHECK(trainer_step_with(&t, x, batch, z, NULL, &st) == -1);
		CHECK_STR(t.bad, want);
		CHECK(t.step == 0);
		trainer_free(&t);
	}
	free(x);
	free(z);
}

static void v_inf(Trainer *t)
{
	moment(&t->d, "D.2.weight", 1)[3] = INFINITY;
}

static void g_m_nan(Trainer *t)
{
	moment(&t->g, "G.0.bias", 0)[1] = NAN;
}

static void d_weight_nan(Trainer *t)
{
	trainer_tensor(t, "D.0.weight", NULL)[0] = NAN;
}

static void bn_stat_inf(Trainer *t)
{
	trainer_tensor(t, "G.1.running_var", NULL)[5] = INFINITY;
}

static void run(void)
{
	/* Adam's v overflows while the weights stay finite: named all the same. */
	expect_bad("gaussian2d", 8, v_inf,
		   "opt.D.2.weight.v is not finite after the D update (lr_d 0.05)");
	/* A NaN moment turns the parameter NaN: the parameter comes first. */
	expect_bad("gaussian2d", 8, g_m_nan,
		   "G.0.bias is not finite after the G update (lr_g 0.005)");
	/* A NaN weight of D shows in its loss before any update. */
	expect_bad("gaussian2d", 8, d_weight_nan, "loss_D is nan");
	/* Running statistics are checked too (G's, after the G update). */
	expect_bad("dcgan-mnist", 2, bn_stat_inf,
		   "G.1.running_var is not finite after the G update (lr_g 0.0002)");
}

CHECK_MAIN("test_divergence")
