/* npy.c - NumPy .npy records on files and pipes: a strict reader of format
 * 1.0, 2.0 and 3.0 (fread only, so it works on pipes) and a writer of 1.0
 * that produces the same bytes as numpy.save. Headers are parsed, never eval'd.
 *
 * Messages (all prefixed "<name>: record <k>: ", k is the 1-based index):
 *   read error: <strerror>                       (EXIT_SYS)
 *   bad magic (not a .npy file)
 *   a safetensors checkpoint, not a .npy stream  (a PNG image, a gzip
 *   file, a text file: what the first bytes look like, sniff.h)
 *   truncated magic (got N of 6 bytes)
 *   truncated version (got N of 2 bytes)
 *   unsupported version M.m
 *   truncated header length (got N of L bytes)
 *   header length N exceeds 10000
 *   truncated header (expected N bytes, got M)
 *   truncated data (expected N bytes, got M)
 *   out of memory (N bytes)                       (EXIT_SYS)
 *   header: contains a NUL byte
 *   header: expected '{'
 *   header: expected a quoted key
 *   header: unterminated string
 *   header: string too long
 *   header: bad character in string
 *   header: unknown key 'K'
 *   header: duplicate key 'K'
 *   header: expected ':' after key 'K'
 *   header: expected ',' or '}'
 *   header: unexpected text after '}'
 *   header: missing key 'K'
 *   header: 'descr' must be a string (structured dtypes are not supported)
 *   header: dtype 'D' not supported
 *   header: dtype 'D' not supported (big-endian)
 *   header: 'fortran_order' must be True or False
 *   header: shape must be a tuple
 *   header: shape must be a tuple (a 1-tuple needs a trailing comma)
 *   header: expected an integer in shape
 *   header: negative dimension in shape
 *   header: dimension too large in shape
 *   header: expected ',' or ')' in shape
 *   header: rank N exceeds 8
 *   header: shape is too large (size overflows)
 * Writer: "<name>: write error: <strerror>" (EXIT_PIPE for EPIPE, else
 * EXIT_SYS); "<name>: bad tensor: ..." for an invalid dtype or shape. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"
#include "npy.h"
#include "sniff.h"

#include "memcheck.h"
#include "infile.h"

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

enum { KEY_DESCR, KEY_FORTRAN, KEY_SHAPE, KEY_COUNT };
static const char *const key_names[KEY_COUNT] = {"descr", "fortran_order", "shape"};

/* Where a message goes: "<name>: record <index>: ...". */
typedef struct {
	const char *name;
	int index;
	Err *e;
} Ctx;

static int fail(const Ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const Ctx *c, int code, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_set(c->e, code, "%s: record %d: %s", c->name, c->index, what);
}

/* Header parser state: the text, a cursor, and what was found. */
typedef struct {
	const char *s;
	size_t n, pos;
	char err[200];
	int seen[KEY_COUNT];
	char descr[32];
	int fortran;
	int ndim;                 /* may exceed TENSOR_MAXDIM while counting */
	int64_t shape[TENSOR_MAXDIM];
} Hdr;

static int perr(Hdr *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(Hdr *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof h->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int peek(const Hdr *h)
{
	return h->pos < h->n ? (unsigned char)h->s[h->pos] : -1;
}

static void skip_ws(Hdr *h)
{
	int c;
	while ((c = peek(h)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		h->pos++;
}

/* A '...' or "..." literal of printable ASCII without backslashes into
 * out (size n). */
static int parse_string(Hdr *h, char *out, size_t n)
{
	int q = peek(h);
	size_t k = 0;
	h->pos++;
	for (;;) {
		int c = peek(h);
		if (c < 0 || c == '\n')
			return perr(h, "unterminated string");
		h->pos++;
		if (c == q)
			break;
		if (c == '\\' || c < 0x20 || c > 0x7e)
			return perr(h, "bad character in string");
		if (k + 1 >= n)
			return perr(h, "string too long");
		out[k++] = (char)c;
	}
	out[k] = '\0';
	return 0;
}

/* True or False (Python spelling only). */
static int parse_bool(Hdr *h, int *v)
{
	const char *p = h->s + h->pos;
	size_t left = h->n - h->pos;
	if (left >= 4 && memcmp(p, "True", 4) == 0)
		*v = 1, h->pos += 4;
	else if (left >= 5 && memcmp(p, "False", 5) == 0)
		*v = 0, h->pos += 5;
	else
		return perr(h, "'fortran_order' must be True or False");
	int c = peek(h);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (c >= '0' && c <= '9'))
		return perr(h, "'fortran_order' must be True or False");
	return 0;
}

/* A non-negative decimal integer as Python writes it (no leading zeros);
 * a trailing 'L' from Python 2 writers is accepted, as numpy does. */
static int parse_dim(Hdr *h, int64_t *v)
{
	int c = peek(h);
	if (c == '-')
		return perr(h, "negative dimension in shape");
	if (c < '0' || c > '9')
		return perr(h, "expected an integer in shape");
	int64_t x = 0;
	size_t start = h->pos;
	while ((c = peek(h)) >= '0' && c <= '9') {
		if (x > (INT64_MAX - (c - '0')) / 10)
			return perr(h, "dimension too large in shape");
		x = x * 10 + (c - '0');
		h->pos++;
	}
	if (h->s[start] == '0' && h->pos - start > 1)
		return perr(h, "expected an integer in shape");
	if (peek(h) == 'L')
		h->pos++;
	*v = x;
	return 0;
}

/* (), (n,), (a, b), (a, b,) ... Counts dims beyond TENSOR_MAXDIM without
 * storing them so the message can name the rank. */
static int parse_shape(Hdr *h)
{
	if (peek(h) != '(')
		return perr(h, "shape must be a tuple");
	h->pos++;
	skip_ws(h);
	h->ndim = 0;
	int comma = 0;
	while (peek(h) != ')') {
		int64_t d = 0;
		if (parse_dim(h, &d) < 0)
			return -1;
		if (h->ndim < TENSOR_MAXDIM)
			h->shape[h->ndim] = d;
		h->ndim++;
		skip_ws(h);
		comma = peek(h) == ',';
		if (comma) {
			h->pos++;
			skip_ws(h);
		} else if (peek(h) != ')') {
			return perr(h, "expected ',' or ')' in shape");
		}
	}
	h->pos++;
	if (h->ndim == 1 && !comma)
		return perr(h, "shape must be a tuple (a 1-tuple needs a trailing comma)");
	if (h->ndim > TENSOR_MAXDIM)
		return perr(h, "rank %d exceeds %d", h->ndim, TENSOR_MAXDIM);
	return 0;
}

/* One "key: value" pair. */
static int parse_item(Hdr *h)
{
	char key[32];
	int q = peek(h);
	if (q != '\'' && q != '"')
		return perr(h, "expected a quoted key");
	if (parse_string(h, key, sizeof key) < 0)
		return -1;
	int k = 0;
	while (k < KEY_COUNT && strcmp(key, key_names[k]) != 0)
		k++;
	if (k == KEY_COUNT)
		return perr(h, "unknown key '%s'", key);
	if (h->seen[k]++)
		return perr(h, "duplicate key '%s'", key);
	skip_ws(h);
	if (peek(h) != ':')
		return perr(h, "expected ':' after key '%s'", key);
	h->pos++;
	skip_ws(h);
	if (k == KEY_FORTRAN)
		return parse_bool(h, &h->fortran);
	if (k == KEY_SHAPE)
		return parse_shape(h);
	q = peek(h);
	if (q != '\'' && q != '"')
		return perr(h, "'descr' must be a string (structured dtypes are not supported)");
	return parse_string(h, h->descr, sizeof h->descr);
}

/* The whole dict literal, then the checks on what it said. */
static int parse_header(Hdr *h, DType *dt)
{
	skip_ws(h);
	if (peek(h) != '{')
		return perr(h, "expected '{'");
	h->pos++;
	skip_ws(h);
	while (peek(h) != '}') {
		if (parse_item(h) < 0)
			return -1;
		skip_ws(h);
		if (peek(h) == ',') {
			h->pos++;
			skip_ws(h);
		} else if (peek(h) != '}') {
			return perr(h, "expected ',' or '}'");
		}
	}
	h->pos++;
	skip_ws(h);
	if (h->pos != h->n)
		return perr(h, "unexpected text after '}'");
	for (int k = 0; k < KEY_COUNT; k++)
		if (!h->seen[k])
			return perr(h, "missing key '%s'", key_names[k]);
	if (dtype_from_npy(h->descr, dt) < 0)
		return perr(h, "dtype '%s' not supported%s", h->descr,
			    h->descr[0] == '>' ? " (big-endian)" : "");
	return 0;
}

/* A short read that is an I/O error rather than an end of file. */
static int read_error(const Ctx *c, FILE *f)
{
	if (!ferror(f))
		return 0;
	Err tmp;
	err_sys(&tmp, "read error");
	fail(c, EXIT_SYS, "%s", tmp.msg);
	return -1;
}

/* The error for a record that does not start with the magic: what the
 * file looks like when that is known (a checkpoint, a PNG, text), read
 * from its first bytes b (got of them, up to 3 more read here); for a
 * record after the first, only that the magic is wrong. */
static int bad_magic(FILE *f, const Ctx *c, const unsigned char *b, size_t got)
{
	unsigned char head[9];
	if (c->index > 1)          /* trailing bytes of a stream: only "bad magic" */
		return fail(c, EXIT_BAD, "bad magic (not a .npy file)");
	memcpy(head, b, got);
	if (got == 6)
		got += io_read_full(f, head + 6, 3);
	const char *what = sniff_describe(head, got);
	if (what)
		return fail(c, EXIT_BAD, "%s, not a .npy stream", what);
	return fail(c, EXIT_BAD, "bad magic (not a .npy file)");
}

/* Magic, version and header length. Returns 1, 0 at clean EOF, or -1. */
static int read_preamble(FILE *f, const Ctx *c, uint32_t *hlen)
{
	unsigned char b[6];
	size_t got = io_read_full(f, b, 6);
	if (got < 6 && read_error(c, f))
		return -1;
	if (got == 0)
		return 0;
	if (memcmp(b, npy_magic, got) != 0)
		return bad_magic(f, c, b, got);
	if (got < 6)
		return fail(c, EXIT_BAD, "truncated magic (got %zu of 6 bytes)", got);
	got = io_read_full(f, b, 2);
	if (got < 2)
		return read_error(c, f) ? -1 :
			fail(c, EXIT_BAD, "truncated version (got %zu of 2 bytes)", got);
	int major = b[0], minor = b[1];
	if (major < 1 || major > 3 || minor != 0)
		return fail(c, EXIT_BAD, "unsupported version %d.%d", major, minor);
	size_t lb = major == 1 ? 2 : 4;
	got = io_read_full(f, b, lb);
	if (got < lb)
		return read_error(c, f) ? -1 : fail(c, EXIT_BAD,
			"truncated header length (got %zu of %zu bytes)", got, lb);
	*hlen = (uint32_t)b[0] | (uint32_t)b[1] << 8;
	if (lb == 4)
		*hlen |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (*hlen > NPY_MAX_HEADER)
		return fail(c, EXIT_BAD, "header length %lu exceeds %d",
			    (unsigned long)*hlen, NPY_MAX_HEADER);
	return 1;
}

int npy_read_header(FILE *f, const char *name, int index, Tensor *t, Err *e)
{
	return npy_read_header_order(f, name, index, t, NULL, e);
}

int npy_read_header_order(FILE *f, const char *name, int index, Tensor *t, int *fortran,
			  Err *e)
{
	Ctx c = {name ? name : "<stdin>", index, e};
	uint32_t hlen = 0;
	memset(t, 0, sizeof *t);
	if (fortran)
		*fortran = 0;
	int rc = read_preamble(f, &c, &hlen);
	if (rc <= 0)
		return rc;
	char text[NPY_MAX_HEADER + 1];
	size_t got = io_read_full(f, text, hlen);
	if (got < hlen)
		return read_error(&c, f) ? -1 : fail(&c, EXIT_BAD,
			"truncated header (expected %lu bytes, got %zu)", (unsigned long)hlen, got);
	if (memchr(text, '\0', hlen))
		return fail(&c, EXIT_BAD, "header: contains a NUL byte");
	Hdr h = {.s = text, .n = hlen};
	DType dt;
	if (parse_header(&h, &dt) < 0)
		return fail(&c, EXIT_BAD, "header: %s", h.err);
	t->dtype = dt;
	t->ndim = h.ndim;
	if (fortran)
		*fortran = h.fortran;
	memcpy(t->shape, h.shape, sizeof h.shape);
	if (tensor_nbytes(t, NULL) < 0) {
		memset(t, 0, sizeof *t);
		return fail(&c, EXIT_BAD, "header: shape is too large (size overflows)");
	}
	return 1;
}

int npy_read_part(FILE *f, const char *name, int index, void *buf, size_t nbytes,
		  size_t done, size_t total, Err *e)
{
	Ctx c = {name ? name : "<stdin>", index, e};
	size_t got = io_read_full(f, buf, nbytes);
	if (got == nbytes)
		return 0;
	if (read_error(&c, f))
		return -1;
	return fail(&c, EXIT_BAD, "truncated data (expected %zu bytes, got %zu)", total,
		    done + got);
}

int npy_read_data(FILE *f, const char *name, int index, void *buf, size_t nbytes, Err *e)
{
	return npy_read_part(f, name, index, buf, nbytes, 0, nbytes, e);
}

int npy_read(FILE *f, const char *name, int index, Tensor *t, Err *e)
{
	Ctx c = {name ? name : "<stdin>", index, e};
	Tensor h;
	memset(t, 0, sizeof *t);
	int fortran;
	int rc = npy_read_header_order(f, name, index, &h, &fortran, e);
	if (rc <= 0)
		return rc;
	Err ae;
	int64_t bytes = tensor_nbytes(&h, NULL);
	if (bytes > 0 && mem_check((size_t)bytes, "the data", NULL, &ae) < 0)
		return fail(&c, ae.code, "%s", ae.msg);
	void *data;
	size_t got;
	rc = io_read_alloc(f, (size_t)bytes, &data, &got);
	if (rc == -2)
		return fail(&c, EXIT_SYS, "out of memory (%lld bytes)", (long long)bytes);
	if (rc < 0)
		return read_error(&c, f) ? -1 : fail(&c, EXIT_BAD,
			"truncated data (expected %lld bytes, got %zu)", (long long)bytes, got);
	*t = h;
	t->data = data;
	if (fortran && convert_fortran_to_c(t, &ae)) {
		tensor_free(t);
		return fail(&c, ae.code, "%s", ae.msg);
	}
	return 1;
}

int npy_read_first(const char *path, Tensor *t, Err *e)
{
	const char *name = infile_name(path);
	FILE *f = infile_open(path, 1, e);
	if (!f)
		return -1;
	int rc = npy_read(f, name, 1, t, e);
	infile_close(f);
	if (rc == 0)
		return err_set(e, EXIT_BAD, "%s: empty stream (no record)", name);
	return rc < 0 ? -1 : 0;
}

/* The header text exactly as numpy 1.24 writes it: the dict, spare room for
 * the first axis to grow to 21 digits, spaces to a multiple of 64 bytes
 * counting magic and length (a full 64 when already aligned), and '\n'.
 * Returns the length of buf (magic and length included). */
static size_t build_header(char *buf, size_t cap, DType dt, int ndim, const int64_t *shape)
{
	char dict[400];
	int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
			 dtype_npy(dt));
	for (int i = 0; i < ndim; i++)
		k += snprintf(dict + k, sizeof dict - (size_t)k, "%s%lld", i ? ", " : "",
			      (long long)shape[i]);
	k += snprintf(dict + k, sizeof dict - (size_t)k, "%s), }", ndim == 1 ? "," : "");
	if (ndim > 0) {
		char first[24];
		int grow = 21 - snprintf(first, sizeof first, "%lld", (long long)shape[0]);
		for (; grow > 0; grow--)
			dict[k++] = ' ';
	}
	size_t hlen = (size_t)k + 1;
	size_t pad = 64 - (10 + hlen) % 64;
	size_t total = 10 + hlen + pad;
	if (total > cap)
		return 0;
	memcpy(buf, npy_magic, 6);
	buf[6] = 1;
	buf[7] = 0;
	buf[8] = (char)((hlen + pad) & 0xff);
	buf[9] = (char)((hlen + pad) >> 8);
	memcpy(buf + 10, dict, (size_t)k);
	memset(buf + 10 + k, ' ', pad);
	buf[total - 1] = '\n';
	return total;
}

/* Validates a record's dtype and shape into t; its data size into *nb. */
static int record_shape(const char *name, DType dt, int ndim, const int64_t *shape,
			Tensor *t, int64_t *nb, Err *e)
{
	memset(t, 0, sizeof *t);
	t->dtype = dt;
	t->ndim = ndim;
	if (ndim < 0 || ndim > TENSOR_MAXDIM)
		return err_set(e, EXIT_SYS, "%s: bad tensor: rank %d", name, ndim);
	for (int i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	Err te;
	*nb = tensor_nbytes(t, &te);
	if (*nb < 0)
		return err_set(e, EXIT_SYS, "%s: bad tensor: %s", name, te.msg);
	return 0;
}

int npy_write_header(FILE *f, const char *name, DType dt, int ndim,
		     const int64_t *shape, Err *e)
{
	if (!name)
		name = "<stdout>";
	Tensor t;
	int64_t nb;
	if (record_shape(name, dt, ndim, shape, &t, &nb, e))
		return -1;
	char head[1024];
	size_t hn = build_header(head, sizeof head, dt, ndim, t.shape);
	if (hn == 0)
		return err_set(e, EXIT_SYS, "%s: bad tensor: header too long", name);
	errno = 0;
	if (fwrite(head, 1, hn, f) != hn)
		return err_sys(e, "%s: write error", name);
	return 0;
}

int npy_write_raw(FILE *f, const char *name, DType dt, int ndim,
		  const int64_t *shape, const void *data, Err *e)
{
	if (!name)
		name = "<stdout>";
	Tensor t;
	int64_t nb;
	if (record_shape(name, dt, ndim, shape, &t, &nb, e))
		return -1;
	if (nb > 0 && !data)
		return err_set(e, EXIT_SYS, "%s: bad tensor: no data", name);
	if (npy_write_header(f, name, dt, ndim, shape, e))
		return -1;
	errno = 0;
	if (nb > 0 && fwrite(data, 1, (size_t)nb, f) != (size_t)nb)
		return err_sys(e, "%s: write error", name);
	return 0;
}

int npy_write(FILE *f, const char *name, const Tensor *t, Err *e)
{
	return npy_write_raw(f, name, t->dtype, t->ndim, t->shape, t->data, e);
}
