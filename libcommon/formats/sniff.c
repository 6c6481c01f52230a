/* sniff.c - format detection by magic with replay of the peeked bytes, via
 * glibc's fopencookie: a FILE that serves a small buffer, then the source. */
#include "sniff.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

#define SNIFF_LEN 9

typedef struct {
	FILE *src;
	unsigned char head[SNIFF_LEN];
	size_t n, pos;
} Replay;

FileFormat sniff_format(const unsigned char *head, size_t n)
{
	if (n == 0)
		return FMT_EMPTY;
	if (n >= 6 && memcmp(head, "\x93NUMPY", 6) == 0)
		return FMT_NPY;
	if (n >= 9) {
		uint64_t len = 0;
		for (int i = 7; i >= 0; i--)
			len = (len << 8) | head[i];
		if (len >= 2 && len <= ST_MAX_HEADER && head[8] == '{')
			return FMT_SAFETENSORS;
	}
	return FMT_UNKNOWN;
}

const char *sniff_format_name(FileFormat fmt)
{
	switch (fmt) {
	case FMT_EMPTY: return "empty";
	case FMT_NPY: return "npy";
	case FMT_SAFETENSORS: return "safetensors";
	default: return "unknown";
	}
}

const char *sniff_describe(const unsigned char *head, size_t n)
{
	switch (sniff_format(head, n)) {
	case FMT_NPY: return "a .npy stream";
	case FMT_SAFETENSORS: return "a safetensors checkpoint";
	default: break;
	}
	if (n >= 4 && memcmp(head, "\x89PNG", 4) == 0)
		return "a PNG image";
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return "a gzip file";
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (head[i] < 0x20 && head[i] != '\t' && head[i] != '\n' && head[i] != '\r')
			return NULL;
	return "a text file";
}

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
	Replay *r = cookie;
	if (r->pos < r->n) {
		size_t k = r->n - r->pos < size ? r->n - r->pos : size;
		memcpy(buf, r->head + r->pos, k);
		r->pos += k;
		return (ssize_t)k;
	}
	size_t got = fread(buf, 1, size, r->src);
	if (got == 0 && ferror(r->src))
		return -1;
	return (ssize_t)got;
}

static int replay_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *sniff_open(FILE *f, const char *name, FileFormat *fmt, Err *e)
{
	Replay *r = calloc(1, sizeof *r);
	if (!r) {
		err_set(e, EXIT_SYS, "out of memory");
		return NULL;
	}
	r->src = f;
	r->n = fread(r->head, 1, SNIFF_LEN, f);
	if (r->n < SNIFF_LEN && ferror(f)) {
		err_sys(e, "%s", name);
		free(r);
		return NULL;
	}
	*fmt = sniff_format(r->head, r->n);
	cookie_io_functions_t io = { .read = replay_read, .close = replay_close };
	FILE *out = fopencookie(r, "r", io);
	if (!out) {
		err_sys(e, "%s", name);
		free(r);
	}
	return out;
}
