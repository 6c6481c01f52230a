/* tstats.c - min, max, mean and standard deviation of tensor data of any
 * dtype, accumulated in double with Welford's update (stable for large n). */
#include "tstats.h"

#include <math.h>
#include <string.h>

void tstats_init(TStats *s)
{
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
}

int dtype_is_float(DType dt)
{
	return dt == DT_F16 || dt == DT_F32 || dt == DT_F64;
}

/* IEEE half to double, subnormals, infinities and NaN included. */
static double half_to_double(uint16_t h)
{
	int sign = h >> 15, ex = (h >> 10) & 0x1f, man = h & 0x3ff;
	double v;
	if (ex == 0)
		v = ldexp(man, -24);
	else if (ex == 31)
		v = man ? NAN : INFINITY;
	else
		v = ldexp(man + 1024, ex - 25);
	return sign ? -v : v;
}

double dtype_elem(DType dt, const void *data, size_t i)
{
	const unsigned char *p = data;
	switch (dt) {
	case DT_BOOL: return p[i] != 0;
	case DT_U8: return p[i];
	case DT_I8: return (int8_t)p[i];
#define LOAD(T) do { T v_; memcpy(&v_, p + i * sizeof(T), sizeof(T)); return (double)v_; } while (0)
	case DT_U16: LOAD(uint16_t);
	case DT_I16: LOAD(int16_t);
	case DT_U32: LOAD(uint32_t);
	case DT_I32: LOAD(int32_t);
	case DT_U64: LOAD(uint64_t);
	case DT_I64: LOAD(int64_t);
	case DT_F32: LOAD(float);
	case DT_F64: LOAD(double);
#undef LOAD
	case DT_F16: {
		uint16_t h;
		memcpy(&h, p + i * 2, 2);
		return half_to_double(h);
	}
	default: return NAN;
	}
}

void tstats_add(TStats *s, DType dt, const void *data, size_t count)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < count; i++) {
		double v = dtype_elem(dt, p, i);
		if (!isfinite(v)) {
			s->nonfinite++;
			continue;
		}
		s->n++;
		if (v < s->min)
			s->min = v;
		if (v > s->max)
			s->max = v;
		double d = v - s->mean;
		s->mean += d / (double)s->n;
		s->m2 += d * (v - s->mean);
	}
}

double tstats_std(const TStats *s)
{
	return s->n > 0 ? sqrt(s->m2 / (double)s->n) : 0.0;
}
