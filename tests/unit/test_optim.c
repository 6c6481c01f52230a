/* test_optim.c - Adam against three torch.optim.Adam 1.13 steps for two
 * configurations (DCGAN's and gaussian2d's), plain SGD, and the staircase
 * learning-rate decay. */
#include "optim.h"
#define FIX_OPTIM
#include "../fixtures/layers_misc.h"
#include "check.h"

static void check_adam(const AdamCfg *c, const float *p0, const float *g,
		       const float *pt, const float *mt, const float *vt,
		       const char *label)
{
	float p[7], m[7] = {0}, v[7] = {0};
	char buf[96];
	memcpy(p, p0, sizeof p);
	for (int t = 1; t <= 3; t++) {
		adam_step(p, g + (t - 1) * 7, m, v, 7, c, t);
		snprintf(buf, sizeof buf, "%s p after step %d", label, t);
		CHECK_CLOSE(p, pt + (t - 1) * 7, 7, 1e-6, 0, buf);
	}
	/* Same operations in the same order and fusion as PyTorch: bit-exact. */
	snprintf(buf, sizeof buf, "%s bit-exact", label);
	CHECK_MSG(memcmp(p, pt + 14, sizeof p) == 0, "%s", buf);
	snprintf(buf, sizeof buf, "%s exp_avg", label);
	CHECK_CLOSE(m, mt, 7, 1e-6, 1e-6, buf);
	snprintf(buf, sizeof buf, "%s exp_avg_sq", label);
	CHECK_CLOSE(v, vt, 7, 1e-6, 1e-6, buf);
}

static void run(void)
{
	AdamCfg a = { 2e-4, 0.5, 0.999, 1e-8 };
	check_adam(&a, adamA_p0, adamA_g, adamA_p, adamA_m, adamA_v, "adam dcgan");
	AdamCfg b = { 0.05, 0.9, 0.999, 1e-8 };
	check_adam(&b, adamB_p0, adamB_g, adamB_p, adamB_m, adamB_v, "adam gaussian2d");

	/* First step moves each weight by lr against the sign of its gradient. */
	float p[3] = {1, 1, 1}, g[3] = {0.5f, -3.0f, 0.0f}, m[3] = {0}, v[3] = {0};
	adam_step(p, g, m, v, 3, &b, 1);
	CHECK(fabsf(p[0] - 0.95f) < 1e-6f && fabsf(p[1] - 1.05f) < 1e-6f && p[2] == 1.0f);

	float q[2] = {1.0f, -2.0f}, gq[2] = {0.5f, -1.0f};
	sgd_step(q, gq, 2, 0.1f);
	CHECK(fabsf(q[0] - 0.95f) < 1e-7f && fabsf(q[1] + 1.9f) < 1e-7f);

	CHECK(lr_staircase(0.03f, 0.95f, 150, 0) == 0.03f);
	CHECK(lr_staircase(0.03f, 0.95f, 150, 149) == 0.03f);
	CHECK(lr_staircase(0.03f, 0.95f, 150, 150) == 0.03f * 0.95f);
	CHECK(fabsf(lr_staircase(0.03f, 0.95f, 150, 1199) - 0.03f * powf(0.95f, 7)) < 1e-9f);
	CHECK(lr_staircase(0.03f, 0.95f, 0, 1000) == 0.03f);
	CHECK(lr_staircase(0.03f, 0.95f, 150, -5) == 0.03f);
}

CHECK_MAIN("test_optim")
