/* test_model.c - the model-file parser: every preset loads with the
 * hyperparameters of the workloads (README.md, "The workloads"), and each
 * malformed model is rejected with its "FILE:LINE: what is wrong" message. */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "check.h"

static const char *base =
	"[model]\ndata = 2\nlatent = 2\n"      /* lines 1-3 */
	"[G]\nlinear 2 2\n"                     /* lines 4-5 */
	"[D]\nlinear 2 5\ntanh\nlinear 5 1\n";  /* lines 6-9 */

static void presets(void)
{
	Model m;
	Err e = { 0 };
	CHECK(model_load_preset(&m, "gaussian2d", &e) == 0);
	CHECK_STR(m.name, "gaussian2d");
	CHECK(m.batch == 8 && m.epochs == 20 && m.G.n == 1 && m.D.n == 5);
	CHECK(m.lr_d == 0.05 && m.lr_g == 0.005 && m.beta1 == 0.9 && m.opt == OPT_ADAM);
	CHECK(m.loss == LOSS_BCE_LOGITS && !m.loss_mean && m.d_loss_half);
	CHECK(m.init == INIT_NORMAL && m.init_std == 0.02f && m.g_step == GSTEP_RECOMPUTE);

	CHECK(model_load_preset(&m, "gaussian1d", &e) == 0);
	CHECK(m.opt == OPT_SGD && m.lr_d == 0.03 && m.decay == 0.95f && m.decay_every == 150);
	CHECK(m.batch == 12 && m.d_pretrain == 1000 && m.noise == NOISE_LINSPACE);
	CHECK(m.noise_range == 8 && m.g_step == GSTEP_FRESH && m.loss == LOSS_BCE_LOGITS && m.loss_mean);
	CHECK(m.pre_mean == 4 && m.pre_std == 0.5f && m.pre_lo == -5 && m.pre_hi == 5);
	CHECK(m.init == INIT_GANINTRO && m.init_std == 1 && m.D.n == 7 && m.G.n == 3);

	CHECK(model_load_preset(&m, "gaussian1d-mbd", &e) == 0);
	CHECK(m.lr_d == 0.005 && m.lr_g == 0.005);
	CHECK(m.D.l[4].kind == LAYER_MBDISC && m.D.l[4].out.c == 13);
	CHECK(m.D.l[4].init == INIT_GANINTRO && m.D.l[4].init_std == 0.02f);

	CHECK(model_load_preset(&m, "dcgan-mnist", &e) == 0);
	CHECK(m.G.n == 9 && m.D.n == 8 && m.has_bn && m.g_step == GSTEP_REUSE);
	CHECK(m.G.l[3].kind == LAYER_UNFLATTEN && m.G.l[4].kind == LAYER_CONVT2D);
	CHECK(m.G.l[8].out.ndim == 3 && m.G.l[8].out.c == 1 && m.G.l[8].out.h == 28);
	CHECK(m.D.l[6].kind == LAYER_LINEAR && m.D.l[6].a == 6272);
	CHECK(m.beta1 == 0.5 && m.lr_d == 2e-4 && m.loss == LOSS_BCE && !m.d_loss_half);

	CHECK(model_load_preset(&m, "dcgan64", &e) == 0);
	CHECK(m.G.n == 14 && m.D.n == 13 && m.batch == 256 && m.latent.ndim == 3);
	CHECK(m.G.l[0].out.h == 4 && m.G.l[12].out.h == 64 && !m.G.l[12].bias);
	CHECK(m.D.l[12].out.c == 1 && m.D.l[12].out.h == 1 && m.lr_g == 0.005);

	CHECK(model_load_preset(&m, "nosuch", &e) == -1);
	CHECK_STR(e.msg, "nosuch: no such model file or preset");
	CHECK(model_load_preset(&m, "../x", &e) == -1);
	CHECK(model_load(&m, base, "ok.model", &e) == 0);
	CHECK_STR(m.name, "ok");
	CHECK(m.D.l[2].in.c == 5 && m.batch == 64);
}

/* Replaces line `line` (1-based) of base with `repl` (may hold newlines). */
static void edit(char *out, size_t n, int line, const char *repl)
{
	const char *s = base;
	out[0] = 0;
	for (int i = 1; *s; i++) {
		const char *nl = strchr(s, '\n');
		size_t len = (size_t)(nl - s) + 1;
		if (i == line)
			snprintf(out + strlen(out), n - strlen(out), "%s\n", repl);
		else
			snprintf(out + strlen(out), n - strlen(out), "%.*s", (int)len, s);
		s += len;
	}
}

typedef struct {
	int line;
	const char *repl, *msg;
} Bad;

static const Bad bad[] = {
	{ 5, "lineer 2 2", "m.model:5: unknown layer 'lineer'" },
	{ 5, "linear 2 x", "m.model:5: bad number 'x' for linear (expected an integer in 1..65536)" },
	{ 5, "linear 3 2", "m.model:5: linear expects 3 input features, gets 2" },
	{ 5, "linear 2 3", "m.model:5: G's output is 3, the data shape is 2" },
	{ 9, "linear 5 2", "m.model:9: D's output is 2, expected 1 value per example" },
	{ 5, "linear 2 2\ntanh\nlinear 2 4", "m.model:7: G's output is 4, the data shape is 2" },
	{ 2, "data = 1x28x28", "m.model:5: G's output is 2, the data shape is 1x28x28" },
	{ 2, "data = 2x3", "m.model:2: data: '2x3' must have 1 or 3 dimensions (C or CxHxW)" },
	{ 2, "data = 0", "m.model:2: bad number '0' for data (expected an integer in 1..65536)" },
	{ 3, "latnet = 2", "m.model:3: unknown key 'latnet' in [model]" },
	{ 3, "latent = 2\nlatent = 3", "m.model:4: key 'latent' set twice" },
	{ 1, "[modl]", "m.model:1: unknown section [modl] (expected model, optimizer, train, G and D, or C)" },
	{ 3, "latent = 2\nclasses = 10", "m.model: classes is a setting of classifier models ([C]); a GAN sets lr_d and lr_g" },
	{ 3, "latent = 2\n[optimizer]\nlr = 0.1", "m.model: lr is a setting of classifier models ([C]); a GAN sets lr_d and lr_g" },
	{ 6, "[C]\nlinear 2 2", "m.model: a classifier model ([C]) has no [G] or [D]" },
	{ 3, "latent = 2\n[train]\nbatch = 0", "m.model:5: bad number '0' for batch (expected an integer in 1..65536)" },
	{ 3, "latent = 2\n[optimizer]\nlr_d = nan", "m.model:5: bad number 'nan' for lr_d (expected a number in 0..10)" },
	{ 3, "latent = 2\n[optimizer]\ntype = rmsprop", "m.model:5: type: expected adam or sgd" },
	{ 3, "latent = 2\nloss = mse", "m.model:4: loss: expected 'bce-logits' or 'bce', then 'sum' or 'mean'" },
	{ 3, "latent = 2\ng_step = twice", "m.model:4: g_step: expected recompute, reuse or fresh" },
	{ 3, "latent = 2\nd_loss = avg", "m.model:4: d_loss: expected sum or half" },
	{ 3, "latent = 2\nnoise = linspace 8", "m.model:4: noise: expected 'normal' or 'linspace RANGE SCALE'" },
	{ 3, "latent = 2\ninit = normal", "m.model:4: init: expected 'normal STD', 'pytorch' or 'ganintro [STD]'" },
	{ 5, "linear 2 2 bias=maybe", "m.model:5: bias: expected yes or no, got 'maybe'" },
	{ 5, "linear 2 2 k=3", "m.model:5: unknown option 'k' for this layer" },
	{ 5, "linear 2 2 init=uniform", "m.model:5: bad init 'uniform' (expected normal:STD, pytorch or ganintro[:STD])" },
	{ 5, "linear 2", "m.model:5: linear takes 2 numbers, got 1" },
	{ 5, "conv2d 2 2 k=3", "m.model:5: conv2d expects 2 input channels (CxHxW), gets 2" },
	{ 5, "batchnorm2d 2", "m.model:5: batchnorm2d expects 2 channels (CxHxW), gets 2" },
	{ 5, "unflatten 1 1 3", "m.model:5: unflatten 1 1 3 expects 3 features, gets 2" },
	{ 5, "relu 3", "m.model:5: relu takes 0 numbers, got 1" },
	{ 6, "", "m.model: no layers in [D]" },
	{ 1, "data = 2", "m.model:1: 'data = 2' outside any section" },
	{ 2, "# no data", "m.model: [model] needs 'data = SHAPE'" },
	{ 2, "data = 2 # comment\n[model]", "m.model:3: section [model] appears twice" },
	{ 5, "batchnorm1d 2\nlinear 2 2\n[train]\nbatch = 1", "m.model: batch must be at least 2 with batch norm" },
	{ 5, "mbdisc 3 5 3", "m.model:5: mbdisc expects 3 input features, gets 2" },
};

static void bad_models(void)
{
	char text[2048];
	Model m;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		Err e = { 0 };
		edit(text, sizeof text, bad[i].line, bad[i].repl);
		int rc = model_load(&m, text, "m.model", &e);
		CHECK_MSG(rc == -1 && e.code == EXIT_BAD, "case %zu accepted", i);
		CHECK_STR(e.msg, bad[i].msg);
	}
}

/* Classifier models: [C] from the data to `classes` logits. */
static void classifiers(void)
{
	Model m;
	Err e = { 0 };
	CHECK(model_load_preset(&m, "lenet", &e) == 0);
	CHECK(m.classes == 10 && m.features == 8 && m.C.n == 10 && m.G.n == 0 && m.D.n == 0);
	CHECK(m.C.l[8].out.c == 128 && m.C.l[9].out.c == 10 && m.lr == 1e-3 && m.has_bn);
	static const char *head = "[model]\ndata = 4\nclasses = 3\n[C]\n";
	static const struct { const char *body, *msg; } cases[] = {
		{ "linear 4 3\n", "c.model: [C] needs at least 2 layers (features, then the class logits)" },
		{ "linear 4 5\nrelu\nlinear 5 2\n", "c.model:7: C's output is 2, expected 3 values (classes)" },
		{ "linear 4 5\nrelu\nlinear 5 3\n[model]\n", "c.model:8: section [model] appears twice" },
		{ "linear 4 5\nlinear 5 3\n[train]\nbatch = 1\n", NULL },
	};
	char text[512];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, "%s%s", head, cases[i].body);
		int rc = model_load(&m, text, "c.model", &e);
		CHECK_MSG(cases[i].msg ? rc == -1 : rc == 0, "classifier case %zu", i);
		if (cases[i].msg)
			CHECK_STR(e.msg, cases[i].msg);
	}
	CHECK(m.features == 0 && m.lr == 1e-3);
	snprintf(text, sizeof text, "[model]\ndata = 4\nclasses = 3\nfeatures = 2\n[C]\n"
		 "linear 4 5\nrelu\nlinear 5 3\n");
	CHECK(model_load(&m, text, "c.model", &e) == -1);
	CHECK_STR(e.msg, "c.model: features = 2: expected a layer of [C] before the last (0..1)");
	snprintf(text, sizeof text, "[model]\ndata = 4\n[C]\nlinear 4 5\nlinear 5 3\n");
	CHECK(model_load(&m, text, "c.model", &e) == -1);
	CHECK_STR(e.msg, "c.model: [model] needs 'classes = K' in a classifier model");
	snprintf(text, sizeof text, "[model]\ndata = 4\nclasses = 3\n[C]\n");
	CHECK(model_load(&m, text, "c.model", &e) == -1);
	CHECK_STR(e.msg, "c.model: no layers in [C]");
}

static void misc(void)
{
	Model m;
	Err e = { 0 };
	char big[MODEL_MAX_TEXT + 10];
	memset(big, '#', sizeof big - 1);
	big[sizeof big - 1] = 0;
	CHECK(model_load(&m, big, "big.model", &e) == -1);
	CHECK_STR(e.msg, "big.model: model text longer than 16384 bytes");
	CHECK(model_load_file(&m, "/nonexistent/x.model", &e) == -1);
	CHECK(e.code == EXIT_SYS);
	char text[2048];
	edit(text, sizeof text, 5, "linear 2 2 bias=no init=normal:0.5  # comment");
	CHECK(model_load(&m, text, "m.model", &e) == 0);
	CHECK(!m.G.l[0].bias && m.G.l[0].init == INIT_NORMAL && m.G.l[0].init_std == 0.5f);
	const char *sig = "[model]\ndata = 2\nlatent = 2\nloss = bce-logits sum\n[G]\nlinear 2 2\n"
			  "[D]\nlinear 2 1\nsigmoid\n";
	CHECK(model_load(&m, sig, "s.model", &e) == -1);
	CHECK_STR(e.msg, "s.model:9: D ends in sigmoid but loss is bce-logits (use loss = bce)");
	char sh[32];
	Shape3 s = { 3, 1, 28, 28 };
	CHECK_STR(shape_str(&s, sh, sizeof sh), "1x28x28");
	CHECK(shape_numel(&s) == 784);
}

static void run(void)
{
	presets();
	bad_models();
	classifiers();
	misc();
}

CHECK_MAIN("test_model")
