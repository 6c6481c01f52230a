/* safetensors.c - reads safetensors checkpoints (u64 LE header length, JSON
 * header, raw little-endian data) from files and pipes, checking every rule
 * of the format before any byte of data is trusted (the writer: st_write.c).
 *
 * Messages (e->msg; each starts with "<name>: ", EXIT_BAD unless noted):
 *   truncated (expected 8 header-length bytes, got N)
 *   header length N out of range (file has M bytes)  | (2 to 104857600)
 *   a .npy stream, not a safetensors checkpoint  (a PNG image, a gzip file,
 *   a text file: what a bad header length's 8 bytes look like, sniff.h)
 *   header: invalid JSON: <jansson text> at line L column C
 *   header: duplicate key "K" at line L column C | header: not a JSON object
 *   header: tensor name is empty | tensor name of N bytes is longer than 1024
 *   tensor 'T': entry is not an object | unexpected key 'K'
 *   tensor 'T': missing 'dtype'          (or 'shape', 'data_offsets')
 *   tensor 'T': dtype is not a string | unknown dtype 'BF16'
 *   tensor 'T': shape is not an array of non-negative integers
 *   tensor 'T': rank N exceeds 8 | shape [2, 3] overflows
 *   tensor 'T': data_offsets is not [begin, end] of non-negative integers
 *   tensor 'T': offsets [B, E] have begin after end
 *   tensor 'T': N bytes for shape [2, 2] of F32 (expected M)
 *   tensor 'T': offsets [B, E] not contiguous (expected begin X)
 *   __metadata__: not an object | value of 'K' is not a string
 *   data section of N bytes exceeds the 16 GiB limit
 *   truncated (expected N data bytes, got M)
 *   data section is [more than ]N bytes but tensors end at M
 *   tensor 'T': non-finite value at index I
 *   read error: <strerror> | out of memory (N bytes)         (EXIT_SYS)
 * Data is assumed little-endian on the host (x86-64, aarch64). */
#include "safetensors.h"

#include <stdarg.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "infile.h"
#include "outfile.h"
#include "sniff.h"
#include "st_util.h"

#define ST_ALIGN 64

/* One header entry while it is checked; sorted by (begin, end, order). */
typedef struct {
	char *name;
	Tensor t;
	uint64_t begin, end;
	size_t order;
} Span;

/* Bytes left in a regular file f into *rest; 0 when f is not one. */
static int regular_rest(FILE *f, uint64_t *rest)
{
	struct stat sb;
	off_t pos = ftello(f);
	if (pos < 0 || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
		return 0;
	*rest = sb.st_size > pos ? (uint64_t)(sb.st_size - pos) : 0;
	return 1;
}

/* Bytes left in f: exact for a regular file, otherwise read and discarded
 * up to cap + 1. Returns 1 when *rest is exact, 0 when it is above cap. */
static int input_rest(FILE *f, uint64_t cap, uint64_t *rest)
{
	if (regular_rest(f, rest))
		return 1;
	char chunk[1 << 14];
	uint64_t n = 0;
	size_t r;
	while (n <= cap && (r = fread(chunk, 1, sizeof chunk, f)) > 0)
		n += r;
	*rest = n;
	return n <= cap;
}

/* A short read: a read error (EXIT_SYS) or "name: <fmt ...>" (EXIT_BAD). */
__attribute__((format(printf, 4, 5)))
static int read_fail(FILE *f, const char *name, Err *e, const char *fmt, ...)
{
	if (ferror(f))
		return err_sys(e, "%s: read error", name);
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(e, EXIT_BAD, "%s: %s", name, what);
}

/* Reads and range-checks the u64 header length. */
static int read_header_len(FILE *f, const char *name, uint64_t *hl, Err *e)
{
	unsigned char b[8];
	size_t got = io_read_full(f, b, 8);
	if (got < 8)
		return read_fail(f, name, e, "truncated (expected 8 header-length "
				 "bytes, got %zu)", got);
	*hl = rd_u64le(b);
	if (*hl >= 2 && *hl <= ST_MAX_HEADER)
		return 0;
	const char *what = sniff_describe(b, 8);
	if (what)
		return err_set(e, EXIT_BAD, "%s: %s, not a safetensors checkpoint", name, what);
	uint64_t rest;
	int exact = input_rest(f, ST_MAX_HEADER, &rest);
	if (ferror(f))
		return err_sys(e, "%s: read error", name);
	if (*hl >= 2 && exact && *hl > rest)
		return err_set(e, EXIT_BAD, "%s: header length %" PRIu64
			       " out of range (file has %" PRIu64 " bytes)",
			       name, *hl, rest + 8);
	return err_set(e, EXIT_BAD, "%s: header length %" PRIu64
		       " out of range (2 to %u)", name, *hl, ST_MAX_HEADER);
}

/* Reads hl header bytes into *out, growing the buffer as bytes arrive so a
 * lying length on a short input never allocates the full amount. */
static int read_header(FILE *f, const char *name, uint64_t hl, char **out, Err *e)
{
	size_t cap = hl < 65536 ? (size_t)hl : 65536, got = 0;
	char *buf = malloc(cap);
	if (!buf)
		return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name, cap);
	for (;;) {
		size_t r = io_read_full(f, buf + got, cap - got);
		got += r;
		if (got == hl)
			break;
		if (got < cap) {
			free(buf);
			return read_fail(f, name, e, "header length %" PRIu64
					 " out of range (file has %zu bytes)", hl, got + 8);
		}
		size_t ncap = cap * 2 < hl ? cap * 2 : (size_t)hl;
		char *nb = realloc(buf, ncap);
		if (!nb) {
			free(buf);
			return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name, ncap);
		}
		buf = nb;
		cap = ncap;
	}
	*out = buf;
	return 0;
}

/* Parses the header bytes: UTF-8 JSON, no duplicate keys, an object. */
static json_t *parse_header(const char *buf, size_t n, const char *name, Err *e)
{
	json_error_t je;
	json_t *root = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		const char *near = strstr(je.text, "near '");
		if (json_error_code(&je) == json_error_duplicate_key && near) {
			char key[256];
			snprintf(key, sizeof key, "%s", near + 6);
			size_t kl = strlen(key);
			if (kl && key[kl - 1] == '\'')
				key[kl - 1] = '\0';
			err_set(e, EXIT_BAD, "%s: header: duplicate key %s at line %d column %d",
				name, key, je.line, je.column);
		} else {
			err_set(e, EXIT_BAD, "%s: header: invalid JSON: %s at line %d column %d",
				name, je.text, je.line, je.column);
		}
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		err_set(e, EXIT_BAD, "%s: header: not a JSON object", name);
		return NULL;
	}
	return root;
}

/* Copies the string-only __metadata__ object into st. */
static int parse_meta(json_t *m, SafeTensors *st, const char *name, Err *e)
{
	if (!json_is_object(m))
		return err_set(e, EXIT_BAD, "%s: __metadata__: not an object", name);
	size_t n = json_object_size(m);
	st->meta_keys = calloc(n + 1, sizeof *st->meta_keys);
	st->meta_vals = calloc(n + 1, sizeof *st->meta_vals);
	if (!st->meta_keys || !st->meta_vals)
		return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name,
			       (n + 1) * sizeof(char *));
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v) {
		if (!json_is_string(v))
			return err_set(e, EXIT_BAD, "%s: __metadata__: value of '%s' is not a string",
				       name, k);
		st->meta_keys[st->nmeta] = strdup(k);
		st->meta_vals[st->nmeta] = strdup(json_string_value(v));
		st->nmeta++;
		if (!st->meta_keys[st->nmeta - 1] || !st->meta_vals[st->nmeta - 1])
			return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name,
				       strlen(k) + json_string_length(v) + 2);
	}
	return 0;
}

/* Non-negative integer JSON value into *out; 0 or -1. */
static int json_uint(json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* "dtype" and "shape" of entry v into s->t. */
static int parse_dtype_shape(json_t *v, Span *s, const char *name, Err *e)
{
	const char *tn = s->name;
	json_t *dt = json_object_get(v, "dtype"), *sh = json_object_get(v, "shape");
	if (!dt || !sh)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': missing '%s'", name, tn,
			       dt ? "shape" : "dtype");
	if (!json_is_string(dt))
		return err_set(e, EXIT_BAD, "%s: tensor '%s': dtype is not a string", name, tn);
	if (dtype_from_st(json_string_value(dt), &s->t.dtype) < 0)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': unknown dtype '%s'", name, tn,
			       json_string_value(dt));
	if (!json_is_array(sh))
		return err_set(e, EXIT_BAD, "%s: tensor '%s': shape is not an array of "
			       "non-negative integers", name, tn);
	if (json_array_size(sh) > TENSOR_MAXDIM)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': rank %zu exceeds %d", name, tn,
			       json_array_size(sh), TENSOR_MAXDIM);
	s->t.ndim = (int)json_array_size(sh);
	for (int i = 0; i < s->t.ndim; i++) {
		uint64_t d;
		if (json_uint(json_array_get(sh, (size_t)i), &d) < 0)
			return err_set(e, EXIT_BAD, "%s: tensor '%s': shape is not an array of "
				       "non-negative integers", name, tn);
		s->t.shape[i] = (int64_t)d;
	}
	return 0;
}

/* "data_offsets" of entry v, and the byte length against shape x dtype. */
static int parse_offsets(json_t *v, Span *s, const char *name, Err *e)
{
	const char *tn = s->name;
	char sb[160];
	json_t *off = json_object_get(v, "data_offsets");
	if (!off)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': missing 'data_offsets'", name, tn);
	if (!json_is_array(off) || json_array_size(off) != 2 ||
	    json_uint(json_array_get(off, 0), &s->begin) < 0 ||
	    json_uint(json_array_get(off, 1), &s->end) < 0)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': data_offsets is not [begin, end] "
			       "of non-negative integers", name, tn);
	if (s->begin > s->end)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': offsets [%" PRIu64 ", %" PRIu64
			       "] have begin after end", name, tn, s->begin, s->end);
	int64_t numel = tensor_numel(&s->t);
	size_t ds = dtype_size(s->t.dtype);
	fmt_shape(sb, sizeof sb, s->t.ndim, s->t.shape);
	if (numel < 0 || (ds && (uint64_t)numel > INT64_MAX / ds))
		return err_set(e, EXIT_BAD, "%s: tensor '%s': shape %s overflows", name, tn, sb);
	uint64_t want = (uint64_t)numel * ds;
	if (s->end - s->begin != want)
		return err_set(e, EXIT_BAD, "%s: tensor '%s': %" PRIu64 " bytes for shape %s "
			       "of %s (expected %" PRIu64 ")", name, tn, s->end - s->begin,
			       sb, dtype_st(s->t.dtype), want);
	return 0;
}

/* One tensor entry (key -> v) into s. */
static int parse_entry(const char *key, json_t *v, Span *s, const char *name, Err *e)
{
	size_t klen = strlen(key);
	if (klen == 0)
		return err_set(e, EXIT_BAD, "%s: header: tensor name is empty", name);
	if (klen > ST_MAX_NAME)
		return err_set(e, EXIT_BAD, "%s: header: tensor name of %zu bytes is longer "
			       "than %d", name, klen, ST_MAX_NAME);
	s->name = strdup(key);
	if (!s->name)
		return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name, klen + 1);
	if (!json_is_object(v))
		return err_set(e, EXIT_BAD, "%s: tensor '%s': entry is not an object", name, key);
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x) {
		if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets"))
			return err_set(e, EXIT_BAD, "%s: tensor '%s': unexpected key '%s'",
				       name, key, k);
	}
	if (parse_dtype_shape(v, s, name, e) < 0)
		return -1;
	return parse_offsets(v, s, name, e);
}

static int span_cmp(const void *pa, const void *pb)
{
	const Span *a = pa, *b = pb;
	if (a->begin != b->begin)
		return a->begin < b->begin ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Sorts spans by offset and checks they tile [0, *dlen) with no gap. */
static int check_layout(Span *sp, size_t n, uint64_t *dlen, const char *name, Err *e)
{
	qsort(sp, n, sizeof *sp, span_cmp);
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].begin != at)
			return err_set(e, EXIT_BAD, "%s: tensor '%s': offsets [%" PRIu64 ", %"
				       PRIu64 "] not contiguous (expected begin %" PRIu64 ")",
				       name, sp[i].name, sp[i].begin, sp[i].end, at);
		at = sp[i].end;
	}
	if (at > ST_MAX_DATA)
		return err_set(e, EXIT_BAD, "%s: data section of %" PRIu64 " bytes exceeds "
			       "the 16 GiB limit", name, at);
	*dlen = at;
	return 0;
}

/* Walks the header object: metadata into st, tensor entries into *out. */
static int parse_entries(json_t *root, SafeTensors *st, Span **out, size_t *nout,
			 const char *name, Err *e)
{
	size_t n = json_object_size(root), i = 0;
	Span *sp = calloc(n + 1, sizeof *sp);
	*out = sp;
	if (!sp)
		return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name,
			       (n + 1) * sizeof *sp);
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v) {
		if (strcmp(k, "__metadata__") == 0) {
			if (parse_meta(v, st, name, e) < 0)
				return -1;
			continue;
		}
		sp[i].order = i;
		*nout = ++i;
		if (parse_entry(k, v, &sp[i - 1], name, e) < 0)
			return -1;
	}
	return 0;
}

/* After the last tensor: nothing may follow. */
static int check_eof(FILE *f, uint64_t dlen, const char *name, Err *e)
{
	int c = fgetc(f);
	if (c == EOF)
		return ferror(f) ? err_sys(e, "%s: read error", name) : 0;
	ungetc(c, f);
	uint64_t rest;
	int exact = input_rest(f, 1u << 20, &rest);
	if (ferror(f))
		return err_sys(e, "%s: read error", name);
	return err_set(e, EXIT_BAD, "%s: data section is %s%" PRIu64 " bytes but tensors "
		       "end at %" PRIu64, name, exact ? "" : "more than ", dlen + rest, dlen);
}

/* Makes the blob (*cap bytes, 64-byte aligned) at least min(2 * *cap,
 * total) bytes, keeping its first `used` bytes. */
static int grow_blob(SafeTensors *st, uint64_t *cap, uint64_t used, uint64_t total,
		     const char *name, Err *e)
{
	uint64_t ncap = *cap > total / 2 ? total : *cap * 2;
	void *nb = aligned_alloc(ST_ALIGN, (size_t)ncap);
	if (!nb)
		return err_set(e, EXIT_SYS, "%s: out of memory (%" PRIu64 " bytes)", name, ncap);
	memcpy(nb, st->blob, (size_t)used);
	free(st->blob);
	st->blob = nb;
	*cap = ncap;
	return 0;
}

/* Reads nb bytes of one tensor to offset at of the blob, growing the blob
 * (up to total) only as the bytes arrive, so a header declaring gigabytes
 * on a short pipe fails as truncated without allocating them. *got counts
 * the data bytes read so far. */
static int read_slot(FILE *f, SafeTensors *st, uint64_t *cap, uint64_t at, uint64_t nb,
		     uint64_t total, uint64_t dlen, uint64_t *got, const char *name, Err *e)
{
	uint64_t done = 0;
	while (done < nb) {
		if (at + done >= *cap && grow_blob(st, cap, at + done, total, name, e) < 0)
			return -1;
		uint64_t want = nb - done < *cap - at - done ? nb - done : *cap - at - done;
		size_t r = io_read_full(f, (char *)st->blob + at + done, (size_t)want);
		done += r;
		*got += r;
		if (r < want)
			return read_fail(f, name, e, "truncated (expected %" PRIu64
					 " data bytes, got %" PRIu64 ")", dlen, *got);
	}
	return 0;
}

/* Reads the data section: each tensor into its own 64-byte aligned slot of
 * st->blob, in offset order; then moves the spans into st->ents. The blob
 * starts at its full size for a regular file that holds the data, else at
 * 64 MiB at most and grows as data arrives. */
static int read_data(FILE *f, Span *sp, size_t n, uint64_t dlen, SafeTensors *st,
		     const char *name, Err *e)
{
	uint64_t rest, total = 0, got = 0;
	int regular = regular_rest(f, &rest);
	if (regular && rest < dlen)
		return read_fail(f, name, e, "truncated (expected %" PRIu64
				 " data bytes, got %" PRIu64 ")", dlen, rest);
	for (size_t i = 0; i < n; i++)
		total = round_up(total, ST_ALIGN) + (sp[i].end - sp[i].begin);
	total = round_up(total ? total : 1, ST_ALIGN);
	uint64_t cap = regular || total <= IO_FIRST_CHUNK ? total : IO_FIRST_CHUNK;
	st->blob = aligned_alloc(ST_ALIGN, (size_t)cap);
	if (!st->blob)
		return err_set(e, EXIT_SYS, "%s: out of memory (%" PRIu64 " bytes)", name, cap);
	st->ents = calloc(n + 1, sizeof *st->ents);
	if (!st->ents)
		return err_set(e, EXIT_SYS, "%s: out of memory (%zu bytes)", name,
			       (n + 1) * sizeof *st->ents);
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		at = round_up(at, ST_ALIGN);
		uint64_t nb = sp[i].end - sp[i].begin;
		if (read_slot(f, st, &cap, at, nb, total, dlen, &got, name, e) < 0)
			return -1;
		at += nb;
	}
	at = 0;
	for (size_t i = 0; i < n; i++) {
		at = round_up(at, ST_ALIGN);
		sp[i].t.data = (char *)st->blob + at;
		sp[i].t.borrowed = 1;
		at += sp[i].end - sp[i].begin;
		st->ents[i].name = sp[i].name;
		st->ents[i].t = sp[i].t;
		sp[i].name = NULL;
		st->n = (int)i + 1;
	}
	return check_eof(f, dlen, name, e);
}

/* Index of the first NaN or infinity in a float tensor, or -1. */
static int64_t first_nonfinite(const Tensor *t, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		int bad = 0;
		if (t->dtype == DT_F32)
			bad = !isfinite(((const float *)t->data)[i]);
		else if (t->dtype == DT_F64)
			bad = !isfinite(((const double *)t->data)[i]);
		else if (t->dtype == DT_F16)
			bad = (((const uint16_t *)t->data)[i] & 0x7c00) == 0x7c00;
		else
			return -1;
		if (bad)
			return i;
	}
	return -1;
}

static int check_finite(const SafeTensors *st, const char *name, Err *e)
{
	for (int i = 0; i < st->n; i++) {
		const Tensor *t = &st->ents[i].t;
		int64_t bad = first_nonfinite(t, tensor_numel(t));
		if (bad >= 0)
			return err_set(e, EXIT_BAD, "%s: tensor '%s': non-finite value at index %"
				       PRId64, name, st->ents[i].name, bad);
	}
	return 0;
}

int st_read(FILE *f, const char *name, SafeTensors *st, Err *e)
{
	uint64_t hl = 0, dlen = 0;
	char *hdr = NULL;
	Span *sp = NULL;
	size_t n = 0;
	memset(st, 0, sizeof *st);
	if (!name)
		name = "<stdin>";
	if (read_header_len(f, name, &hl, e) < 0 || read_header(f, name, hl, &hdr, e) < 0)
		return -1;
	json_t *root = parse_header(hdr, (size_t)hl, name, e);
	free(hdr);
	if (!root) {
		err_sanitize(e);
		return -1;
	}
	int rc = parse_entries(root, st, &sp, &n, name, e);
	json_decref(root);
	if (rc == 0)
		rc = check_layout(sp, n, &dlen, name, e);
	if (rc == 0)
		rc = read_data(f, sp, n, dlen, st, name, e);
	if (rc == 0)
		rc = check_finite(st, name, e);
	for (size_t i = 0; sp && i < n; i++)
		free(sp[i].name);
	free(sp);
	if (rc < 0) {
		st_free(st);
		err_sanitize(e);
	}
	return rc;
}

void st_free(SafeTensors *st)
{
	for (int i = 0; i < st->n; i++)
		free(st->ents[i].name);
	for (int i = 0; i < st->nmeta; i++) {
		free(st->meta_keys[i]);
		free(st->meta_vals[i]);
	}
	free(st->ents);
	free(st->meta_keys);
	free(st->meta_vals);
	free(st->blob);
	memset(st, 0, sizeof *st);
}

const Tensor *st_get(const SafeTensors *st, const char *name)
{
	for (int i = 0; i < st->n; i++)
		if (strcmp(st->ents[i].name, name) == 0)
			return &st->ents[i].t;
	return NULL;
}

const char *st_meta(const SafeTensors *st, const char *key)
{
	for (int i = 0; i < st->nmeta; i++)
		if (strcmp(st->meta_keys[i], key) == 0)
			return st->meta_vals[i];
	return NULL;
}
