/* idx.c - reading u8 IDX files (MNIST, Fashion-MNIST), raw or gzip, into a
 * tensor with the file's shape. zlib's gz* functions read both forms; every
 * header field is checked and truncated or trailing data is refused. */
#include "idx.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "outfile.h"

/* zlib's message for gz without the "<fd:N>: " it prefixes for a gzdopen'd
 * stream (the descriptor number means nothing to the user). */
static const char *gz_msg(gzFile gz, int *zerr)
{
	const char *msg = gzerror(gz, zerr), *sep = strstr(msg, ": ");
	return strncmp(msg, "<fd:", 4) == 0 && sep ? sep + 2 : msg;
}

/* Reads up to n bytes; returns the count, or -1 with e set on a read or
 * decompression error. A short count means end of input. */
static int64_t gz_read_all(gzFile gz, void *dst, int64_t n, const char *name, Err *e)
{
	int64_t got = 0;
	uint8_t *p = dst;
	while (got < n) {
		int64_t left = n - got;
		unsigned chunk = left > (1 << 30) ? (1u << 30) : (unsigned)left;
		int k = gzread(gz, p + got, chunk);
		if (k < 0) {
			int zerr;
			const char *msg = gz_msg(gz, &zerr);
			if (zerr == Z_ERRNO)
				return err_sys(e, "%s", name);
			return err_set(e, EXIT_BAD, "%s: corrupt gzip data (%s)", name, msg);
		}
		if (k == 0)
			break;
		got += k;
	}
	return got;
}

/* Parses the 4-byte magic and the dims into shape; 0 or -1 with e. */
static int read_header(gzFile gz, const char *name, int *ndim, int64_t *shape,
		       Err *e)
{
	uint8_t m[4], d[16];
	int64_t got = gz_read_all(gz, m, 4, name, e);
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
	got = gz_read_all(gz, d, 4 * *ndim, name, e);
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

/* Reads header and data from an open gz stream into t. */
static int read_gz(gzFile gz, const char *name, Tensor *t, Err *e)
{
	int ndim = 0;
	int64_t shape[4] = { 0 };
	if (read_header(gz, name, &ndim, shape, e) < 0)
		return -1;
	if (tensor_alloc(t, DT_U8, ndim, shape, e) < 0)
		return -1;
	int64_t n = tensor_numel(t);
	int64_t got = gz_read_all(gz, t->data, n, name, e);
	if (got >= 0 && got < n)
		err_set(e, EXIT_BAD, "%s: truncated: expected %lld bytes of data, got %lld",
			name, (long long)n, (long long)got);
	uint8_t extra;
	if (got == n) {
		int64_t more = gz_read_all(gz, &extra, 1, name, e);
		int zerr = Z_OK;
		if (more == 0)
			gzerror(gz, &zerr);
		if (more == 0 && zerr == Z_OK)
			return 0;
		if (more == 0)   /* zlib's soft error: the gzip trailer is cut */
			err_set(e, EXIT_BAD, "%s: truncated gzip data (%s)", name,
				gz_msg(gz, &zerr));
		if (more > 0)
			err_set(e, EXIT_BAD, "%s: trailing data after %lld bytes of IDX data",
				name, (long long)n);
	}
	tensor_free(t);
	return -1;
}

int idx_read_u8(const char *path, Tensor *t, Err *e)
{
	memset(t, 0, sizeof *t);
	const char *name = infile_name(path);
	FILE *f = infile_open(path, 1, e);
	if (!f)
		return -1;
	int fd = dup(fileno(f));
	infile_close(f);
	if (fd < 0)
		return err_sys(e, "%s", name);
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return err_set(e, EXIT_SYS, "%s: out of memory", name);
	}
	gzbuffer(gz, 1 << 17);
	int rc = read_gz(gz, name, t, e);
	gzclose_r(gz);
	return rc;
}
