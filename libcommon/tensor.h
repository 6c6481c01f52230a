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

size_t dtype_size(DType t);
const char *dtype_npy(DType t);     /* "|u1", "<f4", ... */
const char *dtype_st(DType t);      /* safetensors name: "U8", "F32", ... */
int dtype_from_npy(const char *descr, DType *t);  /* 0 ok, -1 unknown */
int dtype_from_st(const char *name, DType *t);

/* Number of elements; -1 if the product overflows int64 / size_t limits. */
int64_t tensor_numel(const Tensor *t);
/* Byte size; sets e and returns -1 on overflow. */
int64_t tensor_nbytes(const Tensor *t, Err *e);

/* Allocates zeroed data for the given dtype and shape; -1 with e on failure. */
int tensor_alloc(Tensor *t, DType dt, int ndim, const int64_t *shape, Err *e);
void tensor_free(Tensor *t);
/* "u8 60000x1x28x28" into buf. */
const char *tensor_describe(const Tensor *t, char *buf, size_t n);

#endif
