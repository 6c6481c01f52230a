/* st_write.c - writes safetensors checkpoints: tensors and metadata
 * collected in a StWriter, checked against the format's rules, then the
 * header and data written in one pass (through outfile.c for atomic files).
 *
 * Messages (e->msg; each starts with "<name>: ", EXIT_BAD unless noted):
 *   tensor name is empty | tensor name of N bytes is longer than 1024
 *   tensor 'T': name is reserved | name repeated | unknown dtype N
 *   tensor 'T': rank N out of range (0 to 8) | no data for N bytes
 *   tensor 'T': negative dimension in shape [2, -1] | shape [..] overflows
 *   tensor 'T': name is not valid UTF-8 or out of memory
 *   __metadata__: key 'K' repeated | key or value of 'K' is not valid UTF-8
 *   header of N bytes exceeds 104857600
 *   data of more than N bytes exceeds the 16 GiB limit
 *   out of memory                                            (EXIT_SYS)
 *   write error: <strerror>                       (EXIT_SYS or EXIT_PIPE)
 */
#include "st_write.h"

#include <stdarg.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "safetensors.h"
#include "st_util.h"

void stw_init(StWriter *w)
{
	memset(w, 0, sizeof *w);
}

/* Room for one more tensor in w; 0 or -1. */
static int grow_tensors(StWriter *w)
{
	if (w->n < w->cap)
		return 0;
	int nc = w->cap ? w->cap * 2 : 16;
	char **nn = realloc(w->names, (size_t)nc * sizeof *nn);
	if (!nn)
		return -1;
	w->names = nn;
	Tensor *nt = realloc(w->ts, (size_t)nc * sizeof *nt);
	if (!nt)
		return -1;
	w->ts = nt;
	w->cap = nc;
	return 0;
}

/* Room for one more metadata pair in w; 0 or -1. */
static int grow_meta(StWriter *w)
{
	if (w->nmeta < w->metacap)
		return 0;
	int nc = w->metacap ? w->metacap * 2 : 16;
	char **nk = realloc(w->meta_keys, (size_t)nc * sizeof *nk);
	if (!nk)
		return -1;
	w->meta_keys = nk;
	char **nv = realloc(w->meta_vals, (size_t)nc * sizeof *nv);
	if (!nv)
		return -1;
	w->meta_vals = nv;
	w->metacap = nc;
	return 0;
}

void stw_add(StWriter *w, const char *name, DType dt, int ndim,
	     const int64_t *shape, const void *data)
{
	if (w->oom || grow_tensors(w) < 0) {
		w->oom = 1;
		return;
	}
	Tensor t = {.dtype = dt, .ndim = ndim, .data = (void *)data, .borrowed = 1};
	if (ndim > 0 && !shape)
		t.ndim = -1;
	for (int i = 0; shape && i < ndim && i < TENSOR_MAXDIM; i++)
		t.shape[i] = shape[i];
	char *nm = strdup(name ? name : "");
	if (!nm) {
		w->oom = 1;
		return;
	}
	w->names[w->n] = nm;
	w->ts[w->n++] = t;
}

void stw_meta(StWriter *w, const char *key, const char *val)
{
	if (w->oom || grow_meta(w) < 0) {
		w->oom = 1;
		return;
	}
	char *k = strdup(key ? key : ""), *v = strdup(val ? val : "");
	if (!k || !v) {
		free(k);
		free(v);
		w->oom = 1;
		return;
	}
	w->meta_keys[w->nmeta] = k;
	w->meta_vals[w->nmeta++] = v;
}

/* Checks tensor i of w and returns its byte size in *nb; 0 or -1. */
static int stw_check(const StWriter *w, int i, json_t *root, int64_t *nb,
		     const char *name, Err *e)
{
	const char *tn = w->names[i];
	const Tensor *t = &w->ts[i];
	char sb[160];
	size_t len = strlen(tn);
	if (len == 0)
		return err_set(e, EXIT_BAD, "%s: tensor name is empty", name);
	if (len > ST_MAX_NAME)
		return err_set(e, EXIT_BAD, "%s: tensor name of %zu bytes is longer than %d",
			       name, len, ST_MAX_NAME);
	if (strcmp(tn, "__metadata__") == 0)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': name is reserved", name, tn);
	if (json_object_get(root, tn))
		return err_set(e, EXIT_BAD, "%s: tensor '%s': name repeated", name, tn);
	if ((int)t->dtype < 0 || t->dtype >= DT_COUNT)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': unknown dtype %d", name, tn,
			       (int)t->dtype);
	if (t->ndim < 0 || t->ndim > TENSOR_MAXDIM)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': rank %d out of range (0 to %d)",
			       name, tn, t->ndim, TENSOR_MAXDIM);
	fmt_shape(sb, sizeof sb, t->ndim, t->shape);
	for (int d = 0; d < t->ndim; d++)
		if (t->shape[d] < 0)
			return err_set(e, EXIT_BAD, "%s: tensor '%s': negative dimension in "
				       "shape %s", name, tn, sb);
	int64_t numel = tensor_numel(t);
	size_t ds = dtype_size(t->dtype);
	if (numel < 0 || (ds && (uint64_t)numel > INT64_MAX / ds))
		return err_set(e, EXIT_BAD, "%s: tensor '%s': shape %s overflows", name, tn, sb);
	*nb = numel * (int64_t)ds;
	if (*nb > 0 && !t->data)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': no data for %" PRId64 " bytes",
			       name, tn, *nb);
	return 0;
}

/* The __metadata__ object of w, or NULL with e. */
static json_t *stw_meta_json(const StWriter *w, const char *name, Err *e)
{
	json_t *m = json_object();
	if (!m) {
		err_set(e, EXIT_SYS, "%s: out of memory", name);
		return NULL;
	}
	for (int i = 0; i < w->nmeta; i++) {
		const char *k = w->meta_keys[i];
		if (json_object_get(m, k)) {
			err_set(e, EXIT_BAD, "%s: __metadata__: key '%s' repeated", name, k);
			json_decref(m);
			return NULL;
		}
		if (json_object_set_new(m, k, json_string(w->meta_vals[i])) < 0) {
			err_set(e, EXIT_BAD, "%s: __metadata__: key or value of '%s' is not "
				"valid UTF-8", name, k);
			json_decref(m);
			return NULL;
		}
	}
	return m;
}

/* The shape of t as a JSON array, or NULL when out of memory. */
static json_t *shape_json(const Tensor *t)
{
	json_t *a = json_array();
	for (int d = 0; a && d < t->ndim; d++) {
		if (json_array_append_new(a, json_integer(t->shape[d])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Builds the header object: metadata first, then the tensors in order. */
static json_t *stw_header(const StWriter *w, const char *name, Err *e)
{
	json_t *root = json_object();
	if (!root) {
		err_set(e, EXIT_SYS, "%s: out of memory", name);
		return NULL;
	}
	if (w->nmeta > 0) {
		json_t *m = stw_meta_json(w, name, e);
		if (!m || json_object_set_new(root, "__metadata__", m) < 0)
			goto fail;
	}
	int64_t at = 0;
	for (int i = 0; i < w->n; i++) {
		const Tensor *t = &w->ts[i];
		int64_t nb = 0;
		if (stw_check(w, i, root, &nb, name, e) < 0)
			goto fail;
		if ((uint64_t)nb > ST_MAX_DATA - (uint64_t)at) {
			err_set(e, EXIT_BAD, "%s: data of more than %" PRIu64 " bytes exceeds "
				"the 16 GiB limit", name, ST_MAX_DATA);
			goto fail;
		}
		json_t *shape = shape_json(t);
		json_t *ent = shape ? json_pack("{s:s, s:o, s:[I, I]}", "dtype",
				dtype_st(t->dtype), "shape", shape, "data_offsets",
				(json_int_t)at, (json_int_t)(at + nb)) : NULL;
		if (!ent || json_object_set_new(root, w->names[i], ent) < 0) {
			err_set(e, EXIT_BAD, "%s: tensor '%s': name is not valid UTF-8 or out "
				"of memory", name, w->names[i]);
			goto fail;
		}
		at += nb;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

/* Serialises the header, padded with spaces to a multiple of 8 bytes. */
static char *stw_header_text(const StWriter *w, size_t *len, const char *name, Err *e)
{
	json_t *root = stw_header(w, name, e);
	if (!root)
		return NULL;
	char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!s) {
		err_set(e, EXIT_SYS, "%s: out of memory", name);
		return NULL;
	}
	size_t n = strlen(s), pad = (size_t)round_up(n, 8);
	if (pad > ST_MAX_HEADER) {
		err_set(e, EXIT_BAD, "%s: header of %zu bytes exceeds %u", name, pad,
			ST_MAX_HEADER);
		free(s);
		return NULL;
	}
	char *p = realloc(s, pad + 1);
	if (!p) {
		free(s);
		err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name, pad + 1);
		return NULL;
	}
	memset(p + n, ' ', pad - n);
	p[pad] = '\0';
	*len = pad;
	return p;
}

int stw_write(StWriter *w, FILE *f, const char *name, Err *e)
{
	size_t hl;
	unsigned char lenb[8];
	if (w->oom)
		return err_set(e, EXIT_SYS, "%s: out of memory", name);
	char *hdr = stw_header_text(w, &hl, name, e);
	if (!hdr)
		return -1;
	wr_u64le(lenb, hl);
	int ok = fwrite(lenb, 1, 8, f) == 8 && fwrite(hdr, 1, hl, f) == hl;
	free(hdr);
	for (int i = 0; ok && i < w->n; i++) {
		size_t nb = (size_t)tensor_numel(&w->ts[i]) * dtype_size(w->ts[i].dtype);
		if (nb > 0)
			ok = fwrite(w->ts[i].data, 1, nb, f) == nb;
	}
	if (!ok || fflush(f) != 0)
		return err_sys(e, "%s: write error", name);
	return 0;
}

void stw_free(StWriter *w)
{
	for (int i = 0; i < w->n; i++)
		free(w->names[i]);
	for (int i = 0; i < w->nmeta; i++) {
		free(w->meta_keys[i]);
		free(w->meta_vals[i]);
	}
	free(w->names);
	free(w->ts);
	free(w->meta_keys);
	free(w->meta_vals);
	memset(w, 0, sizeof *w);
}
