/* clf_io.c - the feature classifier's file: safetensors with the C.*
 * tensors named as PyTorch's state_dict and the model text and training
 * facts in __metadata__; reading validates everything; finding the file of
 * a data set's classifier (classifier-NAME.st). */
#include "classifier.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "infile.h"
#include "outfile.h"
#include "safetensors.h"
#include "st_write.h"

#ifdef GAN_DATADIR
#define DATADIR_NAME GAN_DATADIR
#else
#define DATADIR_NAME "(no data folder)"
#endif

static void meta_i64(StWriter *w, const char *k, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	stw_meta(w, k, buf);
}

int clf_write(Classifier *c, FILE *f, const char *name, Err *e)
{
	StWriter w;
	char buf[64];
	const Net *n = &c->net;
	stw_init(&w);
	for (int i = 0; i < n->nt; i++) {
		const NetTensor *nt = &n->t[i];
		if (nt->is_nbt)
			stw_add(&w, nt->name, DT_I64, 0, nt->shape, &n->l[nt->layer].nbt);
		else
			stw_add(&w, nt->name, DT_F32, nt->ndim, nt->shape,
				(nt->is_buf ? n->bufs : n->params) + nt->off);
	}
	stw_meta(&w, "format", CLF_FORMAT);
	stw_meta(&w, "model", c->m.text);
	stw_meta(&w, "model_name", c->m.name);
	snprintf(buf, sizeof buf, "%" PRIu64, c->seed);
	stw_meta(&w, "seed", buf);
	meta_i64(&w, "step", c->step);
	meta_i64(&w, "epoch", c->epoch);
	meta_i64(&w, "classes", c->m.classes);
	meta_i64(&w, "features", c->m.features);
	meta_i64(&w, "feature_dim", c->feat_dim);
	stw_meta(&w, "data", c->data_name);
	if (c->test_acc >= 0)
		snprintf(buf, sizeof buf, "%.6f", c->test_acc);
	else
		snprintf(buf, sizeof buf, "none");
	stw_meta(&w, "test_accuracy", buf);
	int rc = stw_write(&w, f, name, e);
	stw_free(&w);
	return rc;
}

/* Copies tensor nt of st into dst after checking its dtype and shape. */
static int load_one(const SafeTensors *st, const char *file, const NetTensor *nt, void *dst,
		    Err *e)
{
	const Tensor *x = st_get(st, nt->name);
	DType want = nt->is_nbt ? DT_I64 : DT_F32;
	if (!x)
		return err_set(e, EXIT_BAD, "%s: tensor '%s' missing", file, nt->name);
	int same = x->dtype == want && x->ndim == nt->ndim;
	for (int i = 0; same && i < nt->ndim; i++)
		same = x->shape[i] == nt->shape[i];
	if (!same) {
		char got[96];
		return err_set(e, EXIT_BAD, "%s: tensor '%s' is %s, the model expects %s of %lld "
			       "values", file, nt->name, tensor_describe(x, got, sizeof got),
			       dtype_name(want), (long long)nt->numel);
	}
	memcpy(dst, x->data, (size_t)nt->numel * dtype_size(want));
	if (nt->is_nbt && *(int64_t *)dst < 0)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': negative", file, nt->name);
	return 0;
}

/* Metadata integer in [lo, hi]. */
static int meta_int(const SafeTensors *st, const char *file, const char *key, int64_t lo,
		    int64_t hi, int64_t *out, Err *e)
{
	const char *s = st_meta(st, key);
	char *end;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < lo || v > hi)
		return err_set(e, EXIT_BAD, "%s: metadata '%s' missing or not an integer in "
			       "%lld..%lld", file, key, (long long)lo, (long long)hi);
	*out = v;
	return 0;
}

/* The model, seed and the network from the metadata. */
static int build(Classifier *c, const SafeTensors *st, const char *file, int max_batch, Err *e)
{
	const char *fmt = st_meta(st, "format"), *text = st_meta(st, "model");
	const char *seed = st_meta(st, "seed"), *name = st_meta(st, "model_name");
	if (!fmt || strcmp(fmt, CLF_FORMAT) != 0)
		return err_set(e, EXIT_BAD, "%s: not a gantools classifier (metadata 'format' is "
			       "%s%s%s, expected '%s')", file, fmt ? "'" : "",
			       fmt ? fmt : "missing", fmt ? "'" : "", CLF_FORMAT);
	if (!text)
		return err_set(e, EXIT_BAD, "%s: metadata 'model' missing", file);
	char *end = NULL;
	errno = 0;
	uint64_t sv = seed ? strtoull(seed, &end, 10) : 0;
	if (!seed || seed[0] < '0' || seed[0] > '9' || *end || errno == ERANGE)
		return err_set(e, EXIT_BAD, "%s: metadata 'seed' missing or not a number", file);
	Model *m = malloc(sizeof *m);
	if (!m)
		return err_set(e, EXIT_SYS, "out of memory");
	char mname[300];
	snprintf(mname, sizeof mname, "%s: model", file);
	int rc = model_load(m, text, mname, e);
	if (rc == 0 && !m->classes)
		rc = err_set(e, EXIT_BAD, "%s: the model is a GAN, not a classifier", file);
	if (rc == 0 && name)
		snprintf(m->name, sizeof m->name, "%s", name);
	if (rc == 0)
		rc = clf_init(c, m, max_batch, sv, e);
	free(m);
	return rc;
}

/* Training facts from the metadata. */
static int load_state(Classifier *c, const SafeTensors *st, const char *file, Err *e)
{
	int64_t v[2];
	if (meta_int(st, file, "step", 0, INT64_MAX / 2, &v[0], e) ||
	    meta_int(st, file, "epoch", 0, INT64_MAX / 2, &v[1], e))
		return -1;
	c->step = v[0];
	c->epoch = v[1];
	const char *d = st_meta(st, "data"), *a = st_meta(st, "test_accuracy");
	snprintf(c->data_name, sizeof c->data_name, "%s", d ? d : "");
	char *end;
	c->test_acc = a ? strtod(a, &end) : -1;
	if (!a || *end || !(c->test_acc >= 0 && c->test_acc <= 1))
		c->test_acc = -1;
	return 0;
}

/* Every tensor the network expects, and nothing else. */
static int load_tensors(Classifier *c, const SafeTensors *st, const char *file, Err *e)
{
	Net *n = &c->net;
	for (int i = 0; i < n->nt; i++) {
		const NetTensor *nt = &n->t[i];
		void *dst = nt->is_nbt ? (void *)&n->l[nt->layer].nbt : net_tensor_data(n, nt);
		if (load_one(st, file, nt, dst, e))
			return -1;
	}
	for (int i = 0; i < st->n; i++)
		if (!net_tensor(n, st->ents[i].name))
			return err_set(e, EXIT_BAD, "%s: unexpected tensor '%s'", file,
				       st->ents[i].name);
	if (st->n != n->nt)
		return err_set(e, EXIT_BAD, "%s: tensor names repeat", file);
	return 0;
}

int clf_read(Classifier *c, FILE *f, const char *name, int max_batch, Err *e)
{
	SafeTensors st;
	memset(c, 0, sizeof *c);
	if (st_read(f, name, &st, e))
		return -1;
	int rc = build(c, &st, name, max_batch, e);
	if (rc == 0)
		rc = load_state(c, &st, name, e);
	if (rc == 0)
		rc = load_tensors(c, &st, name, e);
	st_free(&st);
	if (rc) {
		err_sanitize(e);
		clf_free(c);
	}
	return rc;
}

static int read_path(Classifier *c, const char *path, int max_batch, Err *e)
{
	FILE *f = infile_open(path, 1, e);
	if (!f)
		return -1;
	int rc = clf_read(c, f, infile_name(path), max_batch, e);
	infile_close(f);
	return rc;
}

/* dir/classifier-NAME.st into path if it exists; 1 if so. */
static int try_dir(const char *dir, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/classifier-%s.st", dir, name);
	return access(path, R_OK) == 0;
}

int clf_load(Classifier *c, const char *arg, int max_batch, Err *e)
{
	if (strchr(arg, '/') || strchr(arg, '.') || strcmp(arg, "-") == 0 ||
	    access(arg, F_OK) == 0)
		return read_path(c, arg, max_batch, e);
	size_t n = strlen(arg);
	if (n == 0 || n > 48 || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return err_set(e, EXIT_BAD, "'%s': not a classifier file or data set name", arg);
	char path[4200], exe[4096];
	const char *env = getenv("GANTOOLS_DATA");
	if (env && *env && try_dir(env, arg, path, sizeof path))
		return read_path(c, path, max_batch, e);
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 32);
	char *slash = k > 0 ? (exe[k] = 0, strrchr(exe, '/')) : NULL;
	if (slash) {
		strcpy(slash, "/../../data");
		if (try_dir(exe, arg, path, sizeof path))
			return read_path(c, path, max_batch, e);
	}
#ifdef GAN_DATADIR
	if (try_dir(GAN_DATADIR, arg, path, sizeof path))
		return read_path(c, path, max_batch, e);
#endif
	return err_set(e, EXIT_BAD, "no classifier-%s.st in $GANTOOLS_DATA, the build tree's "
		       "data/ or " DATADIR_NAME ": run scripts/classifier.sh %s, or name the "
		       "file with --features FILE", arg, arg);
}
