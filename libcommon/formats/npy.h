/* npy.h - NumPy .npy records, one at a time, from files and pipes.
 * A stream is records back to back (`cat a.npy b.npy`). Version 1.0 is
 * written; 1.0, 2.0 and 3.0 are read. Every header is validated strictly. */
#ifndef GAN_NPY_H
#define GAN_NPY_H

#include <stdio.h>
#include "tensor.h"

#define NPY_MAX_HEADER 10000

/* Reads the next record from f into t (allocating its data), in C order:
 * a record stored in Fortran order (fortran_order: True) is reordered.
 * name is the file name used in messages ("-" or "<stdin>" for stdin).
 * Returns 1 on a record, 0 at a clean end of stream (EOF exactly at a record
 * boundary), -1 on error (truncation, bad magic, bad header, ...) with e set.
 * Messages look like "x.npy: record 2: header: missing key 'descr'"; the
 * full list is at the top of npy.c. t is empty (data NULL) unless 1. */
int npy_read(FILE *f, const char *name, int index, Tensor *t, Err *e);

/* Opens path (NULL or "-": stdin, refused when a terminal) and reads its
 * first record into t. An empty stream is an error: "NAME: empty stream (no
 * record)". 0, or -1 with e. */
int npy_read_first(const char *path, Tensor *t, Err *e);

/* Reads only the header of the next record (shape and dtype, data NULL);
 * returns 1, 0 or -1 as npy_read. The data is read afterwards by
 * npy_read_data in one or more chunks (0, or -1 "truncated data ..."). */
int npy_read_header(FILE *f, const char *name, int index, Tensor *t, Err *e);
/* npy_read_header that also tells the data's order: *fortran = 1 when the
 * record is stored in Fortran (column-major) order, else 0. npy_read_header
 * accepts both orders; a caller that reads the data itself and cares about
 * the order uses this one. */
int npy_read_header_order(FILE *f, const char *name, int index, Tensor *t, int *fortran,
			  Err *e);
int npy_read_data(FILE *f, const char *name, int index, void *buf, size_t nbytes, Err *e);
/* The same for one chunk of nbytes at byte done of a record whose data is
 * total bytes, so truncation names the record's size: "truncated data
 * (expected TOTAL bytes, got DONE + what came)". */
int npy_read_part(FILE *f, const char *name, int index, void *buf, size_t nbytes,
		  size_t done, size_t total, Err *e);

/* Writes one format 1.0 record. name is used in messages. 0 or -1. */
int npy_write(FILE *f, const char *name, const Tensor *t, Err *e);
/* Writes only the header of a record of this dtype and shape; the caller
 * then writes exactly the data bytes (streaming writers). 0 or -1. */
int npy_write_header(FILE *f, const char *name, DType dt, int ndim,
		     const int64_t *shape, Err *e);
/* Writes a record from raw parts (no Tensor needed). */
int npy_write_raw(FILE *f, const char *name, DType dt, int ndim,
		  const int64_t *shape, const void *data, Err *e);

#endif
