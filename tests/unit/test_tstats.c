/* test_tstats.c - tensor summary statistics: min, max, mean and standard
 * deviation for integer, float and half data, non-finite values counted. */
#include <math.h>
#include <stdint.h>
#include "tstats.h"
#include "check.h"

static void test_float(void)
{
	float v[] = { 1, 2, 3, 4, NAN, INFINITY };
	TStats s;
	tstats_init(&s);
	tstats_add(&s, DT_F32, v, 3);
	tstats_add(&s, DT_F32, v + 3, 3);   /* in two chunks */
	CHECK(s.n == 4 && s.nonfinite == 2);
	CHECK(s.min == 1 && s.max == 4);
	CHECK(fabs(s.mean - 2.5) < 1e-12);
	CHECK(fabs(tstats_std(&s) - sqrt(1.25)) < 1e-12);
}

static void test_ints(void)
{
	int64_t a[] = { -5, 0, 7 };
	uint8_t b[] = { 0, 255, 128 };
	int8_t c[] = { -128, 127 };
	TStats s;
	tstats_init(&s);
	tstats_add(&s, DT_I64, a, 3);
	CHECK(s.min == -5 && s.max == 7 && s.nonfinite == 0);
	tstats_init(&s);
	tstats_add(&s, DT_U8, b, 3);
	CHECK(s.min == 0 && s.max == 255 && fabs(s.mean - 383.0 / 3) < 1e-9);
	tstats_init(&s);
	tstats_add(&s, DT_I8, c, 2);
	CHECK(s.min == -128 && s.max == 127);
	CHECK(dtype_is_float(DT_F16) && !dtype_is_float(DT_I64));
}

static void test_half(void)
{
	/* 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal), NaN */
	uint16_t h[] = { 0x3c00, 0xc000, 0x7bff, 0x0001, 0x7e00 };
	TStats s;
	tstats_init(&s);
	tstats_add(&s, DT_F16, h, 5);
	CHECK(s.n == 4 && s.nonfinite == 1);
	CHECK(s.min == -2.0 && s.max == 65504.0);
	tstats_init(&s);
	tstats_add(&s, DT_F16, h + 3, 1);
	CHECK(s.min == ldexp(1, -24));
}

static void test_empty(void)
{
	TStats s;
	tstats_init(&s);
	CHECK(s.n == 0 && tstats_std(&s) == 0);
}

static void run(void)
{
	test_float();
	test_ints();
	test_half();
	test_empty();
}

CHECK_MAIN("test_tstats")
