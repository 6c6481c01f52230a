/* test_batchnorm.c - batch norm against PyTorch 1.13 golden values (train
 * forward/backward, running statistics, eval) and central finite differences
 * for the input, gamma and beta in 1d and 2d layouts; shapes of many channels
 * (blocks of them) against the formulas in double, on one and two threads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "activation.h"
#include "batchnorm.h"
#include "gemm.h"
#define FIX_BATCHNORM
#include "../fixtures/layers_misc.h"
#include "check.h"
#include "blocked.h"

#define MAXN 64

/* Uniform in [-1, 1) from a 64-bit LCG; *s is the state. */
static float frand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((*s >> 40) / (double)(1 << 24)) * 2.0f - 1.0f;
}

typedef struct {
	BnShape s;
	float x[MAXN], gamma[8], beta[8], r[MAXN];
} BnCase;

/* sum(r * bn_train(x)), in double. */
static double bn_loss(void *ctx)
{
	BnCase *c = ctx;
	float out[MAXN], mean[8], rstd[8];
	batchnorm_forward_train(out, mean, rstd, NULL, NULL, c->x, c->gamma,
				c->beta, &c->s);
	double l = 0;
	for (int i = 0; i < c->s.n * c->s.c * c->s.hw; i++)
		l += (double)c->r[i] * out[i];
	return l;
}

static void check_fd(int n, int ch, int hw, const char *label)
{
	BnCase c = { .s = { n, ch, hw, 1e-5f, 0.1f } };
	uint64_t seed = 42;
	int tot = n * ch * hw;
	for (int i = 0; i < tot; i++) {
		c.x[i] = 2.0f * frand(&seed) + 0.5f;
		c.r[i] = frand(&seed);
	}
	for (int i = 0; i < ch; i++) {
		c.gamma[i] = 1.0f + frand(&seed);
		c.beta[i] = frand(&seed);
	}
	float out[MAXN], mean[8], rstd[8], din[MAXN], dg[8] = {0}, db[8] = {0};
	batchnorm_forward_train(out, mean, rstd, NULL, NULL, c.x, c.gamma, c.beta, &c.s);
	batchnorm_backward(din, dg, db, c.r, NULL, c.x, mean, rstd, c.gamma, &c.s);
	char buf[64];
	/* Bounds (check.h): dx goes through the batch mean and variance, whose
	 * curvature gives a truncation error ~h^2 = 1e-4 (measured 2.5e-5); the
	 * loss is linear in beta and gamma given x, so 1e-3 is rounding room. */
	snprintf(buf, sizeof buf, "%s dx", label);
	CHECK_GRAD(bn_loss, &c, c.x, din, (size_t)tot, 1e-2, 1e-2, buf);
	snprintf(buf, sizeof buf, "%s dgamma", label);
	CHECK_GRAD(bn_loss, &c, c.gamma, dg, (size_t)ch, 1e-2, 1e-3, buf);
	snprintf(buf, sizeof buf, "%s dbeta", label);
	CHECK_GRAD(bn_loss, &c, c.beta, db, (size_t)ch, 1e-2, 1e-3, buf);
}

static void check_golden(void)
{
	BnShape s = { 2, 3, 4, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	float out[24], mean[3], rstd[3], din[24], dg[3] = {0}, db[3] = {0};
	float rm[3], rv[3], ev[24];
	memcpy(rm, bn_rm0, sizeof rm);
	memcpy(rv, bn_rv0, sizeof rv);
	batchnorm_forward_train(out, mean, rstd, rm, rv, bn_x, bn_gamma, bn_beta, &s);
	CHECK_CLOSE(out, bn_y, 24, 1e-6, 1e-6, "bn2d train forward vs torch");
	CHECK_CLOSE(rm, bn_rm1, 3, 1e-6, 1e-6, "bn2d running_mean vs torch");
	CHECK_CLOSE(rv, bn_rv1, 3, 1e-6, 1e-6, "bn2d running_var vs torch");
	batchnorm_backward(din, dg, db, bn_dy, NULL, bn_x, mean, rstd, bn_gamma, &s);
	CHECK_CLOSE(din, bn_dx, 24, 1e-6, 1e-5, "bn2d dx vs torch");
	CHECK_CLOSE(dg, bn_dgamma, 3, 1e-6, 1e-5, "bn2d dgamma vs torch");
	CHECK_CLOSE(db, bn_dbeta, 3, 1e-6, 1e-5, "bn2d dbeta vs torch");
	batchnorm_forward_eval(ev, bn_x, bn_gamma, bn_beta, rm, rv, &s);
	CHECK_CLOSE(ev, bn_y_eval, 24, 1e-6, 1e-6, "bn2d eval forward vs torch");
	/* Backward accumulates into dgamma / dbeta. */
	batchnorm_backward(din, dg, db, bn_dy, NULL, bn_x, mean, rstd, bn_gamma, &s);
	float dg2[3], db2[3];
	for (int i = 0; i < 3; i++) {
		dg2[i] = 2 * bn_dgamma[i];
		db2[i] = 2 * bn_dbeta[i];
	}
	CHECK_CLOSE(dg, dg2, 3, 1e-6, 1e-5, "bn dgamma accumulates");
	CHECK_CLOSE(db, db2, 3, 1e-6, 1e-5, "bn dbeta accumulates");
}

/* 1d running statistics by hand: x = 1, 2, 3, 6 in one channel. */
static void check_running_1d(void)
{
	BnShape s = { 4, 1, 1, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	float x[4] = {1, 2, 3, 6}, out[4], mean, rstd, rm = 0.5f, rv = 2.0f;
	batchnorm_forward_train(out, &mean, &rstd, &rm, &rv, x, NULL, NULL, &s);
	CHECK(fabsf(mean - 3.0f) < 1e-6f);
	CHECK(fabsf(rstd - (float)(1 / sqrt(3.5 + 1e-5))) < 1e-6f);
	CHECK(fabsf(rm - (0.9f * 0.5f + 0.1f * 3.0f)) < 1e-6f);
	CHECK(fabsf(rv - (0.9f * 2.0f + 0.1f * 14.0f / 3.0f)) < 1e-6f);
	double s0 = 0, s2 = 0;
	for (int i = 0; i < 4; i++) {
		s0 += out[i];
		s2 += (double)out[i] * out[i];
	}
	CHECK(fabs(s0) < 1e-5 && fabs(s2 / 4 - 3.5 / (3.5 + 1e-5)) < 1e-5);
	/* One value per channel: the running variance is left alone. */
	BnShape one = { 1, 1, 1, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	rv = 2.0f;
	batchnorm_forward_train(out, &mean, &rstd, &rm, &rv, x, NULL, NULL, &one);
	CHECK(rv == 2.0f && out[0] == 0.0f);
}

/* Eval mode by hand: (x - rm) / sqrt(rv + eps) * g + b. */
static void check_eval(void)
{
	BnShape s = { 2, 2, 3, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	float x[12], out[12], exp_[12];
	float g[2] = {1.5f, -0.5f}, b[2] = {0.25f, 1.0f}, rm[2] = {0.3f, -1.0f}, rv[2] = {0.7f, 4.0f};
	uint64_t seed = 7;
	for (int i = 0; i < 12; i++)
		x[i] = 3 * frand(&seed);
	for (int i = 0; i < 12; i++) {
		int ch = (i / 3) % 2;
		exp_[i] = (float)((x[i] - rm[ch]) / sqrt(rv[ch] + 1e-5) * g[ch] + b[ch]);
	}
	batchnorm_forward_eval(out, x, g, b, rm, rv, &s);
	CHECK_CLOSE(out, exp_, 12, 1e-6, 1e-6, "bn eval by hand");
}

/* Channel counts that make blocks of several channels with a ragged last
 * one (BatchNorm2d: 16 blocks of up to ceil(c / 16) channels; BatchNorm1d:
 * 256 columns a block), against the textbook formulas in double, one
 * channel at a time; and the same bits on one thread as on the default. */
static void check_blocks(int n, int ch, int hw, const char *label)
{
	size_t tot = (size_t)n * ch * hw, cnt = (size_t)n * hw;
	float *f = malloc((6 * tot + 8 * (size_t)ch) * sizeof *f);
	double *ref = malloc(tot * sizeof *ref);
	CHECK(f && ref);
	if (!f || !ref) {
		free(f);
		free(ref);
		return;
	}
	float *x = f, *dy = x + tot, *out = dy + tot, *din = out + tot, *out1 = din + tot;
	float *din1 = out1 + tot, *g = din1 + tot, *b = g + ch, *mean = b + ch, *rstd = mean + ch;
	float *dg = rstd + ch, *db = dg + ch, *rm = db + ch, *rv = rm + ch;
	uint64_t seed = 11;
	for (size_t i = 0; i < tot; i++) {
		x[i] = 3.0f * frand(&seed) + 1.0f;
		dy[i] = frand(&seed);
	}
	for (int c = 0; c < ch; c++) {
		g[c] = 1.0f + 0.5f * frand(&seed);
		b[c] = frand(&seed);
		dg[c] = db[c] = 0;
		rm[c] = 0.25f, rv[c] = 2.0f;
	}
	BnShape s = { n, ch, hw, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	gemm_set_threads(2);
	batchnorm_forward_train(out, mean, rstd, rm, rv, x, g, b, &s);
	batchnorm_backward(din, dg, db, dy, NULL, x, mean, rstd, g, &s);
	int bad = 0;
	for (int c = 0; c < ch && !bad; c++) {
		double mu = 0, var = 0, sg = 0, sgx = 0;
		for (int i = 0; i < n; i++)
			for (int q = 0; q < hw; q++)
				mu += x[((size_t)i * ch + c) * hw + q];
		mu /= (double)cnt;
		for (int i = 0; i < n; i++)
			for (int q = 0; q < hw; q++) {
				double d = x[((size_t)i * ch + c) * hw + q] - mu;
				var += d * d;
			}
		var /= (double)cnt;
		double r = 1 / sqrt(var + 1e-5);
		for (int i = 0; i < n; i++)
			for (int q = 0; q < hw; q++) {
				size_t o = ((size_t)i * ch + c) * hw + q;
				ref[o] = (x[o] - mu) * r * g[c] + b[c];
				sg += dy[o];
				sgx += dy[o] * (x[o] - mu) * r;
			}
		bad |= fabs(mean[c] - mu) > 1e-5 || fabs(rstd[c] - r) > 1e-5 * r ||
		       fabs(rm[c] - (0.9 * 0.25 + 0.1 * mu)) > 1e-5 ||
		       fabs(rv[c] - (0.9 * 2.0 + 0.1 * var * cnt / (cnt - 1))) > 1e-5 * rv[c] ||
		       fabs(db[c] - sg) > 1e-4 || fabs(dg[c] - sgx) > 1e-4;
		for (int i = 0; i < n && !bad; i++)
			for (int q = 0; q < hw; q++) {
				size_t o = ((size_t)i * ch + c) * hw + q;
				double xh = (x[o] - mu) * r;
				double want = g[c] * r * (dy[o] - sg / cnt - xh * sgx / cnt);
				bad |= fabs(out[o] - ref[o]) > 1e-5 || fabs(din[o] - want) > 1e-5;
			}
	}
	CHECK_MSG(!bad, "%s: blocks against the formulas", label);
	gemm_set_threads(1);
	batchnorm_forward_train(out1, mean, rstd, NULL, NULL, x, g, b, &s);
	batchnorm_backward(din1, NULL, NULL, dy, NULL, x, mean, rstd, g, &s);
	gemm_set_threads(2);
	CHECK_MSG(!memcmp(out, out1, tot * sizeof *out) && !memcmp(din, din1, tot * sizeof *din),
		  "%s: one thread, the same bits", label);
	free(f);
	free(ref);
}

/* BatchNorm2d on tensors held in nChw16c or nChw8c (BnShape.blk = B, the
 * oneDNN path's layout between convolutions with AVX-512 or AVX2): train
 * forward, running statistics, backward and eval against the plain
 * layout's on the same values, to float rounding (the sums are taken in
 * another order); the same bits on one and two threads. */
static void check_blocked(int n, int ch, int hw, int B, const char *name)
{
	char label[96];
	snprintf(label, sizeof label, "%s nChw%dc", name, B);
	size_t tot = (size_t)n * ch * hw;
	float *f = malloc((10 * tot + 16 * (size_t)ch) * sizeof *f);
	CHECK(f != NULL);
	if (!f)
		return;
	float *x = f, *dy = x + tot, *xb = dy + tot, *dyb = xb + tot, *out = dyb + tot;
	float *din = out + tot, *outb = din + tot, *dinb = outb + tot, *t1 = dinb + tot;
	float *t2 = t1 + tot, *g = t2 + tot, *b = g + ch, *mean = b + ch, *rstd = mean + ch;
	float *dg = rstd + ch, *db = dg + ch, *rm = db + ch, *rv = rm + ch, *meanb = rv + ch;
	float *rstdb = meanb + ch, *dgb = rstdb + ch, *dbb = dgb + ch, *rmb = dbb + ch, *rvb = rmb + ch;
	uint64_t seed = 23;
	for (size_t i = 0; i < tot; i++) {
		x[i] = 3.0f * frand(&seed) + 1.0f;
		dy[i] = frand(&seed);
	}
	for (int c = 0; c < ch; c++) {
		g[c] = 1.0f + 0.5f * frand(&seed);
		b[c] = frand(&seed);
		dg[c] = db[c] = dgb[c] = dbb[c] = 0.5f;
		rm[c] = rmb[c] = 0.25f, rv[c] = rvb[c] = 2.0f;
	}
	blk_convert(xb, x, n, ch, hw, B, 1);
	blk_convert(dyb, dy, n, ch, hw, B, 1);
	BnShape s = { n, ch, hw, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 }, sb = s;
	sb.blk = B;
	gemm_set_threads(2);
	batchnorm_forward_train(out, mean, rstd, rm, rv, x, g, b, &s);
	batchnorm_backward(din, dg, db, dy, NULL, x, mean, rstd, g, &s);
	batchnorm_forward_train(outb, meanb, rstdb, rmb, rvb, xb, g, b, &sb);
	batchnorm_backward(dinb, dgb, dbb, dyb, NULL, xb, meanb, rstdb, g, &sb);
	char what[160];
	blk_convert(t1, outb, n, ch, hw, B, 0);
	snprintf(what, sizeof what, "%s blocked: forward", label);
	CHECK_CLOSE(t1, out, tot, 1e-5, 1e-5, what);
	blk_convert(t1, dinb, n, ch, hw, B, 0);
	snprintf(what, sizeof what, "%s blocked: input gradient", label);
	CHECK_CLOSE(t1, din, tot, 1e-5, 1e-5, what);
	snprintf(what, sizeof what, "%s blocked: mean, rstd, running stats, dgamma, dbeta", label);
	CHECK_MSG(check_close_ratio(meanb, mean, ch, 1e-6, 1e-6, NULL) <= 1 &&
		  check_close_ratio(rstdb, rstd, ch, 1e-6, 1e-6, NULL) <= 1 &&
		  check_close_ratio(rmb, rm, ch, 1e-6, 1e-6, NULL) <= 1 &&
		  check_close_ratio(rvb, rv, ch, 1e-6, 1e-6, NULL) <= 1 &&
		  check_close_ratio(dgb, dg, ch, 1e-4, 1e-5, NULL) <= 1 &&
		  check_close_ratio(dbb, db, ch, 1e-4, 1e-5, NULL) <= 1, "%s", what);
	batchnorm_forward_eval(out, x, g, b, rm, rv, &s);
	batchnorm_forward_eval(outb, xb, g, b, rm, rv, &sb);
	blk_convert(t1, outb, n, ch, hw, B, 0);
	snprintf(what, sizeof what, "%s blocked: eval", label);
	CHECK_CLOSE(t1, out, tot, 1e-6, 1e-6, what);
	/* blocked input, plain output (before a flatten or an OpenBLAS layer):
	 * out and the output gradient plain, the input's gradient blocked */
	BnShape sp = sb;
	sp.plain_y = 1;
	for (int c = 0; c < ch; c++)
		dgb[c] = dbb[c] = 0.5f, rmb[c] = 0.25f, rvb[c] = 2.0f;
	batchnorm_forward_train(outb, meanb, rstdb, rmb, rvb, xb, g, b, &sp);
	batchnorm_backward(dinb, dgb, dbb, dy, NULL, xb, meanb, rstdb, g, &sp);
	batchnorm_forward_train(out, mean, rstd, NULL, NULL, x, g, b, &s);
	snprintf(what, sizeof what, "%s blocked in, plain out: forward", label);
	CHECK_CLOSE(outb, out, tot, 1e-5, 1e-5, what);
	blk_convert(t1, dinb, n, ch, hw, B, 0);
	snprintf(what, sizeof what, "%s blocked in, plain out: input gradient", label);
	CHECK_CLOSE(t1, din, tot, 1e-5, 1e-5, what);
	snprintf(what, sizeof what, "%s blocked in, plain out: running stats, dgamma, dbeta", label);
	CHECK_MSG(check_close_ratio(rmb, rm, ch, 1e-6, 1e-6, NULL) <= 1 &&
		  check_close_ratio(rvb, rv, ch, 1e-6, 1e-6, NULL) <= 1 &&
		  check_close_ratio(dgb, dg, ch, 1e-4, 1e-5, NULL) <= 1 &&
		  check_close_ratio(dbb, db, ch, 1e-4, 1e-5, NULL) <= 1, "%s", what);
	batchnorm_forward_eval(out, x, g, b, rm, rv, &s);
	batchnorm_forward_eval(outb, xb, g, b, rm, rv, &sp);
	snprintf(what, sizeof what, "%s blocked in, plain out: eval", label);
	CHECK_CLOSE(outb, out, tot, 1e-6, 1e-6, what);
	gemm_set_threads(1);
	batchnorm_forward_train(t1, meanb, rstdb, NULL, NULL, xb, g, b, &sb);
	batchnorm_backward(t2, NULL, NULL, dyb, NULL, xb, meanb, rstdb, g, &sb);
	batchnorm_forward_train(outb, meanb, rstdb, NULL, NULL, xb, g, b, &sb);
	gemm_set_threads(2);
	batchnorm_forward_train(out, meanb, rstdb, NULL, NULL, xb, g, b, &sb);
	batchnorm_backward(din, NULL, NULL, dyb, NULL, xb, meanb, rstdb, g, &sb);
	CHECK_MSG(!memcmp(out, t1, tot * sizeof *out) && !memcmp(din, t2, tot * sizeof *din),
		  "%s blocked: one thread, the same bits", label);
	gemm_set_threads(1);
	free(f);
}

/* A ReLU or LeakyReLU fused into the batch norm before it (BnShape.act, as
 * net.c runs them): forward (train and eval) and backward give the same
 * bits as the batch norm and then the activation in place, and the
 * activation's backward in place before the batch norm's, in the layout
 * of s (plain, nChw<B>c, blocked in and plain out), on two threads and
 * one. Some outputs are exactly zero and some gradients are -0. */
static void check_fused(BnShape s, int act, const char *name)
{
	char label[160];
	snprintf(label, sizeof label, "%s%s%s, fused %s", name, s.blk ? " blocked" : "",
		 s.plain_y ? " in, plain out" : "", act == BN_ACT_RELU ? "ReLU" : "LeakyReLU");
	ActKind k = act == BN_ACT_RELU ? ACT_RELU : ACT_LEAKY_RELU;
	float alpha = act == BN_ACT_RELU ? 0.0f : 0.2f;
	int ch = s.c;
	size_t tot = (size_t)s.n * ch * s.hw;
	float *f = malloc((8 * tot + 12 * (size_t)ch) * sizeof *f);
	CHECK(f != NULL);
	if (!f)
		return;
	float *x = f, *dy = x + tot, *y1 = dy + tot, *y2 = y1 + tot, *d1 = y2 + tot;
	float *d2 = d1 + tot, *dt = d2 + tot, *y3 = dt + tot, *g = y3 + tot, *b = g + ch;
	float *m1 = b + ch, *r1 = m1 + ch, *m2 = r1 + ch, *r2 = m2 + ch, *dg1 = r2 + ch;
	float *db1 = dg1 + ch, *dg2 = db1 + ch, *db2 = dg2 + ch, *rm = db2 + ch, *rv = rm + ch;
	uint64_t seed = 77;
	for (size_t i = 0; i < tot; i++) {
		x[i] = 2.0f * frand(&seed);
		dy[i] = i % 17 == 3 ? -0.0f : i % 13 == 5 ? 0.0f : frand(&seed);
	}
	for (int c = 0; c < ch; c++) {
		g[c] = 1.0f + 0.5f * frand(&seed);
		b[c] = 0.5f * frand(&seed);
		rm[c] = 0.1f * (float)(c % 5), rv[c] = 0.5f + 0.25f * (float)(c % 3);
	}
	/* channel 0: gamma and beta 0, so that its outputs are exactly 0 */
	g[0] = 0.0f, b[0] = 0.0f;
	BnShape sf = s;
	sf.act = act, sf.alpha = alpha;
	int same = 1;
	for (int threads = 2; threads >= 1; threads--) {
		gemm_set_threads(threads);
		for (int c = 0; c < ch; c++)
			dg1[c] = db1[c] = dg2[c] = db2[c] = 0.5f;
		batchnorm_forward_train(y1, m1, r1, NULL, NULL, x, g, b, &s);
		act_forward(k, alpha, y1, y1, tot);
		act_backward(k, alpha, dt, dy, y1, y1, tot);
		batchnorm_backward(d1, dg1, db1, dt, NULL, x, m1, r1, g, &s);
		batchnorm_forward_train(y2, m2, r2, NULL, NULL, x, g, b, &sf);
		batchnorm_backward(d2, dg2, db2, dy, y2, x, m2, r2, g, &sf);
		batchnorm_forward_eval(y3, x, g, b, rm, rv, &s);
		act_forward(k, alpha, y3, y3, tot);
		batchnorm_forward_eval(dt, x, g, b, rm, rv, &sf);
		same &= !memcmp(y1, y2, tot * sizeof *y1) && !memcmp(d1, d2, tot * sizeof *d1) &&
			!memcmp(dg1, dg2, ch * sizeof *dg1) && !memcmp(db1, db2, ch * sizeof *db1) &&
			!memcmp(m1, m2, ch * sizeof *m1) && !memcmp(r1, r2, ch * sizeof *r1) &&
			!memcmp(y3, dt, tot * sizeof *y3);
	}
	CHECK_MSG(same, "%s: the same bits as the two layers apart, on 2 and 1 threads", label);
	/* the check can fail: a fused forward that skipped the activation would not match */
	size_t zeros = 0;
	for (size_t i = 0; i < tot; i++)
		zeros += y2[i] == 0.0f || (act == BN_ACT_LEAKY && y2[i] < 0);
	CHECK_MSG(zeros > tot / 4, "%s: the activation took effect (%zu of %zu)", label, zeros, tot);
	free(f);
}

static void run(void)
{
	check_golden();
	check_running_1d();
	check_eval();
	check_fd(6, 3, 1, "bn1d");
	check_fd(3, 2, 5, "bn2d");
	check_fd(2, 4, 4, "bn2d 4ch");
	check_blocks(5, 37, 13, "bn2d 37ch");
	check_blocks(3, 512, 16, "bn2d 512x16");
	check_blocks(64, 128, 49, "bn2d 128x49");
	check_blocks(7, 600, 1, "bn1d 600");
	check_blocks(64, 6272, 1, "bn1d 6272");
	for (int B = 16; B >= 8; B /= 2) {
		check_blocked(3, 16, 5, B, "bn2d 16x5");
		check_blocked(64, 64, 196, B, "bn2d 64x196");
		check_blocked(9, 128, 64, B, "bn2d 128x64");
		check_blocked(2, 512, 16, B, "bn2d 512x16");
	}
	check_blocked(4, 24, 9, 8, "bn2d 24x9");
	for (int act = BN_ACT_RELU; act <= BN_ACT_LEAKY; act++) {
		check_fused((BnShape){ .n = 5, .c = 37, .hw = 13, .eps = 1e-5f, .momentum = 0.1f },
			    act, "bn2d 37x13");
		check_fused((BnShape){ .n = 64, .c = 128, .hw = 49, .eps = 1e-5f, .momentum = 0.1f },
			    act, "bn2d 128x49");
		check_fused((BnShape){ .n = 7, .c = 600, .hw = 1, .eps = 1e-5f, .momentum = 0.1f },
			    act, "bn1d 600");
		check_fused((BnShape){ .n = 64, .c = 6272, .hw = 1, .eps = 1e-5f, .momentum = 0.1f },
			    act, "bn1d 6272");
		for (int B = 16; B >= 8; B /= 2)
			for (int plain_y = 0; plain_y <= 1; plain_y++) {
				check_fused((BnShape){ .n = 9, .c = 128, .hw = 64, .eps = 1e-5f,
						       .momentum = 0.1f, .blk = B, .plain_y = plain_y },
					    act, B == 16 ? "bn2d 128x64 nChw16c" : "bn2d 128x64 nChw8c");
				check_fused((BnShape){ .n = 3, .c = 16, .hw = 5, .eps = 1e-5f,
						       .momentum = 0.1f, .blk = B, .plain_y = plain_y },
					    act, B == 16 ? "bn2d 16x5 nChw16c" : "bn2d 16x5 nChw8c");
			}
	}
}

CHECK_MAIN("test_batchnorm")
