/* st_write.h - writing safetensors files (the reader is safetensors.h):
 * tensors and metadata collected in a StWriter, checked against the format's
 * rules, then written in one pass. */
#ifndef GAN_ST_WRITE_H
#define GAN_ST_WRITE_H

#include <stdint.h>
#include <stdio.h>
#include "err.h"
#include "tensor.h"

/* Writer: collects borrowed tensors and metadata, then writes in the order
 * added (offsets contiguous, "__metadata__" first, header padded with spaces
 * to a multiple of 8). Names and values are copied. stw_add and stw_meta
 * never fail by themselves: bad names, shapes or a failed allocation are
 * reported by stw_write. */
typedef struct {
	int n, cap;
	char **names;
	Tensor *ts;               /* borrowed data pointers */
	int nmeta, metacap;
	char **meta_keys, **meta_vals;
	int oom;                  /* an allocation in stw_add/stw_meta failed */
} StWriter;

void stw_init(StWriter *w);
void stw_add(StWriter *w, const char *name, DType dt, int ndim,
	     const int64_t *shape, const void *data);
void stw_meta(StWriter *w, const char *key, const char *val);
/* Writes the checkpoint to f and flushes it. 0 or -1 with e. */
int stw_write(StWriter *w, FILE *f, const char *name, Err *e);
void stw_free(StWriter *w);

#endif
