/* infile.h - the input side of the tools' files: opening a named file or
 * stdin, and reads that loop over short reads or grow their buffer only as
 * data arrives (outfile.h is the output side). */
#ifndef GAN_INFILE_H
#define GAN_INFILE_H

#include <stdio.h>
#include "err.h"

/* Opens an input: path NULL or "-" is stdin. Refuses a terminal on stdin
 * when binary ("refusing to read binary data from a terminal"). A missing
 * file is "<path>: No such file or directory" (EXIT_BAD). Returns the FILE
 * or NULL with e set. */
FILE *infile_open(const char *path, int binary, Err *e);
void infile_close(FILE *f);
/* Name for messages: "<stdin>" for NULL or "-". */
const char *infile_name(const char *path);

/* Reads up to n bytes, looping over short reads; returns the count (fewer
 * than n at end of input or on a read error: see ferror). */
size_t io_read_full(FILE *f, void *buf, size_t n);

/* First buffer size of io_read_alloc; it then doubles. */
#define IO_FIRST_CHUNK ((size_t)64 << 20)

/* Reads n bytes from f into a malloc'd buffer grown as data arrives
 * (min(n, IO_FIRST_CHUNK) bytes first, then doubling up to n), so a size
 * declared by a header but not backed by data is never allocated in full.
 * 0: all n bytes read, *buf holds them (at least 1 byte allocated; the
 * caller frees). -1: fewer came (end of input, or a read error: ferror),
 * *got says how many. -2: out of memory. *buf is NULL unless 0. */
int io_read_alloc(FILE *f, size_t n, void **buf, size_t *got);

#endif
