/* test_convert.c - conversions on read: dtypes to f32 and to u8 images,
 * Fortran to C order, channels-last images to NCHW, and their refusals. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "convert.h"
#include "check.h"

static Tensor make(DType dt, int ndim, const int64_t *shape, const void *data)
{
	Tensor t;
	Err e;
	tensor_alloc(&t, dt, ndim, shape, &e);
	memcpy(t.data, data, (size_t)tensor_numel(&t) * dtype_size(dt));
	return t;
}

static void test_to_f32(void)
{
	Err e;
	double d[] = { 0.5, -2, 1e30 };
	Tensor t = make(DT_F64, 1, (int64_t[]){ 3 }, d);
	CHECK(convert_to_f32(&t, "x.npy", &e) == 0 && t.dtype == DT_F32);
	const float *f = t.data;
	CHECK(f[0] == 0.5f && f[1] == -2 && f[2] == 1e30f);
	tensor_free(&t);
	int64_t i[] = { -3, 7 };
	t = make(DT_I64, 2, (int64_t[]){ 1, 2 }, i);
	CHECK(convert_to_f32(&t, "x.npy", &e) == 0 && ((float *)t.data)[0] == -3 &&
	      ((float *)t.data)[1] == 7);
	tensor_free(&t);
	double big[] = { 1, 1e300 };
	t = make(DT_F64, 1, (int64_t[]){ 2 }, big);
	CHECK(convert_to_f32(&t, "x.npy", &e) == -1 && e.code == EXIT_BAD);
	CHECK_STR(e.msg, "x.npy: x: f64 value 1e+300 at index 1 is out of the f32 range");
	CHECK(t.dtype == DT_F64);
	tensor_free(&t);
	uint8_t b[] = { 1 };
	t = make(DT_BOOL, 1, (int64_t[]){ 1 }, b);
	CHECK(convert_to_f32(&t, "x.npy", &e) == -1);
	CHECK_STR(e.msg, "x.npy: x: dtype bool, expected numbers");
	tensor_free(&t);
}

static void test_to_images(void)
{
	Err e;
	int32_t px[] = { 0, 255, 17, 3 };
	Tensor t = make(DT_I32, 4, (int64_t[]){ 1, 1, 2, 2 }, px);
	CHECK(convert_to_images(&t, "x.npy", &e) == 0 && t.dtype == DT_U8);
	const uint8_t *u = t.data;
	CHECK(u[0] == 0 && u[1] == 255 && u[2] == 17 && u[3] == 3);
	tensor_free(&t);
	int16_t bad[] = { 0, 300 };
	t = make(DT_I16, 4, (int64_t[]){ 1, 1, 1, 2 }, bad);
	CHECK(convert_to_images(&t, "x.npy", &e) == -1);
	CHECK_STR(e.msg, "x.npy: x: i16 images hold 300 at index 1, expected pixels 0..255");
	tensor_free(&t);
}

static void test_fortran(void)
{
	Err e;
	/* a (2, 3, 4) array whose C-order element k is k, stored column-major */
	int16_t f[24];
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				f[i + 2 * (j + 3 * k)] = (int16_t)(i * 12 + j * 4 + k);
	Tensor t = make(DT_I16, 3, (int64_t[]){ 2, 3, 4 }, f);
	CHECK(convert_fortran_to_c(&t, &e) == 0);
	int ok = 1;
	for (int k = 0; k < 24; k++)
		ok &= ((int16_t *)t.data)[k] == k;
	CHECK(ok);
	tensor_free(&t);
}

static void test_nhwc(void)
{
	Err e;
	/* 2 images of 2x3 pixels, 3 channels: value = n*100 + c*10 + y*3 + x */
	float v[36];
	for (int n = 0; n < 2; n++)
		for (int y = 0; y < 2; y++)
			for (int x = 0; x < 3; x++)
				for (int c = 0; c < 3; c++)
					v[((n * 2 + y) * 3 + x) * 3 + c] = (float)(n * 100 + c * 10 + y * 3 + x);
	Tensor t = make(DT_F32, 4, (int64_t[]){ 2, 2, 3, 3 }, v);
	CHECK(convert_images_to_nchw(&t, &e) == 1);
	CHECK(t.shape[0] == 2 && t.shape[1] == 3 && t.shape[2] == 2 && t.shape[3] == 3);
	int ok = 1;
	for (int k = 0; k < 36; k++) {
		int n = k / 18, c = k / 6 % 3, y = k / 3 % 2, x = k % 3;
		ok &= ((float *)t.data)[k] == (float)(n * 100 + c * 10 + y * 3 + x);
	}
	CHECK(ok);
	CHECK(convert_images_to_nchw(&t, &e) == 0);   /* NCHW stays */
	tensor_free(&t);
	uint8_t g[8] = { 0 };
	t = make(DT_U8, 3, (int64_t[]){ 2, 2, 2 }, g);
	CHECK(convert_images_to_nchw(&t, &e) == 1 && t.ndim == 4 && t.shape[1] == 1 &&
	      t.shape[2] == 2 && t.shape[3] == 2);
	tensor_free(&t);
}

static void run(void)
{
	test_to_f32();
	test_to_images();
	test_fortran();
	test_nhwc();
}

CHECK_MAIN("test_convert")
