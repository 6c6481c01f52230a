/* idx.c - reading u8 IDX files (MNIST, Fashion-MNIST), raw or gzip, into a
 * tensor with the file's shape. gzsrc.c reads both forms; every header
 * field is checked and truncated or trailing data (after the IDX data or
 * after the gzip members) is refused. */
#include "idx.h"
#include "memcheck.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gzsrc.h"
#include "infile.h"
#include "outfile.h"

/* Parses the 4-byte magic and the dims into shape; 0 or -1 with e. */
static int read_header(GzSrc *gz, const char *name, int *ndim, int64_t *shape,
		       Err *e)
{
	uint8_t m[4], d[16];
	int64_t got = gzsrc_read(gz, m, 4, e);
	if (got < 0)
		return -1;
	if (got < 4 || m[0] != 0 || m[1] != 0)
		return err_set(e, EXIT_BAD, "%s: not an IDX file (bad magic)", name);
	if (m[2] != 0x08)
		return err_set(e, EXIT_BAD,
			       "%s: IDX type 0x%02X not supported (u8 images only)", name, m[2]);
	if (m[3] < 1 || m[3] > 4)
		return err_set(e, EXIT_BAD,
			       "%s: IDX with %d dimensions not supported (1 to 4)", name, m[3]);
	*ndim = m[3];
	got = gzsrc_read(gz, d, 4 * *ndim, e);
	if (got < 0)
		return -1;
	if (got < 4 * *ndim)
		return err_set(e, EXIT_BAD, "%s: truncated: expected %d bytes of header, got %d",
			       name, 4 + 4 * *ndim, 4 + (int)got);
	int64_t total = 1;
	for (int i = 0; i < *ndim; i++) {
		const uint8_t *b = d + 4 * i;
		shape[i] = (int64_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
		if (shape[i] == 0)
			return err_set(e, EXIT_BAD, "%s: IDX dimension %d is 0", name, i);
		if (shape[i] > IDX_MAX_BYTES / total)
			return err_set(e, EXIT_BAD, "%s: IDX data too large (more than %lld bytes)",
				       name, (long long)IDX_MAX_BYTES);
		total *= shape[i];
	}
	return 0;
}

/* Reads the n data bytes into a buffer grown as they arrive (64 MiB first,
 * then doubling up to n), so a header declaring more than the input holds
 * fails as truncated without allocating the declared size. Returns the
 * count (n when complete, with *out malloc'd) or -1 with e. */
static int64_t read_body(GzSrc *gz, int64_t n, uint8_t **out, const char *name, Err *e)
{
	int64_t cap = n < (int64_t)IO_FIRST_CHUNK ? n : (int64_t)IO_FIRST_CHUNK, got = 0;
	uint8_t *buf = malloc((size_t)cap);
	*out = NULL;
	if (!buf)
		return err_set(e, EXIT_SYS, "%s: out of memory (%lld bytes)", name, (long long)cap);
	for (;;) {
		int64_t k = gzsrc_read(gz, buf + got, cap - got, e);
		if (k < 0) {
			free(buf);
			return -1;
		}
		got += k;
		if (got == n)
			break;
		if (got < cap) {
			free(buf);
			return got;
		}
		int64_t ncap = cap > n / 2 ? n : cap * 2;
		uint8_t *nb = realloc(buf, (size_t)ncap);
		if (!nb) {
			free(buf);
			return err_set(e, EXIT_SYS, "%s: out of memory (%lld bytes)", name,
				       (long long)ncap);
		}
		buf = nb;
		cap = ncap;
	}
	*out = buf;
	return got;
}

/* After n bytes of data: a clean end of the (gzip) stream, or an error. */
static int check_end(GzSrc *gz, int64_t n, const char *name, Err *e)
{
	uint8_t extra;
	int64_t more = gzsrc_read(gz, &extra, 1, e);
	if (more < 0)
		return -1;
	if (more > 0)
		return err_set(e, EXIT_BAD, "%s: trailing data after %lld bytes of IDX data",
			       name, (long long)n);
	if (gzsrc_cut(gz))
		return err_set(e, EXIT_BAD, "%s: truncated gzip data (unexpected end of file)",
			       name);
	return 0;
}

/* Reads header and data from an open gz stream into t. avail is the number
 * of bytes the input holds from its start (-1 when unknown: a pipe); a raw
 * file shorter than its header declares fails before any allocation. */
static int read_gz(GzSrc *gz, int64_t avail, const char *name, Tensor *t, Err *e)
{
	int ndim = 0;
	int64_t shape[4] = { 0 };
	if (read_header(gz, name, &ndim, shape, e) < 0)
		return -1;
	int64_t n = 1, head = 4 + 4 * ndim;
	for (int i = 0; i < ndim; i++)
		n *= shape[i];
	if (avail >= 0 && gzsrc_direct(gz) && avail - head < n)
		return err_set(e, EXIT_BAD, "%s: truncated: expected %lld bytes of data, got %lld",
			       name, (long long)n, (long long)(avail - head));
	char what[300];
	snprintf(what, sizeof what, "%s: the IDX data (%lld bytes declared)", name, (long long)n);
	if (mem_check((size_t)n, what, NULL, e))
		return -1;
	uint8_t *data;
	int64_t got = read_body(gz, n, &data, name, e);
	if (got < 0)
		return -1;
	if (got < n && gzsrc_cut(gz))
		return err_set(e, EXIT_BAD, "%s: truncated gzip data (unexpected end of file)",
			       name);
	if (got < n)
		return err_set(e, EXIT_BAD, "%s: truncated: expected %lld bytes of data, got %lld",
			       name, (long long)n, (long long)got);
	if (check_end(gz, n, name, e) < 0) {
		free(data);
		return -1;
	}
	t->dtype = DT_U8;
	t->ndim = ndim;
	memcpy(t->shape, shape, sizeof shape);
	t->data = data;
	return 0;
}

/* Bytes of the regular file fd from its current offset; -1 otherwise. */
static int64_t file_avail(int fd)
{
	struct stat st;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return -1;
	return st.st_size > pos ? (int64_t)(st.st_size - pos) : 0;
}

int idx_read_u8(const char *path, Tensor *t, Err *e)
{
	memset(t, 0, sizeof *t);
	const char *name = infile_name(path);
	FILE *f = infile_open(path, 1, e);
	if (!f)
		return -1;
	int64_t avail = file_avail(fileno(f));
	GzSrc *gz = malloc(sizeof *gz);
	int rc = gz ? gzsrc_open(gz, f, name, e) : err_set(e, EXIT_SYS, "out of memory");
	if (rc == 0)
		rc = read_gz(gz, avail, name, t, e);
	if (gz)
		gzsrc_close(gz);
	free(gz);
	infile_close(f);
	return rc;
}
