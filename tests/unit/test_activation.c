/* test_activation.c - every activation's derivative against central finite
 * differences, the ReLU / LeakyReLU conventions at 0, and softplus around its
 * threshold against PyTorch 1.13 golden values. */
#include <stdint.h>
#include "activation.h"
#define FIX_ACTIVATION
#include "../fixtures/layers_misc.h"
#include "check.h"

#define N 40

typedef struct {
	ActKind k;
	float alpha;
	float x[N], r[N];
} ActCase;

/* sum(r * f(x)) in double. */
static double act_loss(void *ctx)
{
	ActCase *c = ctx;
	float y[N];
	act_forward(c->k, c->alpha, y, c->x, N);
	double l = 0;
	for (int i = 0; i < N; i++)
		l += (double)c->r[i] * y[i];
	return l;
}

/* Inputs spread over [-4, 4], kept 0.05 away from the kink at 0. */
static void check_fd(ActKind k, float alpha, const char *label)
{
	ActCase c = { .k = k, .alpha = alpha };
	uint64_t s = 1234;
	for (int i = 0; i < N; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		float u = (float)((s >> 40) / (double)(1 << 24));
		c.x[i] = -4.0f + 8.0f * (float)i / N + 0.1f * u;
		if (fabsf(c.x[i]) < 0.05f)
			c.x[i] = 0.05f;
		c.r[i] = 0.5f + u;
	}
	float y[N], dx[N];
	act_forward(k, alpha, y, c.x, N);
	act_backward(k, alpha, dx, c.r, c.x, y, N);
	/* h = 1e-2: smaller steps drown in float rounding where tanh and
	 * sigmoid saturate; the truncation error stays below 1e-4 (measured
	 * <= 2.7e-5), so 2e-3 leaves room for any rounding. */
	CHECK_GRAD(act_loss, &c, c.x, dx, N, 1e-2, 2e-3, label);
}

static void check_kinks(void)
{
	float x[3] = {-2.0f, 0.0f, 3.0f}, y[3], d[3], one[3] = {1, 1, 1};
	act_forward(ACT_RELU, 0, y, x, 3);
	act_backward(ACT_RELU, 0, d, one, x, y, 3);
	CHECK(y[0] == 0 && y[1] == 0 && y[2] == 3);
	CHECK(d[0] == 0 && d[1] == 0 && d[2] == 1);
	act_forward(ACT_LEAKY_RELU, 0.2f, y, x, 3);
	act_backward(ACT_LEAKY_RELU, 0.2f, d, one, x, y, 3);
	CHECK(y[0] == -2.0f * 0.2f && y[1] == 0 && y[2] == 3);
	CHECK(d[0] == 0.2f && d[1] == 0.2f && d[2] == 1);
	/* In place: out aliases in, din aliases dout. */
	float z[3] = {-1.0f, 0.0f, 1.0f}, g[3] = {2, 2, 2};
	act_forward(ACT_TANH, 0, z, z, 3);
	act_backward(ACT_TANH, 0, g, g, z, z, 3);
	CHECK(z[1] == 0 && fabsf(z[2] - tanhf(1.0f)) < 1e-7f);
	CHECK(g[1] == 2 && fabsf(g[2] - 2 * (1 - tanhf(1.0f) * tanhf(1.0f))) < 1e-6f);
	act_forward(ACT_SIGMOID, 0, z, x, 3);
	CHECK(z[1] == 0.5f && fabsf(z[0] - 1 / (1 + expf(2.0f))) < 1e-7f);
}

static void check_softplus_golden(void)
{
	float y[10], d[10], one[10];
	for (int i = 0; i < 10; i++)
		one[i] = 1;
	act_forward(ACT_SOFTPLUS, 0, y, sp_x, 10);
	act_backward(ACT_SOFTPLUS, 0, d, one, sp_x, y, 10);
	CHECK_CLOSE(y, sp_y, 10, 1e-6, 1e-6, "softplus vs torch");
	CHECK_CLOSE(d, sp_dx, 10, 1e-6, 1e-6, "softplus grad vs torch");
	CHECK(y[7] == 20.0f && y[8] == sp_x[8] && d[8] == 1.0f);
}

static void run(void)
{
	check_kinks();
	check_softplus_golden();
	check_fd(ACT_RELU, 0, "relu fd");
	check_fd(ACT_LEAKY_RELU, 0.2f, "leaky relu fd");
	check_fd(ACT_TANH, 0, "tanh fd");
	check_fd(ACT_SIGMOID, 0, "sigmoid fd");
	check_fd(ACT_SOFTPLUS, 0, "softplus fd");
}

CHECK_MAIN("test_activation")
