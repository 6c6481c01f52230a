/* model.c - the model-file parser: INI sections with key = value pairs and
 * one layer per line in [G] and [D] (or [C] for a classifier), then a shape
 * check through the networks. Every error names "FILE:LINE". Format:
 * gantools-model(5). */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DIM 65536
#define MAX_NUMEL ((int64_t)1 << 28)
#define MAX_WORDS 16

enum { SEC_NONE, SEC_MODEL, SEC_OPT, SEC_TRAIN, SEC_G, SEC_D, SEC_C };

/* Parser state: the current file name and line for messages. */
typedef struct {
	const char *file;
	int line;
	int sec;
	Err *e;
	char seen[32][24];        /* keys already set, to reject duplicates */
	int nseen;
} Parse;

static int perr(Parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(Parse *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->line > 0)
		err_set(p->e, EXIT_BAD, "%s:%d: %s", p->file, p->line, msg);
	else
		err_set(p->e, EXIT_BAD, "%s: %s", p->file, msg);
	err_sanitize(p->e);   /* words quoted from the file may hold control bytes */
	return -1;
}

int64_t shape_numel(const Shape3 *s)
{
	return (int64_t)s->c * s->h * s->w;
}

const char *shape_str(const Shape3 *s, char *buf, int n)
{
	if (s->ndim == 1)
		snprintf(buf, (size_t)n, "%d", s->c);
	else
		snprintf(buf, (size_t)n, "%dx%dx%d", s->c, s->h, s->w);
	return buf;
}

/* Strict integer in [lo, hi]. */
static int parse_int(Parse *p, const char *s, const char *what, long lo, long hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return perr(p, "bad number '%s' for %s (expected an integer in %ld..%ld)",
			    s, what, lo, hi);
	*out = (int)v;
	return 0;
}

/* Strict finite float in [lo, hi]. */
static int parse_double(Parse *p, const char *s, const char *what, double lo, double hi,
			double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi)
		return perr(p, "bad number '%s' for %s (expected a number in %g..%g)",
			    s, what, lo, hi);
	*out = v;
	return 0;
}

static int parse_float(Parse *p, const char *s, const char *what, double lo, double hi,
		       float *out)
{
	double v;
	if (parse_double(p, s, what, lo, hi, &v))
		return -1;
	*out = (float)v;
	return 0;
}

/* "2", "1x28x28": one or three positive dimensions. */
static int parse_shape(Parse *p, char **w, int nw, const char *what, Shape3 *s)
{
	if (nw != 1)
		return perr(p, "%s: expected one shape like 2 or 1x28x28", what);
	int d[3] = { 1, 1, 1 }, nd = 0;
	char buf[64];
	snprintf(buf, sizeof buf, "%s", w[0]);
	for (char *tok = strtok(buf, "x"); tok; tok = strtok(NULL, "x")) {
		if (nd == 3)
			return perr(p, "%s: '%s' has more than 3 dimensions", what, w[0]);
		if (parse_int(p, tok, what, 1, MAX_DIM, &d[nd++]))
			return -1;
	}
	if (nd != 1 && nd != 3)
		return perr(p, "%s: '%s' must have 1 or 3 dimensions (C or CxHxW)", what, w[0]);
	*s = (Shape3){ nd, d[0], d[1], d[2] };
	if (shape_numel(s) > MAX_NUMEL)
		return perr(p, "%s: '%s' is too large", what, w[0]);
	return 0;
}

/* Splits a line into whitespace-separated words in place. */
static int split(char *s, char **w)
{
	int n = 0;
	while (*s) {
		while (isspace((unsigned char)*s))
			*s++ = 0;
		if (!*s)
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	return n;
}

static int want_words(Parse *p, const char *key, int nw, int lo, int hi)
{
	if (nw < lo || nw > hi)
		return perr(p, "%s: expected %d%s value%s, got %d", key, lo,
			    hi > lo ? " or more" : "", hi > 1 ? "s" : "", nw);
	return 0;
}

/* Looks a word up in a list; index or -1. */
static int word_index(const char *w, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return i;
	return -1;
}

/* noise = normal | linspace RANGE SCALE */
static int key_noise(Parse *p, Model *m, char **w, int nw)
{
	if (nw == 1 && strcmp(w[0], "normal") == 0) {
		m->noise = NOISE_NORMAL;
		return 0;
	}
	if (nw == 3 && strcmp(w[0], "linspace") == 0) {
		m->noise = NOISE_LINSPACE;
		if (parse_float(p, w[1], "noise range", 0, 1e6, &m->noise_range) ||
		    parse_float(p, w[2], "noise scale", 0, 1e6, &m->noise_scale))
			return -1;
		return 0;
	}
	return perr(p, "noise: expected 'normal' or 'linspace RANGE SCALE'");
}

/* init = normal STD | pytorch | ganintro [STD] */
static int key_init(Parse *p, Model *m, char **w, int nw)
{
	if (nw == 2 && strcmp(w[0], "normal") == 0) {
		m->init = INIT_NORMAL;
		return parse_float(p, w[1], "init std", 0, 100, &m->init_std);
	}
	if (nw == 1 && strcmp(w[0], "pytorch") == 0) {
		m->init = INIT_PYTORCH;
		return 0;
	}
	if ((nw == 1 || nw == 2) && strcmp(w[0], "ganintro") == 0) {
		m->init = INIT_GANINTRO;
		m->init_std = 1;
		return nw == 2 ? parse_float(p, w[1], "init std", 0, 100, &m->init_std) : 0;
	}
	return perr(p, "init: expected 'normal STD', 'pytorch' or 'ganintro [STD]'");
}

/* loss = bce-logits|bce sum|mean */
static int key_loss(Parse *p, Model *m, char **w, int nw)
{
	static const char *const kinds[] = { "bce-logits", "bce" };
	static const char *const reds[] = { "sum", "mean" };
	int k = nw == 2 ? word_index(w[0], kinds, 2) : -1;
	int r = nw == 2 ? word_index(w[1], reds, 2) : -1;
	if (k < 0 || r < 0)
		return perr(p, "loss: expected 'bce-logits' or 'bce', then 'sum' or 'mean'");
	m->loss = k == 0 ? LOSS_BCE_LOGITS : LOSS_BCE;
	m->loss_mean = r;
	return 0;
}

/* One-word choices: d_loss, g_step, type. -2 if key is none of them. */
static int key_choice(Parse *p, Model *m, const char *key, char **w, int nw)
{
	static const char *const dl[] = { "sum", "half" };
	static const char *const gs[] = { "recompute", "reuse", "fresh" };
	static const char *const ty[] = { "adam", "sgd" };
	const char *const *list;
	int n, *dst;
	int tmp;
	if (p->sec == SEC_MODEL && strcmp(key, "d_loss") == 0)
		list = dl, n = 2, dst = &m->d_loss_half;
	else if (p->sec == SEC_MODEL && strcmp(key, "g_step") == 0)
		list = gs, n = 3, dst = &tmp;
	else if (p->sec == SEC_OPT && strcmp(key, "type") == 0)
		list = ty, n = 2, dst = &tmp;
	else
		return -2;
	int i = nw == 1 ? word_index(w[0], list, n) : -1;
	if (i < 0) {
		char alts[64] = "";
		for (int j = 0; j < n; j++)
			snprintf(alts + strlen(alts), sizeof alts - strlen(alts), "%s%s",
				 j ? (j == n - 1 ? " or " : ", ") : "", list[j]);
		return perr(p, "%s: expected %s", key, alts);
	}
	*dst = i;
	if (strcmp(key, "g_step") == 0)
		m->g_step = (GStepKind)i;
	else if (strcmp(key, "type") == 0)
		m->opt = (OptKind)i;
	return 0;
}

/* [model] keys other than the one-word choices. */
static int key_model(Parse *p, Model *m, const char *key, char **w, int nw)
{
	if (strcmp(key, "data") == 0)
		return parse_shape(p, w, nw, "data", &m->data);
	if (strcmp(key, "latent") == 0)
		return parse_shape(p, w, nw, "latent", &m->latent);
	if (strcmp(key, "noise") == 0)
		return key_noise(p, m, w, nw);
	if (strcmp(key, "init") == 0)
		return key_init(p, m, w, nw);
	if (strcmp(key, "loss") == 0)
		return key_loss(p, m, w, nw);
	if (strcmp(key, "classes") == 0)
		return want_words(p, key, nw, 1, 1) ||
		       parse_int(p, w[0], key, 2, 65536, &m->classes);
	if (strcmp(key, "features") == 0)
		return want_words(p, key, nw, 1, 1) ||
		       parse_int(p, w[0], key, 0, MODEL_MAX_LAYERS - 1, &m->features);
	return perr(p, "unknown key '%s' in [model]", key);
}

/* [optimizer] keys other than type. */
static int key_opt(Parse *p, Model *m, const char *key, char **w, int nw)
{
	static const char *const names[] = { "lr_d", "lr_g", "beta1", "beta2", "eps" };
	double *dst[] = { &m->lr_d, &m->lr_g, &m->beta1, &m->beta2, &m->eps };
	static const double lo[] = { 0, 0, 0, 0, 0 }, hi[] = { 10, 10, 0.999999, 0.999999, 1 };
	int i = word_index(key, names, 5);
	if (i >= 0)
		return want_words(p, key, nw, 1, 1) ||
		       parse_double(p, w[0], key, lo[i], hi[i], dst[i]);
	if (strcmp(key, "lr") == 0)
		return want_words(p, key, nw, 1, 1) || parse_double(p, w[0], key, 0, 10, &m->lr);
	if (strcmp(key, "decay") == 0) {
		if (nw != 3 || strcmp(w[1], "every") != 0)
			return perr(p, "decay: expected 'RATE every STEPS' (e.g. 0.95 every 150)");
		return parse_float(p, w[0], "decay rate", 1e-6, 1, &m->decay) ||
		       parse_int(p, w[2], "decay steps", 1, INT_MAX, &m->decay_every);
	}
	return perr(p, "unknown key '%s' in [optimizer]", key);
}

/* [train] keys. */
static int key_train(Parse *p, Model *m, const char *key, char **w, int nw)
{
	static const char *const names[] = { "batch", "epochs", "fixed_samples", "d_pretrain" };
	int *dst[] = { &m->batch, &m->epochs, &m->fixed_samples, &m->d_pretrain };
	static const long lo[] = { 1, 0, 1, 0 }, hi[] = { 65536, 1000000, 4096, 10000000 };
	int i = word_index(key, names, 4);
	if (i >= 0)
		return want_words(p, key, nw, 1, 1) ||
		       parse_int(p, w[0], key, lo[i], hi[i], dst[i]);
	if (strcmp(key, "d_pretrain_pdf") == 0)
		return want_words(p, key, nw, 2, 2) ||
		       parse_float(p, w[0], "d_pretrain_pdf mean", -1e6, 1e6, &m->pre_mean) ||
		       parse_float(p, w[1], "d_pretrain_pdf std", 1e-6, 1e6, &m->pre_std);
	if (strcmp(key, "ema") == 0) {
		if (want_words(p, key, nw, 1, 1) || parse_float(p, w[0], "ema", 0, 1, &m->ema))
			return -1;
		return m->ema < 1 ? 0 : perr(p, "ema: the decay must be below 1 (e.g. 0.999)");
	}
	if (strcmp(key, "ema_start") == 0)
		return want_words(p, key, nw, 1, 1) ||
		       parse_int(p, w[0], key, 0, INT_MAX, &m->ema_start);
	if (strcmp(key, "ema_rampup") == 0) {
		if (want_words(p, key, nw, 1, 1) ||
		    parse_float(p, w[0], "ema_rampup", 0, 1, &m->ema_rampup))
			return -1;
		return m->ema_rampup > 0 ? 0 : perr(p, "ema_rampup: the ratio must be above 0 "
						    "(e.g. 0.05)");
	}
	if (strcmp(key, "d_pretrain_range") == 0) {
		if (want_words(p, key, nw, 2, 2) ||
		    parse_float(p, w[0], "d_pretrain_range low", -1e6, 1e6, &m->pre_lo) ||
		    parse_float(p, w[1], "d_pretrain_range high", -1e6, 1e6, &m->pre_hi))
			return -1;
		if (m->pre_hi <= m->pre_lo)
			return perr(p, "d_pretrain_range: high must exceed low");
		return 0;
	}
	return perr(p, "unknown key '%s' in [train]", key);
}

/* "key = value words" in [model], [optimizer] or [train]. */
static int parse_key(Parse *p, Model *m, char *s)
{
	char *eq = strchr(s, '=');
	if (!eq)
		return perr(p, "expected 'key = value', got '%s'", s);
	*eq = 0;
	char *w[MAX_WORDS], *k[MAX_WORDS];
	int nk = split(s, k);
	int nw = split(eq + 1, w);
	if (nk != 1)
		return perr(p, "expected 'key = value'");
	if (nw < 0)
		return perr(p, "%s: too many values", k[0]);
	if (nw < 1)
		return perr(p, "%s: missing value", k[0]);
	char id[24];
	snprintf(id, sizeof id, "%d%.20s", p->sec, k[0]);
	for (int i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i], id) == 0)
			return perr(p, "key '%s' set twice", k[0]);
	if (p->nseen < 32)
		snprintf(p->seen[p->nseen++], sizeof p->seen[0], "%s", id);
	int rc = key_choice(p, m, k[0], w, nw);
	if (rc != -2)
		return rc;
	if (p->sec == SEC_MODEL)
		return key_model(p, m, k[0], w, nw);
	if (p->sec == SEC_OPT)
		return key_opt(p, m, k[0], w, nw);
	return key_train(p, m, k[0], w, nw);
}

/* "init=normal:S", "init=pytorch", "init=ganintro[:S]" on a layer. */
static int layer_init_opt(Parse *p, LayerSpec *l, const char *v)
{
	if (strcmp(v, "pytorch") == 0) {
		l->init = INIT_PYTORCH;
		return 0;
	}
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	if (n == 8 && strncmp(v, "ganintro", 8) == 0) {
		l->init = INIT_GANINTRO;
		l->init_std = 1;
		return colon ? parse_float(p, colon + 1, "init std", 0, 100, &l->init_std) : 0;
	}
	if (n == 6 && strncmp(v, "normal", 6) == 0 && colon) {
		l->init = INIT_NORMAL;
		return parse_float(p, colon + 1, "init std", 0, 100, &l->init_std);
	}
	return perr(p, "bad init '%s' (expected normal:STD, pytorch or ganintro[:STD])", v);
}

/* key=value options after the positional numbers. */
static int layer_opts(Parse *p, LayerSpec *l, char **w, int nw, int conv)
{
	for (int i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq)
			return perr(p, "unexpected '%s' (options are key=value)", w[i]);
		*eq = 0;
		const char *k = w[i], *v = eq + 1;
		int rc;
		if (conv && strcmp(k, "k") == 0)
			rc = parse_int(p, v, "k", 1, 64, &l->k);
		else if (conv && strcmp(k, "s") == 0)
			rc = parse_int(p, v, "s", 1, 64, &l->s);
		else if (conv && strcmp(k, "p") == 0)
			rc = parse_int(p, v, "p", 0, 64, &l->p);
		else if (strcmp(k, "bias") == 0 && (conv || l->kind == LAYER_LINEAR)) {
			if (strcmp(v, "yes") && strcmp(v, "no"))
				return perr(p, "bias: expected yes or no, got '%s'", v);
			l->bias = strcmp(v, "yes") == 0;
			rc = 0;
		} else if (strcmp(k, "init") == 0)
			rc = layer_init_opt(p, l, v);
		else
			return perr(p, "unknown option '%s' for this layer", k);
		if (rc)
			return -1;
	}
	if (conv && l->k == 0)
		return perr(p, "missing kernel size k=");
	return 0;
}

typedef struct {
	const char *name;
	LayerKind kind;
	int nargs, opt_args;      /* positional numbers; how many may be left out */
	ActKind act;
} LayerDef;

static const LayerDef layer_defs[] = {
	{ "linear", LAYER_LINEAR, 2, 0, 0 },
	{ "conv2d", LAYER_CONV2D, 2, 0, 0 },
	{ "convt2d", LAYER_CONVT2D, 2, 0, 0 },
	{ "batchnorm1d", LAYER_BN1D, 1, 0, 0 },
	{ "batchnorm2d", LAYER_BN2D, 1, 0, 0 },
	{ "relu", LAYER_ACT, 0, 0, ACT_RELU },
	{ "leakyrelu", LAYER_ACT, 1, 1, ACT_LEAKY_RELU },
	{ "tanh", LAYER_ACT, 0, 0, ACT_TANH },
	{ "sigmoid", LAYER_ACT, 0, 0, ACT_SIGMOID },
	{ "softplus", LAYER_ACT, 0, 0, ACT_SOFTPLUS },
	{ "flatten", LAYER_FLATTEN, 0, 0, 0 },
	{ "unflatten", LAYER_UNFLATTEN, 3, 0, 0 },
	{ "mbdisc", LAYER_MBDISC, 3, 0, 0 },
};

/* One layer line of [G] or [D]. */
static int parse_layer(Parse *p, NetSpec *net, char *s)
{
	char *w[MAX_WORDS];
	int nw = split(s, w);
	if (nw < 0)
		return perr(p, "too many words on a layer line");
	const LayerDef *d = NULL;
	for (size_t i = 0; i < sizeof layer_defs / sizeof layer_defs[0]; i++)
		if (strcmp(w[0], layer_defs[i].name) == 0)
			d = &layer_defs[i];
	if (!d)
		return perr(p, "unknown layer '%s'", w[0]);
	if (net->n == MODEL_MAX_LAYERS)
		return perr(p, "more than %d layers", MODEL_MAX_LAYERS);
	LayerSpec *l = &net->l[net->n];
	*l = (LayerSpec){ .kind = d->kind, .line = p->line, .bias = 1, .s = 1,
			  .act = d->act, .alpha = 0.01f };
	int npos = 0;
	while (1 + npos < nw && !strchr(w[1 + npos], '='))
		npos++;
	if (npos > d->nargs || npos < d->nargs - d->opt_args)
		return perr(p, "%s takes %d number%s, got %d", d->name, d->nargs,
			    d->nargs == 1 ? "" : "s", npos);
	int *args[] = { &l->a, &l->b, &l->c };
	for (int i = 0; i < npos; i++) {
		if (d->act == ACT_LEAKY_RELU && d->kind == LAYER_ACT) {
			if (parse_float(p, w[1], "leakyrelu slope", 0, 1, &l->alpha))
				return -1;
		} else if (parse_int(p, w[1 + i], d->name, 1, MAX_DIM, args[i])) {
			return -1;
		}
	}
	int conv = d->kind == LAYER_CONV2D || d->kind == LAYER_CONVT2D;
	int has_init = conv || d->kind == LAYER_LINEAR || d->kind == LAYER_MBDISC ||
		       d->kind == LAYER_BN1D || d->kind == LAYER_BN2D;
	if (!has_init && nw > 1 + npos)
		return perr(p, "%s takes no options", d->name);
	if (layer_opts(p, l, w + 1 + npos, nw - 1 - npos, conv))
		return -1;
	net->n++;
	return 0;
}

/* The layer's output shape for input `in`, or -1 with a message. */
static int layer_shape(Parse *p, LayerSpec *l, Shape3 in)
{
	char got[48];
	shape_str(&in, got, sizeof got);
	Shape3 o = in;
	int flat = in.ndim == 1;
	switch (l->kind) {
	case LAYER_LINEAR:
		if (!flat || in.c != l->a)
			return perr(p, "linear expects %d input features, gets %s", l->a, got);
		o.c = l->b;
		break;
	case LAYER_CONV2D:
	case LAYER_CONVT2D:
		if (flat || in.c != l->a)
			return perr(p, "%s expects %d input channels (CxHxW), gets %s",
				    l->kind == LAYER_CONV2D ? "conv2d" : "convt2d", l->a, got);
		o.c = l->b;
		if (l->kind == LAYER_CONV2D) {
			o.h = (in.h + 2 * l->p - l->k) / l->s + 1;
			o.w = (in.w + 2 * l->p - l->k) / l->s + 1;
			if (in.h + 2 * l->p < l->k || in.w + 2 * l->p < l->k)
				o.h = 0;
		} else {
			o.h = (in.h - 1) * l->s - 2 * l->p + l->k;
			o.w = (in.w - 1) * l->s - 2 * l->p + l->k;
		}
		if (o.h < 1 || o.w < 1 || o.h > MAX_DIM || o.w > MAX_DIM)
			return perr(p, "convolution of %s gives an empty or huge output", got);
		break;
	case LAYER_BN1D:
	case LAYER_BN2D:
		if (flat != (l->kind == LAYER_BN1D) || in.c != l->a)
			return perr(p, "%s expects %d %s, gets %s",
				    l->kind == LAYER_BN1D ? "batchnorm1d" : "batchnorm2d", l->a,
				    l->kind == LAYER_BN1D ? "features" : "channels (CxHxW)", got);
		break;
	case LAYER_FLATTEN:
		o = (Shape3){ 1, (int)shape_numel(&in), 1, 1 };
		break;
	case LAYER_UNFLATTEN:
		if (!flat || (int64_t)in.c != (int64_t)l->a * l->b * l->c)
			return perr(p, "unflatten %d %d %d expects %lld features, gets %s", l->a,
				    l->b, l->c, (long long)l->a * l->b * l->c, got);
		o = (Shape3){ 3, l->a, l->b, l->c };
		break;
	case LAYER_MBDISC:
		if (!flat || in.c != l->a)
			return perr(p, "mbdisc expects %d input features, gets %s", l->a, got);
		o.c = l->a + l->b;
		break;
	case LAYER_ACT:
		break;
	}
	if (shape_numel(&o) > MAX_NUMEL)
		return perr(p, "layer output too large");
	l->in = in;
	l->out = o;
	return 0;
}

/* Parameter count of a layer, for a size bound. */
static int64_t layer_params(const LayerSpec *l)
{
	switch (l->kind) {
	case LAYER_LINEAR: return (int64_t)l->a * l->b;
	case LAYER_CONV2D:
	case LAYER_CONVT2D: return (int64_t)l->a * l->b * l->k * l->k;
	case LAYER_MBDISC: return (int64_t)l->a * l->b * l->c;
	default: return 0;
	}
}

/* Walks one network from `in`; its output must be `want` (or numel 1). */
static int check_net(Parse *p, Model *m, NetSpec *net, char which, Shape3 in)
{
	for (int i = 0; i < net->n; i++) {
		LayerSpec *l = &net->l[i];
		p->line = l->line;
		if (layer_shape(p, l, in))
			return -1;
		if (layer_params(l) > MAX_NUMEL)
			return perr(p, "layer has too many parameters");
		if (l->kind == LAYER_BN1D || l->kind == LAYER_BN2D)
			m->has_bn = 1;
		in = l->out;
	}
	char got[48], want[48];
	shape_str(&in, got, sizeof got);
	if (which == 'G' && (in.ndim != m->data.ndim || in.c != m->data.c ||
			     in.h != m->data.h || in.w != m->data.w))
		return perr(p, "G's output is %s, the data shape is %s", got,
			    shape_str(&m->data, want, sizeof want));
	if (which == 'D' && shape_numel(&in) != 1)
		return perr(p, "D's output is %s, expected 1 value per example", got);
	if (which == 'C' && shape_numel(&in) != m->classes)
		return perr(p, "C's output is %s, expected %d values (classes)", got, m->classes);
	return 0;
}

/* A classifier model: data and classes set, C from the data to the class
 * logits, the feature layer before the last (default: the last one's input). */
static int check_classifier(Parse *p, Model *m)
{
	if (m->data.ndim == 0)
		return perr(p, "[model] needs 'data = SHAPE'");
	if (m->classes == 0)
		return perr(p, "[model] needs 'classes = K' in a classifier model");
	if (m->C.n < 2)
		return perr(p, "[C] needs at least 2 layers (features, then the class logits)");
	if (m->features < 0)
		m->features = m->C.n - 2;
	if (m->lr < 0)
		m->lr = 1e-3;
	if (m->features > m->C.n - 2)
		return perr(p, "features = %d: expected a layer of [C] before the last (0..%d)",
			    m->features, m->C.n - 2);
	if (check_net(p, m, &m->C, 'C', m->data))
		return -1;
	p->line = 0;
	if (m->has_bn && m->batch < 2)
		return perr(p, "batch must be at least 2 with batch norm");
	return 0;
}

/* Whole-model checks after parsing. */
static int check_model(Parse *p, Model *m)
{
	if (m->C.n)
		return check_classifier(p, m);
	if (m->classes || m->features >= 0 || m->lr >= 0)
		return perr(p, "%s is a setting of classifier models ([C]); a GAN sets lr_d and lr_g",
			    m->classes ? "classes" : m->features >= 0 ? "features" : "lr");
	if (m->data.ndim == 0)
		return perr(p, "[model] needs 'data = SHAPE'");
	if (m->latent.ndim == 0)
		return perr(p, "[model] needs 'latent = SHAPE'");
	if (m->noise == NOISE_LINSPACE && shape_numel(&m->latent) != 1)
		return perr(p, "noise linspace needs latent = 1");
	if (m->d_pretrain > 0 && shape_numel(&m->data) != 1)
		return perr(p, "d_pretrain needs data = 1");
	if ((m->ema_start > 0 || m->ema_rampup > 0) && m->ema == 0)
		return perr(p, "%s needs 'ema = DECAY'", m->ema_start > 0 ? "ema_start" : "ema_rampup");
	if (m->loss == LOSS_BCE_LOGITS && m->D.n &&
	    m->D.l[m->D.n - 1].kind == LAYER_ACT && m->D.l[m->D.n - 1].act == ACT_SIGMOID) {
		p->line = m->D.l[m->D.n - 1].line;
		return perr(p, "D ends in sigmoid but loss is bce-logits (use loss = bce)");
	}
	if (check_net(p, m, &m->G, 'G', m->latent) || check_net(p, m, &m->D, 'D', m->data))
		return -1;
	p->line = 0;
	if (m->has_bn && m->batch < 2)
		return perr(p, "batch must be at least 2 with batch norm");
	return 0;
}

/* Sets defaults for every optional key (gantools-model(5)). */
static void model_defaults(Model *m)
{
	memset(m, 0, sizeof *m);
	m->noise = NOISE_NORMAL;
	m->noise_range = 8;
	m->noise_scale = 0.01f;
	m->init = INIT_PYTORCH;
	m->init_std = 0.02f;
	m->loss = LOSS_BCE;
	m->loss_mean = 1;
	m->g_step = GSTEP_RECOMPUTE;
	m->opt = OPT_ADAM;
	m->lr_d = m->lr_g = 2e-4;
	m->beta1 = 0.9;
	m->beta2 = 0.999;
	m->eps = 1e-8;
	m->decay = 1;
	m->batch = 64;
	m->epochs = 1;
	m->fixed_samples = 64;
	m->pre_mean = 0;
	m->pre_std = 1;
	m->pre_lo = -5;
	m->pre_hi = 5;
	m->features = -1;
	m->lr = -1;               /* unset: 1e-3 for a classifier, refused in a GAN */
}

/* Handles "[section]". */
static int parse_section(Parse *p, Model *m, char *s, int *have)
{
	static const char *names[] = { "model", "optimizer", "train", "G", "D", "C" };
	char *close = strchr(s, ']');
	if (!close || close[1])
		return perr(p, "bad section header '%s' (expected [name])", s);
	*close = 0;
	for (int i = 0; i < 6; i++) {
		if (strcmp(s + 1, names[i]) == 0) {
			if (have[i])
				return perr(p, "section [%s] appears twice", names[i]);
			have[i] = 1;
			p->sec = SEC_MODEL + i;
			return 0;
		}
	}
	return perr(p, "unknown section [%s] (expected model, optimizer, train, G and D, or C)",
		    s + 1);
}

/* One logical line (comment already stripped, trimmed, non-empty). */
static int parse_line(Parse *p, Model *m, char *s, int *have)
{
	if (s[0] == '[')
		return parse_section(p, m, s, have);
	if (p->sec == SEC_NONE)
		return perr(p, "'%s' outside any section", s);
	if (p->sec == SEC_G || p->sec == SEC_D || p->sec == SEC_C)
		return parse_layer(p, p->sec == SEC_G ? &m->G : p->sec == SEC_D ? &m->D : &m->C, s);
	return parse_key(p, m, s);
}

/* Copies the text, then walks it line by line. */
static int parse_text(Parse *p, Model *m, const char *text)
{
	int have[6] = { 0 };
	const char *s = text;
	for (p->line = 1; *s; p->line++) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char buf[512];
		if (len >= sizeof buf)
			return perr(p, "line longer than %zu bytes", sizeof buf - 1);
		memcpy(buf, s, len);
		buf[len] = 0;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		char *b = buf, *end = buf + strlen(buf);
		while (isspace((unsigned char)*b))
			b++;
		while (end > b && isspace((unsigned char)end[-1]))
			*--end = 0;
		if (*b && parse_line(p, m, b, have))
			return -1;
		s += len + (nl ? 1 : 0);
	}
	p->line = 0;
	if (!have[0])
		return perr(p, "no [model] section");
	if (have[5] && (have[3] || have[4]))
		return perr(p, "a classifier model ([C]) has no [G] or [D]");
	if (have[5])
		return m->C.n ? 0 : perr(p, "no layers in [C]");
	if (!have[3] || m->G.n == 0)
		return perr(p, "no layers in [G]");
	if (!have[4] || m->D.n == 0)
		return perr(p, "no layers in [D]");
	return 0;
}

/* m->name: the base name without ".model". */
static void set_name(Model *m, const char *name)
{
	const char *b = strrchr(name, '/');
	b = b ? b + 1 : name;
	snprintf(m->name, sizeof m->name, "%s", b);
	size_t n = strlen(m->name);
	if (n > 6 && strcmp(m->name + n - 6, ".model") == 0)
		m->name[n - 6] = 0;
}

int model_load(Model *m, const char *text, const char *name_for_messages, Err *e)
{
	Parse p = { .file = name_for_messages, .e = e };
	model_defaults(m);
	set_name(m, name_for_messages);
	size_t len = strlen(text);
	if (len > MODEL_MAX_TEXT)
		return perr(&p, "model text longer than %d bytes", MODEL_MAX_TEXT);
	memcpy(m->text, text, len + 1);
	if (parse_text(&p, m, text))
		return -1;
	if (check_model(&p, m))
		return -1;
	return 0;
}

int model_load_file(Model *m, const char *path, Err *e)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	if (!f)
		return err_sys(e, "%s", path);
	static const size_t cap = MODEL_MAX_TEXT + 2;
	char *buf = malloc(cap);
	if (!buf) {
		if (!is_stdin)
			fclose(f);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	size_t n = fread(buf, 1, cap - 1, f);
	int bad = ferror(f);
	if (!is_stdin)
		fclose(f);
	buf[n] = 0;
	int rc;
	if (bad)
		rc = err_sys(e, "%s", name);
	else if (n > MODEL_MAX_TEXT)
		rc = err_set(e, EXIT_BAD, "%s: model text longer than %d bytes", name, MODEL_MAX_TEXT);
	else if (memchr(buf, 0, n))
		rc = err_set(e, EXIT_BAD, "%s: not a text file (NUL byte)", name);
	else
		rc = model_load(m, buf, name, e);
	free(buf);
	return rc;
}

/* Tries dir/NAME.model; 1 if found and loaded (or failed: rc set), 0 if absent. */
static int try_dir(Model *m, const char *dir, const char *preset, int *rc, Err *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.model", dir, preset);
	if (access(path, R_OK) != 0)
		return 0;
	*rc = model_load_file(m, path, e);
	if (*rc == 0)
		set_name(m, preset);
	return 1;
}

int model_load_preset(Model *m, const char *preset, Err *e)
{
	size_t n = strlen(preset);
	if (n == 0 || n > 48 || strspn(preset, "abcdefghijklmnopqrstuvwxyz"
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		return err_set(e, EXIT_BAD, "'%s': not a preset name", preset);
	int rc = 0;
	const char *env = getenv("GAN_MODELS");
	if (env && *env && try_dir(m, env, preset, &rc, e))
		return rc;
	char exe[4096];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 32);
	if (k > 0) {
		exe[k] = 0;
		char *slash = strrchr(exe, '/');
		/* The build tree (build/bin/../../models), then an installed tree
		 * moved as a whole (PREFIX/bin/../share/gantools/models). */
		static const char *const rel[] = { "/../../models", "/../share/gantools/models" };
		for (int i = 0; slash && i < 2; i++) {
			strcpy(slash, rel[i]);
			if (try_dir(m, exe, preset, &rc, e))
				return rc;
		}
	}
#ifdef GAN_DATADIR
	if (try_dir(m, GAN_DATADIR "/models", preset, &rc, e))
		return rc;
#endif
	return err_set(e, EXIT_BAD, "%s: no such model file or preset", preset);
}

int model_load_any(Model *m, const char *arg, Err *e)
{
	if (strchr(arg, '/') || strchr(arg, '.') || strcmp(arg, "-") == 0 ||
	    access(arg, F_OK) == 0)
		return model_load_file(m, arg, e);
	return model_load_preset(m, arg, e);
}
