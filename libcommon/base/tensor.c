/* tensor.c - dtypes (sizes, .npy and safetensors names) and the Tensor
 * helpers: overflow-checked sizes, allocation, description for messages. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tensor.h"
#include "memcheck.h"

typedef struct {
	size_t size;
	const char *npy, *st, *name;
} DTypeInfo;

static const DTypeInfo dtypes[DT_COUNT] = {
	[DT_BOOL] = {1, "|b1", "BOOL", "bool"},
	[DT_U8]   = {1, "|u1", "U8",   "u8"},
	[DT_I8]   = {1, "|i1", "I8",   "i8"},
	[DT_U16]  = {2, "<u2", "U16",  "u16"},
	[DT_I16]  = {2, "<i2", "I16",  "i16"},
	[DT_U32]  = {4, "<u4", "U32",  "u32"},
	[DT_I32]  = {4, "<i4", "I32",  "i32"},
	[DT_U64]  = {8, "<u8", "U64",  "u64"},
	[DT_I64]  = {8, "<i8", "I64",  "i64"},
	[DT_F16]  = {2, "<f2", "F16",  "f16"},
	[DT_F32]  = {4, "<f4", "F32",  "f32"},
	[DT_F64]  = {8, "<f8", "F64",  "f64"},
};

static int dtype_ok(DType t)
{
	return (int)t >= 0 && t < DT_COUNT;
}

size_t dtype_size(DType t) { return dtype_ok(t) ? dtypes[t].size : 0; }
const char *dtype_npy(DType t) { return dtype_ok(t) ? dtypes[t].npy : NULL; }
const char *dtype_st(DType t) { return dtype_ok(t) ? dtypes[t].st : NULL; }
const char *dtype_name(DType t) { return dtype_ok(t) ? dtypes[t].name : NULL; }

/* One-byte types have no byte order: "|u1", "u1" and "<u1" all mean u8. */
int dtype_from_npy(const char *descr, DType *t)
{
	if (!descr)
		return -1;
	for (int i = 0; i < DT_COUNT; i++) {
		const char *n = dtypes[i].npy;
		int match = strcmp(descr, n) == 0;
		if (!match && dtypes[i].size == 1)
			match = strcmp(descr, n + 1) == 0 ||
				(descr[0] == '<' && strcmp(descr + 1, n + 1) == 0);
		if (match) {
			*t = (DType)i;
			return 0;
		}
	}
	return -1;
}

int dtype_from_st(const char *name, DType *t)
{
	if (!name)
		return -1;
	for (int i = 0; i < DT_COUNT; i++)
		if (strcmp(name, dtypes[i].st) == 0) {
			*t = (DType)i;
			return 0;
		}
	return -1;
}

int64_t tensor_numel(const Tensor *t)
{
	if (t->ndim < 0 || t->ndim > TENSOR_MAXDIM)
		return -1;
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] < 0)
			return -1;
		else if (t->shape[i] == 0)
			return 0;
	int64_t n = 1;
	for (int i = 0; i < t->ndim; i++) {
		if (n > INT64_MAX / t->shape[i])
			return -1;
		n *= t->shape[i];
	}
	if ((uint64_t)n > SIZE_MAX)
		return -1;
	return n;
}

int64_t tensor_nbytes(const Tensor *t, Err *e)
{
	char buf[200];
	if (!dtype_ok(t->dtype))
		return err_set(e, EXIT_BAD, "unknown dtype %d", (int)t->dtype);
	int64_t n = tensor_numel(t);
	int64_t s = (int64_t)dtype_size(t->dtype);
	if (n < 0 || n > INT64_MAX / s || (uint64_t)(n * s) > SIZE_MAX)
		return err_set(e, EXIT_BAD, "tensor %s is too large or has a bad shape",
			       tensor_describe(t, buf, sizeof buf));
	return n * s;
}

int tensor_alloc(Tensor *t, DType dt, int ndim, const int64_t *shape, Err *e)
{
	memset(t, 0, sizeof *t);
	if (ndim < 0 || ndim > TENSOR_MAXDIM)
		return err_set(e, EXIT_BAD, "rank %d is out of range 0..%d", ndim, TENSOR_MAXDIM);
	t->dtype = dt;
	t->ndim = ndim;
	for (int i = 0; i < ndim; i++)
		t->shape[i] = shape[i];
	int64_t nb = tensor_nbytes(t, e);
	if (nb < 0) {
		memset(t, 0, sizeof *t);
		return -1;
	}
	char what[160], desc[128];
	snprintf(what, sizeof what, "a %s tensor", tensor_describe(t, desc, sizeof desc));
	if (mem_check((size_t)nb, what, NULL, e)) {
		memset(t, 0, sizeof *t);
		return -1;
	}
	t->data = calloc(nb ? (size_t)nb : 1, 1);
	if (!t->data) {
		memset(t, 0, sizeof *t);
		return err_set(e, EXIT_SYS, "out of memory (%lld bytes)", (long long)nb);
	}
	return 0;
}

void tensor_free(Tensor *t)
{
	if (!t)
		return;
	if (!t->borrowed)
		free(t->data);
	memset(t, 0, sizeof *t);
}

const char *tensor_describe(const Tensor *t, char *buf, size_t n)
{
	if (!buf || n == 0)
		return buf;
	const char *name = dtype_name(t->dtype);
	size_t k = (size_t)snprintf(buf, n, "%s", name ? name : "?");
	if (t->ndim == 0 && k < n)
		k += (size_t)snprintf(buf + k, n - k, " scalar");
	for (int i = 0; i < t->ndim && i < TENSOR_MAXDIM && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "x" : " ",
				      (long long)t->shape[i]);
	return buf;
}

int64_t f32_first_nonfinite(const float *p, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(p[i]))
			return i;
	return -1;
}
