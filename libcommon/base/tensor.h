/* tensor.h - a typed, shaped block of host memory: what .npy records and
 * safetensors entries hold. Data is C order, little-endian. */
#ifndef GAN_TENSOR_H
#define GAN_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define TENSOR_MAXDIM 8

typedef enum {
	DT_BOOL, DT_U8, DT_I8, DT_U16, DT_I16, DT_U32, DT_I32,
	DT_U64, DT_I64, DT_F16, DT_F32, DT_F64, DT_COUNT
} DType;

typedef struct {
	DType dtype;
	int ndim;                       /* 0 .. TENSOR_MAXDIM */
	int64_t shape[TENSOR_MAXDIM];
	void *data;                     /* owned unless `borrowed` */
	int borrowed;
} Tensor;

/* For a DType outside 0 .. DT_COUNT-1: size 0 and names NULL. */
size_t dtype_size(DType t);
const char *dtype_npy(DType t);     /* "|u1", "<f4", ... */
const char *dtype_st(DType t);      /* safetensors name: "U8", "F32", ... */
const char *dtype_name(DType t);    /* short name: "u8", "f32", "bool" */
/* Accepts what numpy writes ("|u1", "<f4", "|b1"), and for one-byte types
 * also "u1" and "<u1". Big-endian, "|O", structured: -1. */
int dtype_from_npy(const char *descr, DType *t);  /* 0 ok, -1 unknown */
int dtype_from_st(const char *name, DType *t);

/* Number of elements (1 for rank 0, 0 when any dim is 0); -1 if ndim is
 * out of range, a dim is negative, or the product overflows int64 / size_t. */
int64_t tensor_numel(const Tensor *t);
/* Byte size; sets e (EXIT_BAD) and returns -1 on a bad shape or overflow. */
int64_t tensor_nbytes(const Tensor *t, Err *e);

/* Allocates zeroed data for the given dtype and shape (shape may be NULL
 * when ndim is 0); data is never NULL, even for 0 elements. -1 with e on a
 * bad dtype or shape (EXIT_BAD) or no memory (EXIT_SYS); t is then empty. */
int tensor_alloc(Tensor *t, DType dt, int ndim, const int64_t *shape, Err *e);
/* Frees owned data (not borrowed) and empties t; safe on an empty tensor. */
void tensor_free(Tensor *t);
/* "u8 60000x1x28x28" ("f32 scalar" for rank 0) into buf; returns buf. */
const char *tensor_describe(const Tensor *t, char *buf, size_t n);

/* Index of the first NaN or infinity among p[0..n), or -1 when all are
 * finite. */
int64_t f32_first_nonfinite(const float *p, int64_t n);

#endif
