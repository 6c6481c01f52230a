/* test_loss.c - BCE with logits (sum), BCE on probabilities (mean) and MSE:
 * values and gradients against PyTorch 1.13 golden values, extreme inputs
 * (p = 0, p = 1, x = +-50), and central finite differences. */
#include "loss.h"
#define FIX_LOSS
#include "../fixtures/layers_misc.h"
#include "check.h"

#define N 16

typedef struct {
	LossKind k;
	float y, x[N], t[N];
	int mse;
} LossCase;

static double loss_fn(void *ctx)
{
	LossCase *c = ctx;
	if (c->mse)
		return loss_mse(NULL, c->x, c->t, N, 1.0f);
	return loss_bce(c->k, NULL, c->x, c->y, N, 1.0f);
}

static void check_golden(void)
{
	float dx[9];
	double l = loss_bce(LOSS_BCE_LOGITS, dx, bcel_x, 1.0f, 9, 1.0f);
	CHECK(fabs(l - bcel_loss_y1) <= 1e-6 * fabs(bcel_loss_y1));
	CHECK_CLOSE(dx, bcel_dx_y1, 9, 1e-6, 1e-6, "bce logits y=1 grad vs torch");
	l = loss_bce(LOSS_BCE_LOGITS, dx, bcel_x, 0.0f, 9, 1.0f);
	CHECK(fabs(l - bcel_loss_y0) <= 1e-6 * fabs(bcel_loss_y0));
	CHECK_CLOSE(dx, bcel_dx_y0, 9, 1e-6, 1e-6, "bce logits y=0 grad vs torch");

	float dp[8];
	l = loss_bce(LOSS_BCE, dp, bcep_p, 1.0f, 8, 1.0f / 8) / 8;
	CHECK(fabs(l - bcep_loss_y1) <= 1e-6 * fabs(bcep_loss_y1));
	CHECK_CLOSE(dp, bcep_dp_y1, 8, 1e-6, 1e-6, "bce prob y=1 grad vs torch");
	l = loss_bce(LOSS_BCE, dp, bcep_p, 0.0f, 8, 1.0f / 8) / 8;
	CHECK(fabs(l - bcep_loss_y0) <= 1e-6 * fabs(bcep_loss_y0));
	CHECK_CLOSE(dp, bcep_dp_y0, 8, 1e-6, 1e-6, "bce prob y=0 grad vs torch");
}

static void check_edges(void)
{
	float p[2] = {0.0f, 1.0f}, d[2];
	CHECK(loss_bce(LOSS_BCE, d, p, 1.0f, 1, 1.0f) == 100.0);
	CHECK(loss_bce(LOSS_BCE, d, p + 1, 0.0f, 1, 1.0f) == 100.0);
	CHECK(loss_bce(LOSS_BCE, d, p + 1, 1.0f, 1, 1.0f) == 0.0 && d[0] == 0.0f);
	float bad[2] = {0.5f, 1.5f};
	CHECK(isnan(loss_bce(LOSS_BCE, d, bad, 1.0f, 2, 1.0f)) && isnan(d[1]));
	bad[1] = NAN;
	CHECK(isnan(loss_bce(LOSS_BCE, NULL, bad, 1.0f, 2, 1.0f)));
	CHECK(isnan(loss_bce(LOSS_BCE_LOGITS, NULL, p, 2.0f, 2, 1.0f)));
	float big = 1e4f;
	CHECK(loss_bce(LOSS_BCE_LOGITS, d, &big, 0.0f, 1, 1.0f) == 1e4 && d[0] == 1.0f);
	CHECK(loss_prob(LOSS_BCE_LOGITS, 0.0f) == 0.5f);
	CHECK(loss_prob(LOSS_BCE, 0.25f) == 0.25f);
	CHECK(fabsf(loss_prob(LOSS_BCE_LOGITS, 2.0f) - 0.880797029f) < 1e-7f);
	float x[3] = {1, 2, 3}, t[3] = {0, 2, 5}, dm[3];
	CHECK(loss_mse(dm, x, t, 3, 0.5f) == 5.0);
	CHECK(dm[0] == 1.0f && dm[1] == 0.0f && dm[2] == -2.0f);
}

/* Past the 64-element blocks of the vectorised loops: 150 logits over
 * [-30, 30] against the formula in double, y = 0.3; loss_prob_sum against
 * loss_prob one by one. */
static void check_long(void)
{
	enum { M = 150 };
	float x[M], dx[M], ref[M];
	double want = 0, psum = 0;
	for (int i = 0; i < M; i++) {
		x[i] = -30.0f + 60.0f * (float)((i * 37) % M) / M;
		double xi = x[i];
		want += fmax(xi, 0) - xi * 0.3 + log1p(exp(-fabs(xi)));
		ref[i] = (float)((1 / (1 + exp(-xi)) - 0.3) * 0.5);
		psum += loss_prob(LOSS_BCE_LOGITS, x[i]);
	}
	double l = loss_bce(LOSS_BCE_LOGITS, dx, x, 0.3f, M, 0.5f);
	CHECK_MSG(fabs(l - want) <= 1e-6 * want, "loss %.9g vs %.9g", l, want);
	CHECK_CLOSE(dx, ref, M, 1e-7, 1e-6, "bce logits grad, 150 elements");
	CHECK(loss_prob_sum(LOSS_BCE_LOGITS, x, M) == psum);
	double rsum = 0;
	for (int i = 0; i < M; i++)
		rsum += ref[i];
	CHECK(loss_prob_sum(LOSS_BCE, ref, M) == rsum && loss_prob_sum(LOSS_BCE, x, 0) == 0);
}

static void check_fd(LossKind k, int mse, float y, const char *label)
{
	LossCase c = { .k = k, .y = y, .mse = mse };
	for (int i = 0; i < N; i++) {
		float u = (float)((i * 7919) % N) / N;
		c.x[i] = k == LOSS_BCE && !mse ? 0.05f + 0.9f * u : -5.0f + 10.0f * u;
		c.t[i] = 0.3f * (float)(i % 5) - 0.6f;
	}
	float dx[N];
	if (mse)
		loss_mse(dx, c.x, c.t, N, 1.0f);
	else
		loss_bce(k, dx, c.x, y, N, 1.0f);
	/* Element-wise, so each entry's relative truncation is h^2 |f'''/f'| / 6:
	 * at most 1e-6 * (2 / x^2) / 6 = 1.3e-4 for -log(x) at x = 0.05 (measured
	 * <= 1.2e-4); 2e-3 leaves room for any rounding. */
	CHECK_GRAD(loss_fn, &c, c.x, dx, N, 1e-3, 2e-3, label);
}

static void run(void)
{
	check_golden();
	check_long();
	check_edges();
	check_fd(LOSS_BCE_LOGITS, 0, 1.0f, "bce logits y=1 fd");
	check_fd(LOSS_BCE_LOGITS, 0, 0.0f, "bce logits y=0 fd");
	check_fd(LOSS_BCE_LOGITS, 0, 0.3f, "bce logits y=0.3 fd");
	check_fd(LOSS_BCE, 0, 1.0f, "bce prob y=1 fd");
	check_fd(LOSS_BCE, 0, 0.0f, "bce prob y=0 fd");
	check_fd(LOSS_BCE, 0, 0.7f, "bce prob y=0.7 fd");
	check_fd(LOSS_BCE, 1, 0.0f, "mse fd");
}

CHECK_MAIN("test_loss")
