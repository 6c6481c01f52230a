/* test_rng.c - Philox4x32-10 against the Random123 known-answer vectors,
 * the statistics of uniforms and normals, the counter rule, bounded
 * integers, the shuffle and the "seed:counter" state round trip. */
#include <stdint.h>
#include <string.h>
#include "rng.h"
#include "check.h"

static void test_kat(void)
{
	static const uint32_t ctr[3][4] = {
		{ 0, 0, 0, 0 },
		{ 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu },
		{ 0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u },
	};
	static const uint32_t key[3][2] = {
		{ 0, 0 }, { 0xffffffffu, 0xffffffffu }, { 0xa4093822u, 0x299f31d0u },
	};
	static const uint32_t want[3][4] = {
		{ 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u },
		{ 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu },
		{ 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u },
	};
	for (int t = 0; t < 3; t++) {
		uint32_t out[4];
		philox4x32_raw(ctr[t], key[t], out);
		CHECK_MSG(memcmp(out, want[t], sizeof out) == 0,
			  "KAT %d: got %08x %08x %08x %08x", t, out[0], out[1], out[2], out[3]);
	}
	/* philox4x32(seed, ctr) is the raw function with the documented packing. */
	uint32_t a[4], b[4];
	uint32_t c4[4] = { 0x89abcdefu, 0x01234567u, 0, 0 }, k2[2] = { 0x9abcdef0u, 0x12345678u };
	philox4x32(0x123456789abcdef0ull, 0x0123456789abcdefull, a);
	philox4x32_raw(c4, k2, b);
	CHECK(memcmp(a, b, sizeof a) == 0);
	uint32_t z[4];
	philox4x32(0, 0, z);
	CHECK(z[0] == 0x6627e8d5u && z[3] == 0x9b00dbd8u);
}

static void test_uniform_stats(void)
{
	enum { N = 1000000 };
	float *x = malloc(N * sizeof *x);
	Rng r;
	rng_init(&r, 42);
	rng_uniform(&r, x, N);
	double s = 0, s2 = 0;
	int inside = 1;
	for (int i = 0; i < N; i++) {
		if (!(x[i] > 0 && x[i] < 1)) inside = 0;
		s += x[i];
		s2 += (double)x[i] * x[i];
	}
	double mean = s / N, var = s2 / N - mean * mean;
	CHECK(inside);
	CHECK_MSG(fabs(mean - 0.5) < 0.002, "uniform mean %g", mean);
	CHECK_MSG(fabs(var - 1.0 / 12) < 0.001, "uniform var %g", var);
	CHECK(r.counter == N / 4);
	free(x);
}

static void test_normal_stats(void)
{
	enum { N = 1000000 };
	float *x = malloc(N * sizeof *x);
	Rng r;
	rng_init(&r, 7);
	rng_normal(&r, x, N, 3.0f, 0.5f);
	double s = 0, s2 = 0;
	int finite = 1;
	for (int i = 0; i < N; i++) {
		if (!isfinite(x[i])) finite = 0;
		s += x[i];
		s2 += (double)x[i] * x[i];
	}
	double mean = s / N, sd = sqrt(s2 / N - mean * mean);
	CHECK(finite);
	CHECK_MSG(fabs(mean - 3.0) < 0.003, "normal mean %g", mean);
	CHECK_MSG(fabs(sd - 0.5) < 0.003, "normal std %g", sd);
	free(x);
}

/* Element i comes from block counter + i/4 word i%4; counter += ceil(n/4). */
static void test_counter_rule(void)
{
	Rng r;
	rng_init(&r, 99);
	r.counter = 5;
	float u[7];
	rng_uniform(&r, u, 7);
	CHECK(r.counter == 7);
	uint32_t b[4];
	philox4x32(99, 6, b);
	CHECK(u[5] == (float)(b[1] >> 8) * 0x1p-24f + 0x1p-25f);
	float v[1];
	rng_uniform(&r, v, 1);
	philox4x32(99, 7, b);
	CHECK(v[0] == (float)(b[0] >> 8) * 0x1p-24f + 0x1p-25f);
	CHECK(r.counter == 8);
	/* Normals: counter advances by ceil(n/4) and a split draw matches at
	 * block boundaries. */
	float n8[8], n4a[4], n4b[4];
	rng_init(&r, 3);
	rng_normal(&r, n8, 8, 0, 1);
	CHECK(r.counter == 2);
	rng_init(&r, 3);
	rng_normal(&r, n4a, 4, 0, 1);
	rng_normal(&r, n4b, 4, 0, 1);
	CHECK(memcmp(n8, n4a, sizeof n4a) == 0 && memcmp(n8 + 4, n4b, sizeof n4b) == 0);
	rng_init(&r, 3);
	rng_normal(&r, n4a, 3, 0, 1);
	CHECK(r.counter == 1);
	/* Box-Muller pair from words 0 and 1 of the first block. */
	philox4x32(3, 0, b);
	double u0 = (float)(b[0] >> 8) * 0x1p-24f + 0x1p-25f;
	double u1 = (float)(b[1] >> 8) * 0x1p-24f + 0x1p-25f;
	double z0 = sqrt(-2 * log(u0)) * cos(2 * M_PI * u1);
	CHECK(fabs(n8[0] - z0) < 1e-6);
}

static void test_below_and_shuffle(void)
{
	Rng r;
	rng_init(&r, 1);
	int counts[6] = { 0 };
	int ok = 1;
	for (int i = 0; i < 60000; i++) {
		uint32_t v = rng_below(&r, 6);
		if (v >= 6) { ok = 0; break; }
		counts[v]++;
	}
	CHECK(ok);
	for (int i = 0; i < 6; i++)
		CHECK_MSG(abs(counts[i] - 10000) < 500, "count[%d] = %d", i, counts[i]);
	CHECK(rng_below(&r, 1) == 0);
	uint32_t big = 0;
	for (int i = 0; i < 100; i++) {
		uint32_t v = rng_below(&r, 0xF0000000u);
		if (v >= 0xF0000000u) big = 1;
	}
	CHECK(!big);

	int64_t idx[100];
	for (int i = 0; i < 100; i++) idx[i] = i;
	rng_shuffle(&r, idx, 100);
	int seen[100] = { 0 }, moved = 0;
	for (int i = 0; i < 100; i++) {
		if (idx[i] >= 0 && idx[i] < 100) seen[idx[i]]++;
		if (idx[i] != i) moved++;
	}
	int perm = 1;
	for (int i = 0; i < 100; i++) if (seen[i] != 1) perm = 0;
	CHECK(perm);
	CHECK(moved > 50);
	rng_shuffle(&r, idx, 0);
	rng_shuffle(&r, idx, 1);
}

static void test_state(void)
{
	Rng r, s;
	char buf[64];
	rng_init(&r, 0xdeadbeefcafeull);
	float a[10], b[10];
	rng_uniform(&r, a, 10);
	rng_format(&r, buf, sizeof buf);
	CHECK_STR(buf, "244837814094590:3");
	rng_uniform(&r, a, 10);
	CHECK(rng_parse(&s, buf) == 0);
	CHECK(s.seed == 0xdeadbeefcafeull && s.counter == 3);
	rng_uniform(&s, b, 10);
	CHECK(memcmp(a, b, sizeof a) == 0);
	CHECK(rng_parse(&s, "18446744073709551615:18446744073709551615") == 0);
	CHECK(s.seed == UINT64_MAX && s.counter == UINT64_MAX);

	static const char *bad[] = {
		"", ":", "1", "1:", ":2", "1:2:3", "a:1", "1:b", "-1:2", "+1:2",
		" 1:2", "1:2 ", "1 :2", "1:2\n", "18446744073709551616:0",
		"0:99999999999999999999", "0x10:1", "1.5:2",
	};
	s.seed = 11;
	s.counter = 12;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK_MSG(rng_parse(&s, bad[i]) == -1, "accepted \"%s\"", bad[i]);
	CHECK(rng_parse(&s, NULL) == -1);
	CHECK(s.seed == 11 && s.counter == 12);
}

static void run(void)
{
	test_kat();
	test_uniform_stats();
	test_normal_stats();
	test_counter_rule();
	test_below_and_shuffle();
	test_state();
}

CHECK_MAIN("test_rng")
