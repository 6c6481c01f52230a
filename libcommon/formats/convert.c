/* convert.c - dtype and layout conversions on read (see convert.h): every
 * element read through dtype_elem (tstats.h), written to a new buffer. */
#include "convert.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tstats.h"

/* A buffer for n elements of dtype dt; NULL with e when out of memory. */
static void *new_data(DType dt, size_t n, Err *e)
{
	void *p = malloc(n ? n * dtype_size(dt) : 1);
	if (!p)
		err_set(e, EXIT_SYS, "out of memory (%zu bytes)", n * dtype_size(dt));
	return p;
}

static void swap_data(Tensor *t, DType dt, void *data)
{
	if (!t->borrowed)
		free(t->data);
	t->data = data;
	t->dtype = dt;
	t->borrowed = 0;
}

int convert_to_f32(Tensor *t, const char *name, Err *e)
{
	if (t->dtype == DT_F32)
		return 0;
	if (t->dtype == DT_BOOL)
		return err_set(e, EXIT_BAD, "%s: x: dtype bool, expected numbers", name);
	size_t n = (size_t)tensor_numel(t);
	float *out = new_data(DT_F32, n, e);
	if (!out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		double v = dtype_elem(t->dtype, t->data, i);
		if (isfinite(v) && fabs(v) > FLT_MAX) {
			free(out);
			return err_set(e, EXIT_BAD, "%s: x: %s value %g at index %zu is out of the "
				       "f32 range", name, dtype_name(t->dtype), v, i);
		}
		out[i] = (float)v;
	}
	swap_data(t, DT_F32, out);
	return 0;
}

int convert_to_images(Tensor *t, const char *name, Err *e)
{
	if (t->dtype == DT_U8 || t->dtype == DT_F32)
		return 0;
	if (dtype_is_float(t->dtype))
		return convert_to_f32(t, name, e);
	if (t->dtype == DT_BOOL)
		return err_set(e, EXIT_BAD, "%s: x: dtype bool, expected u8 or f32 images", name);
	size_t n = (size_t)tensor_numel(t);
	for (size_t i = 0; i < n; i++) {
		double v = dtype_elem(t->dtype, t->data, i);
		if (v < 0 || v > 255)
			return err_set(e, EXIT_BAD, "%s: x: %s images hold %.0f at index %zu, "
				       "expected pixels 0..255", name, dtype_name(t->dtype), v, i);
	}
	uint8_t *out = new_data(DT_U8, n, e);
	if (!out)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)dtype_elem(t->dtype, t->data, i);
	swap_data(t, DT_U8, out);
	return 0;
}

int convert_fortran_to_c(Tensor *t, Err *e)
{
	size_t n = (size_t)tensor_numel(t), es = dtype_size(t->dtype);
	if (t->ndim < 2 || n < 2)
		return 0;
	unsigned char *out = new_data(t->dtype, n, e);
	if (!out)
		return -1;
	int64_t idx[TENSOR_MAXDIM] = { 0 }, stride[TENSOR_MAXDIM];
	stride[0] = 1;                     /* Fortran strides, in elements */
	for (int d = 1; d < t->ndim; d++)
		stride[d] = stride[d - 1] * t->shape[d - 1];
	const unsigned char *in = t->data;
	size_t src = 0;
	for (size_t i = 0; i < n; i++) {   /* i walks C order; src follows */
		memcpy(out + i * es, in + src * es, es);
		for (int d = t->ndim - 1; d >= 0; d--) {
			src += (size_t)stride[d];
			if (++idx[d] < t->shape[d])
				break;
			src -= (size_t)(stride[d] * t->shape[d]);
			idx[d] = 0;
		}
	}
	swap_data(t, t->dtype, out);
	return 0;
}

int convert_images_to_nchw(Tensor *t, Err *e)
{
	if (t->ndim == 3) {
		t->shape[3] = t->shape[2];
		t->shape[2] = t->shape[1];
		t->shape[1] = 1;
		t->ndim = 4;
		return 1;
	}
	if (t->ndim != 4 || t->shape[1] == 1 || t->shape[1] == 3 ||
	    (t->shape[3] != 1 && t->shape[3] != 3))
		return 0;
	int64_t nn = t->shape[0], h = t->shape[1], w = t->shape[2], c = t->shape[3];
	size_t es = dtype_size(t->dtype), n = (size_t)tensor_numel(t);
	unsigned char *out = new_data(t->dtype, n, e);
	if (!out)
		return -1;
	const unsigned char *in = t->data;
	for (int64_t k = 0; k < nn; k++)
		for (int64_t y = 0; y < h; y++)
			for (int64_t x = 0; x < w; x++)
				for (int64_t ch = 0; ch < c; ch++)
					memcpy(out + ((((size_t)k * c + ch) * h + y) * w + x) * es,
					       in + ((((size_t)k * h + y) * w + x) * c + ch) * es, es);
	swap_data(t, t->dtype, out);
	t->shape[1] = c;
	t->shape[2] = h;
	t->shape[3] = w;
	return 1;
}
