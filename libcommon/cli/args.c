/* args.c - the strict conversions of args.h, on top of strtoll, strtoull
 * and strtod, which alone would accept leading space, a '+' and trailing
 * text. */
#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* 1 if s starts like a number strto* may read: no space, no '+'. */
static int clean_start(const char *s)
{
	return s && *s && *s != '+' && *s != ' ' && (*s < '\t' || *s > '\r');
}

int arg_int(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
	if (!clean_start(s))
		return -1;
	char *end;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (end == s || *end || errno || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

int arg_int32(const char *s, int lo, int hi, int *v)
{
	int64_t x;
	if (arg_int(s, lo, hi, &x))
		return -1;
	*v = (int)x;
	return 0;
}

int arg_u64(const char *s, uint64_t *v)
{
	if (!clean_start(s) || *s == '-')
		return -1;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (end == s || *end || errno)
		return -1;
	*v = x;
	return 0;
}

/* The number at the start of s into *v and its end into *end: finite and
 * in [lo, hi]. 0 or -1. */
static int num_prefix(const char *s, double lo, double hi, double *v, const char **end)
{
	if (!clean_start(s))
		return -1;
	char *e;
	errno = 0;
	double x = strtod(s, &e);
	if (e == s || errno == ERANGE || !isfinite(x) || x < lo || x > hi)
		return -1;
	*v = x;
	*end = e;
	return 0;
}

int arg_num(const char *s, double lo, double hi, double *v)
{
	const char *end;
	double x;
	if (num_prefix(s, lo, hi, &x, &end) || *end)
		return -1;
	*v = x;
	return 0;
}

int arg_range(const char *s, double *lo, double *hi)
{
	const char *end;
	double a, b;
	if (num_prefix(s, -HUGE_VAL, HUGE_VAL, &a, &end) || *end != ':' ||
	    arg_num(end + 1, -HUGE_VAL, HUGE_VAL, &b) || !(a < b))
		return -1;
	*lo = a;
	*hi = b;
	return 0;
}

int arg_list(const char *s, double *v, int max)
{
	int n = 0;
	for (;;) {
		const char *end;
		double x;
		if (n == max || num_prefix(s, -HUGE_VAL, HUGE_VAL, &x, &end))
			return -1;
		v[n++] = x;
		if (*end == '\0')
			return n;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

int arg_grid(const char *s, int max, int *rows, int *cols)
{
	const char *x = s ? strpbrk(s, "xX") : NULL;
	if (!x || (size_t)(x - s) >= 16)
		return -1;
	char r[16];
	memcpy(r, s, (size_t)(x - s));
	r[x - s] = '\0';
	int a, b;
	if (arg_int32(r, 1, max, &a) || arg_int32(x + 1, 1, max, &b))
		return -1;
	*rows = a;
	*cols = b;
	return 0;
}

int arg_choice(const char *s, const char *const *names)
{
	for (int i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}
