/* rng.c - Philox4x32-10 exactly as Random123 and cuRAND compute it, with
 * uniform floats, Box-Muller normals, unbiased bounded integers and a
 * Fisher-Yates shuffle on top. The state is only (seed, counter). */
#include "rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox_round(uint32_t c[4], const uint32_t k[2])
{
	uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
	uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
	uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
	uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
	uint32_t n0 = hi1 ^ c[1] ^ k[0];
	uint32_t n2 = hi0 ^ c[3] ^ k[1];
	c[0] = n0;
	c[1] = lo1;
	c[2] = n2;
	c[3] = lo0;
}

void philox4x32_raw(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
	uint32_t c[4] = { ctr[0], ctr[1], ctr[2], ctr[3] };
	uint32_t k[2] = { key[0], key[1] };
	for (int i = 0; i < 10; i++) {
		if (i > 0) {
			k[0] += PHILOX_W0;
			k[1] += PHILOX_W1;
		}
		philox_round(c, k);
	}
	for (int i = 0; i < 4; i++)
		out[i] = c[i];
}

void philox4x32(uint64_t seed, uint64_t ctr, uint32_t out[4])
{
	uint32_t c[4] = { (uint32_t)ctr, (uint32_t)(ctr >> 32), 0, 0 };
	uint32_t k[2] = { (uint32_t)seed, (uint32_t)(seed >> 32) };
	philox4x32_raw(c, k, out);
}

void rng_init(Rng *r, uint64_t seed)
{
	r->seed = seed;
	r->counter = 0;
}

/* 24 random bits centred in their bucket: exactly representable, in (0, 1). */
static float u32_to_unit(uint32_t u)
{
	return (float)(u >> 8) * 0x1p-24f + 0x1p-25f;
}

void rng_uniform(Rng *r, float *out, size_t n)
{
	uint32_t b[4];
	for (size_t i = 0; i < n; i += 4) {
		philox4x32(r->seed, r->counter++, b);
		for (size_t j = 0; j < 4 && i + j < n; j++)
			out[i + j] = u32_to_unit(b[j]);
	}
}

/* Box-Muller in double on the float uniforms, rounded to float once at the
 * end: out = (float)(mean + std * z). cuRAND's curand_normal4 uses float
 * maths, so GPU values may differ from these in the last bits. */
void rng_normal(Rng *r, float *out, size_t n, float mean, float std)
{
	const double two_pi = 6.283185307179586476925286766559;
	uint32_t b[4];
	double z[4];
	for (size_t i = 0; i < n; i += 4) {
		philox4x32(r->seed, r->counter++, b);
		for (int p = 0; p < 2; p++) {
			double u0 = u32_to_unit(b[2 * p]);
			double u1 = u32_to_unit(b[2 * p + 1]);
			double rad = sqrt(-2.0 * log(u0));
			z[2 * p] = rad * cos(two_pi * u1);
			z[2 * p + 1] = rad * sin(two_pi * u1);
		}
		for (size_t j = 0; j < 4 && i + j < n; j++)
			out[i + j] = (float)((double)mean + (double)std * z[j]);
	}
}

/* Lemire's multiply-and-reject on the four words of each block, drawing
 * further blocks only when all four are rejected (rare). n == 0 gives 0. */
uint32_t rng_below(Rng *r, uint32_t n)
{
	if (n == 0)
		return 0;
	uint32_t thresh = (uint32_t)(-n) % n;
	uint32_t b[4];
	for (;;) {
		philox4x32(r->seed, r->counter++, b);
		for (int j = 0; j < 4; j++) {
			uint64_t m = (uint64_t)b[j] * n;
			if ((uint32_t)m >= thresh)
				return (uint32_t)(m >> 32);
		}
	}
}

/* Same for 64-bit bounds: words (0,1) and (2,3) of a block as u64s, by
 * rejection below the largest multiple of n. */
static uint64_t rng_below64(Rng *r, uint64_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint32_t b[4];
	for (;;) {
		philox4x32(r->seed, r->counter++, b);
		for (int j = 0; j < 4; j += 2) {
			uint64_t x = (uint64_t)b[j] | (uint64_t)b[j + 1] << 32;
			if (x < limit)
				return x % n;
		}
	}
}

/* For i = n-1 down to 1: swap idx[i] with idx[j], j uniform in [0, i]. */
void rng_shuffle(Rng *r, int64_t *idx, int64_t n)
{
	for (int64_t i = n - 1; i > 0; i--) {
		uint64_t span = (uint64_t)i + 1;
		int64_t j = span <= UINT32_MAX ? (int64_t)rng_below(r, (uint32_t)span)
					       : (int64_t)rng_below64(r, span);
		int64_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
}

void rng_format(const Rng *r, char *buf, size_t n)
{
	snprintf(buf, n, "%" PRIu64 ":%" PRIu64, r->seed, r->counter);
}

/* Strict decimal u64: one or more digits, no sign or space, no overflow.
 * Returns the char after the number, or NULL. */
static const char *parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return NULL;
		x = x * 10 + d;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

int rng_parse(Rng *r, const char *s)
{
	uint64_t seed, ctr;
	if (!s)
		return -1;
	const char *p = parse_u64(s, &seed);
	if (!p || *p != ':')
		return -1;
	p = parse_u64(p + 1, &ctr);
	if (!p || *p != '\0')
		return -1;
	r->seed = seed;
	r->counter = ctr;
	return 0;
}
