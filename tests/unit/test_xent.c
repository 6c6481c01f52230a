/* test_xent.c - softmax cross-entropy: loss and gradient against PyTorch
 * 1.13 (sum and mean, large logits, a tie at the top), central finite
 * differences, the argmax count and a bad label. */
#include <stdint.h>
#include "xent.h"
#include "../fixtures/xent.h"
#include "check.h"

typedef struct {
	float x[XENT_N * XENT_K];
} Ctx;

static double loss_fn(void *ctx)
{
	Ctx *c = ctx;
	return xent_loss(NULL, c->x, xent_y, XENT_N, XENT_K, 1.0f, NULL);
}

static void check_golden(void)
{
	float dx[XENT_N * XENT_K];
	int correct = -1;
	double l = xent_loss(dx, xent_x, xent_y, XENT_N, XENT_K, 1.0f, &correct);
	CHECK_MSG(fabs(l - xent_loss_sum) <= 1e-6 * xent_loss_sum, "sum %.9g vs %.9g", l,
		  xent_loss_sum);
	CHECK_CLOSE(dx, xent_dx_sum, XENT_N * XENT_K, 1e-7, 1e-5, "xent sum grad vs torch");
	CHECK(correct == xent_correct);
	l = xent_loss(dx, xent_x, xent_y, XENT_N, XENT_K, 1.0f / XENT_N, NULL) / XENT_N;
	CHECK_MSG(fabs(l - xent_loss_mean) <= 1e-6 * xent_loss_mean, "mean %.9g vs %.9g", l,
		  xent_loss_mean);
	CHECK_CLOSE(dx, xent_dx_mean, XENT_N * XENT_K, 1e-8, 1e-5, "xent mean grad vs torch");
}

static void check_fd(void)
{
	Ctx c;
	for (int i = 0; i < XENT_N * XENT_K; i++)
		c.x[i] = i / XENT_K < 5 ? xent_x[i] : 0.1f * (float)(i % 7);
	float dx[XENT_N * XENT_K];
	xent_loss(dx, c.x, xent_y, XENT_N, XENT_K, 1.0f, NULL);
	CHECK_GRAD(loss_fn, &c, c.x, dx, XENT_N * XENT_K, 1e-3, 2e-3, "xent fd");
}

static void check_edges(void)
{
	float x[6] = { 1, 3, 3, 0, 0, 0 }, dx[6];
	int64_t y[2] = { 2, 5 };
	CHECK(xent_argmax(x, 3) == 1 && xent_argmax(x + 3, 3) == 0);
	CHECK(isnan(xent_loss(dx, x, y, 2, 3, 1.0f, NULL)) && isnan(dx[3]) && !isnan(dx[0]));
	y[1] = -1;
	CHECK(isnan(xent_loss(NULL, x, y, 2, 3, 1.0f, NULL)));
	/* Uniform logits: log k per row, gradient 1/k - onehot. */
	int64_t y0[2] = { 0, 1 };
	int correct;
	double l = xent_loss(dx, x + 3, y0, 1, 3, 1.0f, &correct);
	CHECK(fabs(l - log(3.0)) < 1e-12 && correct == 1);
	CHECK(fabsf(dx[0] + 2.0f / 3) < 1e-7f && fabsf(dx[1] - 1.0f / 3) < 1e-7f);
}

static void run(void)
{
	check_golden();
	check_fd();
	check_edges();
}

CHECK_MAIN("test_xent")
