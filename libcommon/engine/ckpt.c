/* ckpt.c - checkpoint <-> Trainer over safetensors: G.* and D.* named as
 * PyTorch's state_dict, opt.<name>.m/.v Adam moments, noise.fixed, and the
 * training state in string __metadata__. Reading validates everything. */
#include "ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "safetensors.h"
#include "st_write.h"

/* Adds every parameter and buffer of n in state_dict order. */
static void add_net(StWriter *w, const Net *n)
{
	for (int i = 0; i < n->nt; i++) {
		const NetTensor *nt = &n->t[i];
		if (nt->is_nbt) {
			stw_add(w, nt->name, DT_I64, 0, nt->shape, &n->l[nt->layer].nbt);
			continue;
		}
		const float *p = (nt->is_buf ? n->bufs : n->params) + nt->off;
		stw_add(w, nt->name, DT_F32, nt->ndim, nt->shape, p);
	}
}

/* Adds the EMA of G as G_ema.0.weight ...: G's names under the prefix
 * G_ema, so that load_state_dict takes it in place of G after a prefix
 * strip. */
static void add_ema(StWriter *w, const Net *g, const Ema *a)
{
	for (int i = 0; i < g->nt; i++) {
		const NetTensor *nt = &g->t[i];
		char name[80];
		snprintf(name, sizeof name, "G_ema%s", nt->name + 1);
		if (nt->is_nbt)
			stw_add(w, name, DT_I64, 0, nt->shape, &a->nbt[nt->layer]);
		else
			stw_add(w, name, DT_F32, nt->ndim, nt->shape,
				(nt->is_buf ? a->bufs : a->params) + nt->off);
	}
}

/* Adds the Adam moments opt.<name>.m and .v of every parameter of n. */
static void add_moments(StWriter *w, const Net *n)
{
	for (int i = 0; i < n->nt; i++) {
		const NetTensor *nt = &n->t[i];
		if (nt->is_buf)
			continue;
		char name[80];
		snprintf(name, sizeof name, "opt.%s.m", nt->name);
		stw_add(w, name, DT_F32, nt->ndim, nt->shape, n->m + nt->off);
		snprintf(name, sizeof name, "opt.%s.v", nt->name);
		stw_add(w, name, DT_F32, nt->ndim, nt->shape, n->v + nt->off);
	}
}

static void meta_i64(StWriter *w, const char *k, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	stw_meta(w, k, buf);
}

/* Shape of noise.fixed: fixed_samples x latent shape. */
static int fixed_shape(const Model *m, int64_t *shape)
{
	shape[0] = m->fixed_samples;
	shape[1] = m->latent.c;
	shape[2] = m->latent.h;
	shape[3] = m->latent.w;
	return 1 + m->latent.ndim;
}

/* v as the shortest %g text that reads back as exactly v ("0.05", not
 * "0.050000000000000003"); returns buf. */
static const char *fmt_shortest(double v, char *buf, size_t n)
{
	for (int p = 1; p <= 17; p++) {
		snprintf(buf, n, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

int ckpt_write(const Trainer *t, FILE *f, const char *name, Err *e)
{
	StWriter w;
	char buf[64];
	int64_t shape[4];
	stw_init(&w);
	add_net(&w, &t->g);
	add_net(&w, &t->d);
	if (t->m.opt == OPT_ADAM) {
		add_moments(&w, &t->g);
		add_moments(&w, &t->d);
	}
	if (t->m.ema > 0)
		add_ema(&w, &t->g, &t->ema);
	stw_add(&w, "noise.fixed", DT_F32, fixed_shape(&t->m, shape), shape, t->fixed);
	stw_meta(&w, "format", CKPT_FORMAT);
	stw_meta(&w, "model", t->m.text);
	stw_meta(&w, "model_name", t->m.name);
	meta_i64(&w, "step", t->step);
	meta_i64(&w, "epoch", t->epoch);
	meta_i64(&w, "epoch_step", t->epoch_step);
	snprintf(buf, sizeof buf, "%" PRIu64, t->seed);
	stw_meta(&w, "seed", buf);
	rng_format(&t->noise, buf, sizeof buf);
	stw_meta(&w, "rng", buf);
	meta_i64(&w, "opt_t_G", t->opt_t_g);
	meta_i64(&w, "opt_t_D", t->opt_t_d);
	stw_meta(&w, "lr_d", fmt_shortest(t->lr_d, buf, sizeof buf));
	stw_meta(&w, "lr_g", fmt_shortest(t->lr_g, buf, sizeof buf));
	meta_i64(&w, "batch", t->batch);
	if (t->m.d_pretrain > 0)
		meta_i64(&w, "d_pretrained", t->d_pretrained);
	int rc = stw_write(&w, f, name, e);
	stw_free(&w);
	return rc;
}

/* "[5, 2]" into buf. */
static const char *shape_list(int ndim, const int64_t *shape, char *buf, size_t n)
{
	snprintf(buf, n, "[");
	for (int i = 0; i < ndim; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%lld", i ? ", " : "",
			 (long long)shape[i]);
	snprintf(buf + strlen(buf), n - strlen(buf), "]");
	return buf;
}

/* Tensor `tname` of st if it has dtype dt and the shape; else NULL with e. */
static const Tensor *check_tensor(const SafeTensors *st, const char *file, const char *tname,
				  DType dt, int ndim, const int64_t *shape, Err *e)
{
	const Tensor *x = st_get(st, tname);
	char got[128], want[128];
	if (!x) {
		err_set(e, EXIT_BAD, "%s: tensor '%s' missing", file, tname);
		return NULL;
	}
	int bad = x->dtype != dt;
	if (bad)
		err_set(e, EXIT_BAD, "%s: tensor '%s': dtype %s, model expects %s", file,
			tname, dtype_st(x->dtype), dtype_st(dt));
	int same = x->ndim == ndim;
	for (int i = 0; same && i < ndim; i++)
		same = x->shape[i] == shape[i];
	if (!bad && !same)
		err_set(e, EXIT_BAD, "%s: tensor '%s': shape %s, model expects %s", file,
			tname, shape_list(x->ndim, x->shape, got, sizeof got),
			shape_list(ndim, shape, want, sizeof want));
	return bad || !same ? NULL : x;
}

/* Copies tensor `tname` of st into dst after checking dtype, shape and
 * (for floats) finite values. */
static int load_tensor(const SafeTensors *st, const char *file, const char *tname, DType dt,
		       int ndim, const int64_t *shape, void *dst, Err *e)
{
	const Tensor *x = check_tensor(st, file, tname, dt, ndim, shape, e);
	if (!x)
		return -1;
	int64_t n = tensor_numel(x);
	if (dt == DT_F32) {
		const float *p = x->data;
		for (int64_t i = 0; i < n; i++)
			if (!isfinite(p[i]))
				return err_set(e, EXIT_BAD, "%s: tensor '%s': non-finite value",
					       file, tname);
	}
	memcpy(dst, x->data, (size_t)n * dtype_size(dt));
	return 0;
}

/* Loads every tensor of n (and its Adam moments); counts them in *cnt. */
static int load_net(const SafeTensors *st, const char *file, Net *n, int adam, int *cnt,
		    Err *e)
{
	for (int i = 0; i < n->nt; i++) {
		const NetTensor *nt = &n->t[i];
		char name[80];
		if (nt->is_nbt) {
			int64_t *v = &n->l[nt->layer].nbt;
			if (load_tensor(st, file, nt->name, DT_I64, 0, nt->shape, v, e))
				return -1;
			if (*v < 0)
				return err_set(e, EXIT_BAD, "%s: tensor '%s': negative", file,
					       nt->name);
			(*cnt)++;
			continue;
		}
		float *p = (nt->is_buf ? n->bufs : n->params) + nt->off;
		if (load_tensor(st, file, nt->name, DT_F32, nt->ndim, nt->shape, p, e))
			return -1;
		(*cnt)++;
		if (!adam || nt->is_buf)
			continue;
		snprintf(name, sizeof name, "opt.%s.m", nt->name);
		if (load_tensor(st, file, name, DT_F32, nt->ndim, nt->shape, n->m + nt->off, e))
			return -1;
		snprintf(name, sizeof name, "opt.%s.v", nt->name);
		if (load_tensor(st, file, name, DT_F32, nt->ndim, nt->shape, n->v + nt->off, e))
			return -1;
		*cnt += 2;
	}
	return 0;
}

/* Loads G_ema.<name> for every tensor of G into the EMA; counts them. */
static int load_ema(const SafeTensors *st, const char *file, const Net *g, Ema *a, int *cnt,
		    Err *e)
{
	for (int i = 0; i < g->nt; i++) {
		const NetTensor *nt = &g->t[i];
		char name[80];
		snprintf(name, sizeof name, "G_ema%s", nt->name + 1);
		if (nt->is_nbt) {
			if (load_tensor(st, file, name, DT_I64, 0, nt->shape, &a->nbt[nt->layer], e))
				return -1;
			if (a->nbt[nt->layer] < 0)
				return err_set(e, EXIT_BAD, "%s: tensor '%s': negative", file, name);
		} else if (load_tensor(st, file, name, DT_F32, nt->ndim, nt->shape,
				       (nt->is_buf ? a->bufs : a->params) + nt->off, e)) {
			return -1;
		}
		(*cnt)++;
	}
	return 0;
}

/* Metadata integer in [lo, hi]. */
static int meta_int(const SafeTensors *st, const char *file, const char *key, int64_t lo,
		    int64_t hi, int64_t *out, Err *e)
{
	const char *s = st_meta(st, key);
	if (!s)
		return err_set(e, EXIT_BAD, "%s: metadata '%s' missing", file, key);
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		return err_set(e, EXIT_BAD, "%s: metadata '%s': '%s' is not an integer in "
			       "%lld..%lld", file, key, s, (long long)lo, (long long)hi);
	*out = v;
	return 0;
}

static int meta_double(const SafeTensors *st, const char *file, const char *key, double *out,
		      Err *e)
{
	const char *s = st_meta(st, key);
	if (!s)
		return err_set(e, EXIT_BAD, "%s: metadata '%s' missing", file, key);
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0)
		return err_set(e, EXIT_BAD, "%s: metadata '%s': '%s' is not a learning rate",
			       file, key, s);
	*out = v;
	return 0;
}

/* Checks every tensor the model m names in st (dtype, shape, the Adam
 * moments), and the fixed noise, before anything that grows with the model
 * is allocated: a small file whose model text declares huge layers is
 * refused at once. */
static int check_layout(const Model *m, const SafeTensors *st, const char *file, Err *e)
{
	const NetSpec *spec[2] = { &m->G, &m->D };
	int adam = m->opt == OPT_ADAM, rc = 0;
	for (int k = 0; k < 2 && rc == 0; k++) {
		Net n;
		rc = net_layout(&n, spec[k], "GD"[k], 1, e);
		for (int i = 0; rc == 0 && i < n.nt; i++) {
			const NetTensor *nt = &n.t[i];
			char name[80];
			rc = check_tensor(st, file, nt->name, nt->is_nbt ? DT_I64 : DT_F32,
					  nt->is_nbt ? 0 : nt->ndim, nt->shape, e) ? 0 : -1;
			for (int j = 0; rc == 0 && adam && !nt->is_buf && j < 2; j++) {
				snprintf(name, sizeof name, "opt.%s.%c", nt->name, "mv"[j]);
				rc = check_tensor(st, file, name, DT_F32, nt->ndim, nt->shape,
						  e) ? 0 : -1;
			}
		}
		net_free(&n);
	}
	int64_t shape[4];
	int nd = fixed_shape(m, shape);
	if (rc == 0 && !check_tensor(st, file, "noise.fixed", DT_F32, nd, shape, e))
		rc = -1;
	return rc;
}

/* Parses the model text and the seed, checks the tensors against the model,
 * then builds the trainer. */
static int build(Trainer *t, const SafeTensors *st, const char *file, int max_batch, Err *e)
{
	const char *fmt = st_meta(st, "format"), *text = st_meta(st, "model");
	if (!fmt || strcmp(fmt, CKPT_FORMAT) != 0)
		return err_set(e, EXIT_BAD, "%s: not a gantools checkpoint (metadata 'format' "
			       "is %s%s%s, expected '%s')", file, fmt ? "'" : "",
			       fmt ? fmt : "missing", fmt ? "'" : "", CKPT_FORMAT);
	if (!text)
		return err_set(e, EXIT_BAD, "%s: metadata 'model' missing", file);
	Model *m = malloc(sizeof *m);
	if (!m)
		return err_set(e, EXIT_SYS, "out of memory");
	char mname[300];
	snprintf(mname, sizeof mname, "%s: model", file);
	int64_t batch;
	const char *seed = st_meta(st, "seed"), *name = st_meta(st, "model_name");
	char *end = NULL;
	errno = 0;
	uint64_t sv = seed ? strtoull(seed, &end, 10) : 0;
	int bad_seed = !seed || seed[0] < '0' || seed[0] > '9' || *end || errno == ERANGE;
	int rc = model_load(m, text, mname, e);
	if (rc == 0 && bad_seed)
		rc = err_set(e, EXIT_BAD, "%s: metadata 'seed' missing or not a number", file);
	if (rc == 0)
		rc = meta_int(st, file, "batch", 1, 65536, &batch, e);
	if (rc == 0 && name)
		snprintf(m->name, sizeof m->name, "%s", name);
	if (rc == 0)
		rc = check_layout(m, st, file, e);
	if (rc == 0)
		rc = trainer_init_with(t, m, max_batch > 0 ? max_batch : (int)batch, sv, 0, e);
	if (rc == 0)
		t->batch = (int)batch;
	free(m);
	return rc;
}

/* Step counters, learning rates, RNG state. */
static int load_state(Trainer *t, const SafeTensors *st, const char *file, Err *e)
{
	int64_t v[6];
	static const char *keys[] = { "step", "epoch", "epoch_step", "opt_t_G", "opt_t_D",
				      "d_pretrained" };
	/* d_pretrained: written only for models that pre-train D; a model that
	 * does not is pre-trained from the start, as trainer_init says. */
	v[5] = t->m.d_pretrain == 0;
	for (int i = 0; i < 6; i++)
		if ((i < 5 || t->m.d_pretrain > 0 || st_meta(st, keys[i])) &&
		    meta_int(st, file, keys[i], 0, i == 5 ? 1 : INT64_MAX / 2, &v[i], e))
			return -1;
	t->step = v[0], t->epoch = v[1], t->epoch_step = v[2];
	t->opt_t_g = v[3], t->opt_t_d = v[4], t->d_pretrained = (int)v[5];
	if (meta_double(st, file, "lr_d", &t->lr_d, e) || meta_double(st, file, "lr_g", &t->lr_g, e))
		return -1;
	const char *r = st_meta(st, "rng");
	if (!r || rng_parse(&t->noise, r) != 0)
		return err_set(e, EXIT_BAD, "%s: metadata 'rng' missing or not 'key:counter'",
			       file);
	return 0;
}

/* Loads all tensors and rejects any the model does not expect. */
static int load_tensors(Trainer *t, const SafeTensors *st, const char *file, Err *e)
{
	int cnt = 0, adam = t->m.opt == OPT_ADAM;
	int64_t shape[4];
	if (load_net(st, file, &t->g, adam, &cnt, e) || load_net(st, file, &t->d, adam, &cnt, e) ||
	    (t->m.ema > 0 && load_ema(st, file, &t->g, &t->ema, &cnt, e)))
		return -1;
	if (load_tensor(st, file, "noise.fixed", DT_F32, fixed_shape(&t->m, shape), shape,
			t->fixed, e))
		return -1;
	cnt++;
	if (cnt == st->n)
		return 0;
	for (int i = 0; i < st->n; i++) {
		const char *nm = st->ents[i].name;
		int known = strcmp(nm, "noise.fixed") == 0;
		char base[80];
		size_t len = strlen(nm);
		if (!known && (nm[0] == 'G' || nm[0] == 'D'))
			known = net_tensor(nm[0] == 'G' ? &t->g : &t->d, nm) != NULL;
		if (!known && t->m.ema > 0 && len < sizeof base + 4 && strncmp(nm, "G_ema.", 6) == 0) {
			snprintf(base, sizeof base, "G%s", nm + 5);
			known = net_tensor(&t->g, base) != NULL;
		}
		if (!known && adam && len > 6 && len < sizeof base + 4 && strncmp(nm, "opt.", 4) == 0 &&
		    (strcmp(nm + len - 2, ".m") == 0 || strcmp(nm + len - 2, ".v") == 0)) {
			snprintf(base, sizeof base, "%.*s", (int)(len - 6), nm + 4);
			const NetTensor *nt = base[0] == 'G' ? net_tensor(&t->g, base) :
					      base[0] == 'D' ? net_tensor(&t->d, base) : NULL;
			known = nt && !nt->is_buf;
		}
		if (!known)
			return err_set(e, EXIT_BAD, "%s: unexpected tensor '%s'", file, nm);
	}
	return err_set(e, EXIT_BAD, "%s: tensor names repeat", file);
}

int ckpt_read(Trainer *t, FILE *f, const char *name, int max_batch, Err *e)
{
	SafeTensors st;
	memset(t, 0, sizeof *t);
	if (st_read(f, name, &st, e))
		return -1;
	int rc = build(t, &st, name, max_batch, e);
	if (rc == 0)
		rc = load_state(t, &st, name, e);
	if (rc == 0)
		rc = load_tensors(t, &st, name, e);
	st_free(&st);
	if (rc)
		trainer_free(t);
	return rc;
}
