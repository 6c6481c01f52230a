/* test_args.c - the strict argument conversions of cli/args.h: what each
 * accepts, and that nothing before or after the value passes (no space, no
 * '+', no trailing text), ranges and lists included. */
#include <math.h>
#include <stdint.h>

#include "args.h"
#include "check.h"

static void integers(void)
{
	int64_t v = 7;
	int i = 7;
	CHECK(arg_int("42", 1, 100, &v) == 0 && v == 42);
	CHECK(arg_int("-3", -5, 5, &v) == 0 && v == -3);
	CHECK(arg_int("0", 0, 0, &v) == 0 && v == 0);
	const char *bad[] = { "", " 5", "+5", "5 ", "5x", "x5", "1e3", "0x10", "5.0", "--5",
			      "99999999999999999999", NULL };
	for (int k = 0; bad[k]; k++) {
		v = 7;
		CHECK_MSG(arg_int(bad[k], -1000, 1000, &v) == -1 && v == 7, "'%s'", bad[k]);
	}
	CHECK(arg_int("101", 1, 100, &v) == -1 && arg_int("0", 1, 100, &v) == -1);
	CHECK(arg_int("9223372036854775807", 0, INT64_MAX, &v) == 0 && v == INT64_MAX);
	CHECK(arg_int32("2147483647", 0, 2147483647, &i) == 0 && i == 2147483647);
	CHECK(arg_int32("5000", 1, 4096, &i) == -1 && i == 2147483647);
	CHECK(arg_int(NULL, 0, 1, &v) == -1);
}

static void unsigned64(void)
{
	uint64_t u = 9;
	CHECK(arg_u64("18446744073709551615", &u) == 0 && u == UINT64_MAX);
	CHECK(arg_u64("0", &u) == 0 && u == 0);
	const char *bad[] = { "18446744073709551616", "-1", "+1", " 1", "1 ", "1.5", "", "x", NULL };
	for (int k = 0; bad[k]; k++) {
		u = 9;
		CHECK_MSG(arg_u64(bad[k], &u) == -1 && u == 9, "'%s'", bad[k]);
	}
}

static void reals(void)
{
	double d = 7;
	CHECK(arg_num("0.05", 0, 1, &d) == 0 && d == 0.05);
	CHECK(arg_num("-2", -10, 10, &d) == 0 && d == -2);
	CHECK(arg_num("1e-3", 0, 1, &d) == 0 && d == 1e-3);
	const char *bad[] = { "", " 1", "+1", "1 ", "1e", "1e-3x", "nan", "inf", "-inf", "1e999",
			      "3e38x", ".", NULL };
	for (int k = 0; bad[k]; k++) {
		d = 7;
		CHECK_MSG(arg_num(bad[k], -1e300, 1e300, &d) == -1 && d == 7, "'%s'", bad[k]);
	}
	CHECK(arg_num("2", 0, 1, &d) == -1 && arg_num("-0.5", 0, 1, &d) == -1);
}

static void ranges(void)
{
	double lo = 7, hi = 7;
	CHECK(arg_range("-8:8", &lo, &hi) == 0 && lo == -8 && hi == 8);
	CHECK(arg_range("0.5:1e1", &lo, &hi) == 0 && lo == 0.5 && hi == 10);
	const char *bad[] = { "1:2x", "1:2:3", "3:1", "1:1", "1", ":2", "1:", " 1:2", "1 :2",
			      "1: 2", "nan:1", "1:inf", "", NULL };
	for (int k = 0; bad[k]; k++) {
		lo = hi = 7;
		CHECK_MSG(arg_range(bad[k], &lo, &hi) == -1 && lo == 7 && hi == 7, "'%s'", bad[k]);
	}
}

static void lists(void)
{
	double v[4] = { 0 };
	CHECK(arg_list("1,2.5,-3", v, 4) == 3 && v[0] == 1 && v[1] == 2.5 && v[2] == -3);
	CHECK(arg_list("7", v, 4) == 1 && v[0] == 7);
	const char *bad[] = { "", ",", "1,", ",1", "1,,2", "1, 2", "1 ,2", "1,x", "1,2,3,4,5",
			      "1;2", "1,nan", NULL };
	for (int k = 0; bad[k]; k++)
		CHECK_MSG(arg_list(bad[k], v, 4) == -1, "'%s'", bad[k]);
}

static void grids(void)
{
	int r = 0, c = 0;
	CHECK(arg_grid("5x5", 1000, &r, &c) == 0 && r == 5 && c == 5);
	CHECK(arg_grid("2X10", 1000, &r, &c) == 0 && r == 2 && c == 10);
	const char *bad[] = { "5by5", "5x", "x5", "5x5x", "0x5", "5x0", "1001x1", " 5x5", "5x5 ",
			      "+5x5", "5x+5", "", "55555555555555555x1", NULL };
	for (int k = 0; bad[k]; k++)
		CHECK_MSG(arg_grid(bad[k], 1000, &r, &c) == -1, "'%s'", bad[k]);
	const char *names[] = { "step", "epoch", NULL };
	CHECK(arg_choice("epoch", names) == 1 && arg_choice("Epoch", names) == -1 &&
	      arg_choice("", names) == -1);
}

static void run(void)
{
	integers();
	unsigned64();
	reals();
	ranges();
	lists();
	grids();
}

CHECK_MAIN("test_args")
