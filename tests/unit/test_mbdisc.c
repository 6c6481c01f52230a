/* test_mbdisc.c - minibatch discrimination: a forward value worked by hand,
 * the pass-through of the input features, and the backward for the input,
 * w and b against central finite differences. */
#include <stdint.h>
#include "mbdisc.h"
#include "check.h"

enum { NB = 6, F = 4, K = 3, D = 2 };

typedef struct {
	float in[NB * F], w[K * D * F], b[K * D], r[NB * (F + K)];
} MbCase;

/* sum(r * out) in double. */
static double mb_loss(void *ctx)
{
	MbCase *c = ctx;
	float out[NB * (F + K)], act[NB * K * D];
	mbdisc_forward(out, act, c->in, c->w, c->b, NB, F, K, D, NULL);
	double l = 0;
	for (int i = 0; i < NB * (F + K); i++)
		l += (double)c->r[i] * out[i];
	return l;
}

static float frand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((*s >> 40) / (double)(1 << 24)) * 2.0f - 1.0f;
}

/* n 2, f 1, k 1, d 1, w 1, b 0: c_i = 1 + exp(-|x0 - x1|). */
static void check_by_hand(void)
{
	float in[2] = {0.5f, -1.0f}, w = 1.0f, b = 0.0f, out[4], act[2];
	mbdisc_forward(out, act, in, &w, &b, 2, 1, 1, 1, NULL);
	float c = 1.0f + expf(-1.5f);
	CHECK(out[0] == 0.5f && out[2] == -1.0f);
	CHECK(fabsf(out[1] - c) < 1e-6f && fabsf(out[3] - c) < 1e-6f);
	/* d 2 with w = [1, 2]: distances |x0-x1| (1 + 2). */
	float w2[2] = {1.0f, 2.0f}, b2[2] = {0.1f, -0.2f}, act2[4];
	mbdisc_forward(out, act2, in, w2, b2, 2, 1, 1, 2, NULL);
	CHECK(fabsf(out[1] - (1.0f + expf(-4.5f))) < 1e-6f);
	CHECK(act2[0] == 0.6f && act2[1] == 0.8f);
}

static void run(void)
{
	check_by_hand();
	MbCase c;
	uint64_t s = 99;
	for (int i = 0; i < NB * F; i++)
		c.in[i] = frand(&s);
	for (int i = 0; i < K * D * F; i++)
		c.w[i] = 0.5f * frand(&s);
	for (int i = 0; i < K * D; i++)
		c.b[i] = 0.1f * frand(&s);
	for (int i = 0; i < NB * (F + K); i++)
		c.r[i] = frand(&s);
	float out[NB * (F + K)], act[NB * K * D], ws[NB * K * D];
	float din[NB * F], dw[K * D * F] = {0}, db[K * D] = {0};
	mbdisc_forward(out, act, c.in, c.w, c.b, NB, F, K, D, NULL);
	mbdisc_backward(din, dw, db, c.r, c.in, act, c.w, NB, F, K, D, ws, NULL);
	/* exp(-L1 distance) has kinks where a difference crosses 0; h = 1e-3 keeps
	 * steps from crossing them (measured 1.4e-4 against 5e-3). */
	CHECK_GRAD(mb_loss, &c, c.in, din, NB * F, 1e-3, 5e-3, "mbdisc din fd");
	CHECK_GRAD(mb_loss, &c, c.w, dw, K * D * F, 1e-3, 5e-3, "mbdisc dw fd");
	/* b shifts every row of M alike, so pairwise distances and the loss do
	 * not depend on it: db is zero up to rounding (as in gan-intro). */
	float zero[K * D] = {0};
	CHECK_CLOSE(db, zero, K * D, 1e-6, 0, "mbdisc db is zero");
	/* NULL skips; dw / db accumulate. */
	float dw2[K * D * F], db2[K * D];
	memcpy(dw2, dw, sizeof dw);
	memcpy(db2, db, sizeof db);
	mbdisc_backward(NULL, dw2, db2, c.r, c.in, act, c.w, NB, F, K, D, ws, NULL);
	for (int i = 0; i < K * D * F; i++)
		dw[i] *= 2;
	CHECK_CLOSE(dw2, dw, K * D * F, 1e-6, 1e-6, "mbdisc dw accumulates");
	float din2[NB * F];
	mbdisc_backward(din2, NULL, NULL, c.r, c.in, act, c.w, NB, F, K, D, ws, NULL);
	CHECK(memcmp(din, din2, sizeof din) == 0);
}

CHECK_MAIN("test_mbdisc")
