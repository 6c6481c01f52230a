/* idx.h - reading IDX files (the MNIST / Fashion-MNIST container), raw or
 * gzip-compressed, u8 only: magic 00 00 08 ndim, ndim big-endian u32 sizes,
 * then the data in C order. */
#ifndef GAN_IDX_H
#define GAN_IDX_H

#include <stddef.h>   /* err.h uses size_t */
#include "err.h"
#include "tensor.h"

/* Largest accepted data size in bytes (a sanity bound against bad headers). */
#define IDX_MAX_BYTES ((int64_t)1 << 34)

/* Reads an IDX file of type 0x08 (u8) with 1 <= ndim <= 4 into t: dtype
 * DT_U8, shape as in the file (e.g. N x 28 x 28 images, or N labels; no
 * channel dim is added). path "-" or NULL is stdin. Gzip is detected by its
 * magic. Truncated data and trailing bytes are errors. 0, or -1 with e
 * (t left empty). */
int idx_read_u8(const char *path, Tensor *t, Err *e);

#endif
