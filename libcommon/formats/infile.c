/* infile.c - inputs from a named file or stdin, and reads that loop over
 * short reads or grow their buffer only as data arrives. */
#include "infile.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *infile_open(const char *path, int binary, Err *e)
{
	if (!path || strcmp(path, "-") == 0) {
		if (binary && isatty(STDIN_FILENO)) {
			err_set(e, EXIT_BAD, "refusing to read binary data from a terminal");
			return NULL;
		}
		return stdin;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		err_path(e, path);
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		err_set(e, EXIT_BAD, "%s: Is a directory", path);
		return NULL;
	}
	return f;
}

void infile_close(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

const char *infile_name(const char *path)
{
	return !path || strcmp(path, "-") == 0 ? "<stdin>" : path;
}

size_t io_read_full(FILE *f, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		size_t r = fread((char *)buf + got, 1, n - got, f);
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

int io_read_alloc(FILE *f, size_t n, void **buf, size_t *got)
{
	size_t cap = n < IO_FIRST_CHUNK ? n : IO_FIRST_CHUNK, have = 0;
	char *b = malloc(cap ? cap : 1);
	*buf = NULL;
	*got = 0;
	if (!b)
		return -2;
	for (;;) {
		have += io_read_full(f, b + have, cap - have);
		*got = have;
		if (have == n)
			break;
		if (have < cap) {
			free(b);
			return -1;
		}
		size_t ncap = cap > n / 2 ? n : cap * 2;
		char *nb = realloc(b, ncap);
		if (!nb) {
			free(b);
			return -2;
		}
		b = nb;
		cap = ncap;
	}
	*buf = b;
	return 0;
}
