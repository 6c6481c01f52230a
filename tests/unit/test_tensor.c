/* test_tensor.c - dtype tables (sizes, .npy and safetensors names), sizes
 * with overflow checks, allocation and the one-line description. */
#include <stdint.h>
#include <string.h>
#include "tensor.h"
#include "check.h"

static void test_dtypes(void)
{
	static const size_t sizes[DT_COUNT] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8};
	for (int i = 0; i < DT_COUNT; i++) {
		DType t = DT_COUNT;
		CHECK(dtype_size((DType)i) == sizes[i]);
		CHECK(dtype_from_npy(dtype_npy((DType)i), &t) == 0 && t == (DType)i);
		t = DT_COUNT;
		CHECK(dtype_from_st(dtype_st((DType)i), &t) == 0 && t == (DType)i);
		CHECK(dtype_name((DType)i) != NULL);
	}
	CHECK_STR(dtype_npy(DT_U8), "|u1");
	CHECK_STR(dtype_npy(DT_F32), "<f4");
	CHECK_STR(dtype_st(DT_BOOL), "BOOL");
	CHECK_STR(dtype_name(DT_I64), "i64");
	CHECK(dtype_size(DT_COUNT) == 0 && dtype_npy(DT_COUNT) == NULL);
	DType t;
	CHECK(dtype_from_npy("u1", &t) == 0 && t == DT_U8);
	CHECK(dtype_from_npy("<i1", &t) == 0 && t == DT_I8);
	CHECK(dtype_from_npy("b1", &t) == 0 && t == DT_BOOL);
	CHECK(dtype_from_npy(">f4", &t) == -1);
	CHECK(dtype_from_npy("f4", &t) == -1);
	CHECK(dtype_from_npy("|O", &t) == -1);
	CHECK(dtype_from_npy("<f4 ", &t) == -1);
	CHECK(dtype_from_npy(NULL, &t) == -1);
	CHECK(dtype_from_st("BF16", &t) == -1);
	CHECK(dtype_from_st("f32", &t) == -1);
}

static void test_sizes(void)
{
	Err e = {0};
	Tensor t = {.dtype = DT_F32, .ndim = 3, .shape = {2, 3, 4}};
	CHECK(tensor_numel(&t) == 24);
	CHECK(tensor_nbytes(&t, &e) == 96);
	t.ndim = 0;
	CHECK(tensor_numel(&t) == 1 && tensor_nbytes(&t, &e) == 4);
	Tensor big = {.dtype = DT_F64, .ndim = 3, .shape = {1LL << 21, 1LL << 21, 1LL << 21}};
	CHECK(tensor_numel(&big) == -1);
	CHECK(tensor_nbytes(&big, &e) == -1 && e.code == EXIT_BAD);
	big.shape[2] = 1LL << 20;
	CHECK(tensor_numel(&big) == 1LL << 62);
	CHECK(tensor_nbytes(&big, &e) == -1);
	big.shape[1] = 0;
	CHECK(tensor_numel(&big) == 0);
	Tensor neg = {.dtype = DT_U8, .ndim = 2, .shape = {3, -1}};
	CHECK(tensor_numel(&neg) == -1);
	neg.ndim = 9;
	CHECK(tensor_numel(&neg) == -1);
}

static void test_alloc(void)
{
	Err e = {0};
	Tensor t;
	int64_t s[4] = {60000, 1, 28, 28};
	CHECK(tensor_alloc(&t, DT_U8, 4, s, &e) == 0);
	CHECK(t.data && ((uint8_t *)t.data)[60000 * 784 - 1] == 0 && !t.borrowed);
	char buf[64];
	CHECK_STR(tensor_describe(&t, buf, sizeof buf), "u8 60000x1x28x28");
	char tiny[6];
	CHECK_STR(tensor_describe(&t, tiny, sizeof tiny), "u8 60");
	tensor_free(&t);
	CHECK(t.data == NULL && t.ndim == 0);
	tensor_free(&t);
	CHECK(tensor_alloc(&t, DT_F32, 0, NULL, &e) == 0 && t.data);
	CHECK_STR(tensor_describe(&t, buf, sizeof buf), "f32 scalar");
	tensor_free(&t);
	int64_t z[2] = {0, 5};
	CHECK(tensor_alloc(&t, DT_F64, 2, z, &e) == 0 && t.data != NULL);
	tensor_free(&t);
	int64_t huge[3] = {1LL << 40, 1LL << 40, 1LL << 40};
	CHECK(tensor_alloc(&t, DT_F32, 3, huge, &e) == -1 && t.data == NULL);
	CHECK(tensor_alloc(&t, DT_COUNT, 1, z, &e) == -1);
	CHECK(tensor_alloc(&t, DT_F32, 9, huge, &e) == -1);
	float x[2] = {1, 2};
	Tensor b = {.dtype = DT_F32, .ndim = 1, .shape = {2}, .data = x, .borrowed = 1};
	tensor_free(&b);
	CHECK(x[1] == 2 && b.data == NULL);
}

static void run(void)
{
	test_dtypes();
	test_sizes();
	test_alloc();
}

CHECK_MAIN("test_tensor")
