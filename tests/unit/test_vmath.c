/* test_vmath.c - vmath.h's exp, tanh and sigmoid against double-precision
 * references: the ulp bounds its header states over a sweep of every float
 * magnitude and a dense sweep of [-20, 20], log1p on [0, 1], the limits and
 * NaN; then the
 * activation layer's vectorised loop against the scalar function. */
#include <float.h>
#include <stdint.h>
#include "activation.h"
#include "vmath.h"
#include "check.h"

/* |got - ref| in units of the float ulp at ref (subnormal results: of
 * FLT_MIN); infinities must match exactly. */
static double ulps(float got, double ref)
{
	if (isinf(ref) || fabs(ref) > FLT_MAX)
		return got == (float)ref ? 0 : INFINITY;
	double a = fabs(ref) < FLT_MIN ? FLT_MIN : fabs(ref);
	return fabs((double)got - ref) / ldexp(1.0, ilogb(a) - 23);
}

typedef struct {
	double exp, tanh, sig;
	float exp_at, tanh_at, sig_at;
} Worst;

static void measure(Worst *w, float x)
{
	double e = exp((double)x), t = tanh((double)x), s = 1.0 / (1.0 + exp(-(double)x));
	double ue = e < FLT_MIN ? 0 : ulps(vm_expf(x), e);   /* flushed below FLT_MIN */
	double ut = ulps(vm_tanhf(x), t);
	double us = s < FLT_MIN ? 0 : ulps(vm_sigmoidf(x), s);
	if (ue > w->exp) { w->exp = ue; w->exp_at = x; }
	if (ut > w->tanh) { w->tanh = ut; w->tanh_at = x; }
	if (us > w->sig) { w->sig = us; w->sig_at = x; }
}

static void sweeps(void)
{
	Worst w = { 0 };
	for (uint64_t b = 0; b <= 0xffffffffull; b += 65521) {
		float x = vm_bits_to_float((uint32_t)b);
		if (x == x)
			measure(&w, x);
	}
	for (int i = 0; i <= 400000; i++)
		measure(&w, -20.0f + 40.0f * (float)i / 400000);
	CHECK_MSG(w.exp <= 2, "vm_expf %.2f ulp at %g", w.exp, w.exp_at);
	CHECK_MSG(w.tanh <= 3, "vm_tanhf %.2f ulp at %g", w.tanh, w.tanh_at);
	CHECK_MSG(w.sig <= 3, "vm_sigmoidf %.2f ulp at %g", w.sig, w.sig_at);
}

/* vm_log1pf_unit over [0, 1]: floats spread over [2^-149, 2^-20] by their
 * bit patterns, then a dense sweep. */
static void log1p_unit(void)
{
	double worst = 0;
	float at = 0;
	for (uint32_t b = 0; b <= vm_float_to_bits(0x1p-20f); b += 997) {
		float x = vm_bits_to_float(b);
		double u = ulps(vm_log1pf_unit(x), log1p((double)x));
		if (u > worst) { worst = u; at = x; }
	}
	for (int i = 0; i <= 1000000; i++) {
		float x = (float)i / 1000000;
		double u = ulps(vm_log1pf_unit(x), log1p((double)x));
		if (u > worst) { worst = u; at = x; }
	}
	CHECK_MSG(worst <= 3, "vm_log1pf_unit %.2f ulp at %g", worst, at);
	CHECK(vm_log1pf_unit(0) == 0 && vm_log1pf_unit(1) == (float)log1p(1.0));
}

static void limits(void)
{
	CHECK(vm_expf(0) == 1.0f && vm_expf(INFINITY) == INFINITY && vm_expf(-INFINITY) == 0);
	CHECK(vm_expf(89.0f) == INFINITY && vm_expf(-100.0f) == 0 && isnan(vm_expf(NAN)));
	CHECK(vm_expf(88.7f) < INFINITY && vm_expf(88.7f) > 3.0e38f);
	CHECK(vm_tanhf(INFINITY) == 1 && vm_tanhf(-INFINITY) == -1 && isnan(vm_tanhf(NAN)));
	CHECK(vm_tanhf(20.0f) == 1 && vm_tanhf(-20.0f) == -1);
	CHECK(vm_tanhf(0.0f) == 0 && signbit(vm_tanhf(-0.0f)) && vm_tanhf(1e-30f) == 1e-30f);
	CHECK(vm_sigmoidf(0) == 0.5f && vm_sigmoidf(INFINITY) == 1 && vm_sigmoidf(-INFINITY) == 0);
	CHECK(isnan(vm_sigmoidf(NAN)));
}

/* The layer's loop (vectorised, with a scalar tail) gives what the scalar
 * function gives, element for element, at every length and alignment. */
static void layer_matches_scalar(void)
{
	float x[67], y[67];
	int bad = 0;
	for (int i = 0; i < 67; i++)
		x[i] = -9.0f + 0.27f * (float)i;
	x[5] = NAN;
	x[6] = INFINITY;
	for (int off = 0; off < 3; off++)
		for (int n = 0; n + off <= 67; n += 7) {
			act_forward(ACT_TANH, 0, y + off, x + off, (size_t)n);
			for (int i = off; i < off + n; i++)
				bad += !(y[i] == vm_tanhf(x[i]) || (isnan(y[i]) && isnan(x[i])));
			act_forward(ACT_SIGMOID, 0, y + off, x + off, (size_t)n);
			for (int i = off; i < off + n; i++)
				bad += !(y[i] == vm_sigmoidf(x[i]) || (isnan(y[i]) && isnan(x[i])));
		}
	CHECK_MSG(bad == 0, "%d elements differ", bad);
}

static void run(void)
{
	sweeps();
	log1p_unit();
	limits();
	layer_matches_scalar();
}

CHECK_MAIN("test_vmath")
