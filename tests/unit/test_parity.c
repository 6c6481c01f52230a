/* test_parity.c - the training engine against PyTorch: three D/G steps of each
 * preset from identical weights and batches, checked against the fixtures that
 * tests/fixtures/make_parity.py writes (losses, D outputs, every parameter,
 * gradient and batch-norm running statistic). Run from the repository root, or
 * set GAN_FIXTURES to the fixtures folder. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "safetensors.h"
#include "train.h"
#include "check.h"

/* Tolerances. Each fixture value v comes with its noise, |v_f32 - v_f64|
 * between PyTorch's float32 run and a float64 run of the same step: how well
 * float32 determines that value at all. The engine is float32 with other
 * summation orders, so it may differ from v by a few times that. An entry of
 * tensor T passes when
 *     |c - v| <= RTOL |v| + ATOL S_T + K (noise_v + q90_T)
 * and T's sums (n entries) when
 *     |sum c - sum v|, |sum|c| - sum|v||  <= RTOL n S_T + K (dsum + q90_T sqrt n)
 *     |sum c^2 - sum v^2|                 <= RTOL n S_T^2 + K (dsumsq + 2 q90_T S_T sqrt n)
 * with RTOL = ATOL = 1e-5, K = 8, q90_T the 90th percentile of T's noise and
 * S_T T's rms; for gradients S_T is at least 1% of the step's largest gradient
 * rms, so the gradients that are zero in exact arithmetic (biases feeding a
 * batch norm, the minibatch layer's bias) compare on an absolute scale. q90_T
 * covers Adam: an entry whose gradient is float noise moves by +-lr with
 * whatever sign the noise has, in PyTorch as in any float32 engine.
 * Losses and probabilities: |c - v| <= RTOL |v| + 1e-7 + K noise.
 * What that means per preset: the gaussians and dcgan-mnist are held to about
 * 1e-5 relative (dcgan-mnist's pre-BN biases to +-lr per step); dcgan64 to
 * ~1e-3 at step 1, then to ~10%: after an Adam step of lr 0.005 on weights of
 * 0.02, batch 4 with batch norm, float32 only fixes its values that well. */
#define RTOL 1e-5
#define ATOL 1e-5
#define KNOISE 8.0

static const char *const presets[] = {
	"gaussian2d", "gaussian1d", "gaussian1d-mbd", "dcgan-mnist", "dcgan64",
};

typedef struct {
	const char *preset;
	SafeTensors st;
	Trainer *t;
	int n, steps, xper, latent, fresh;
	char *log;                 /* per-tensor lines, printed if anything fails */
	size_t len, cap;
	int fails;
} Ctx;

static void logf_(Ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(Ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	size_t m = strlen(line);
	if (c->len + m + 1 > c->cap) {
		size_t cap = (c->cap ? 2 * c->cap : 4096) + m;
		char *p = realloc(c->log, cap);
		if (!p)
			return;
		c->log = p;
		c->cap = cap;
	}
	memcpy(c->log + c->len, line, m + 1);
	c->len += m;
}

/* Element i of a fixture tensor; memcpy, as safetensors data need not be aligned. */
static double at_f64(const Tensor *t, int64_t i)
{
	double v;
	memcpy(&v, (const char *)t->data + 8 * i, 8);
	return v;
}

static float at_f32(const Tensor *t, int64_t i)
{
	float v;
	memcpy(&v, (const char *)t->data + 4 * i, 4);
	return v;
}

static int64_t at_i64(const Tensor *t, int64_t i)
{
	int64_t v;
	memcpy(&v, (const char *)t->data + 8 * i, 8);
	return v;
}

/* A fixture tensor of the given dtype and element count (-1: any); NULL if not. */
static const Tensor *get(const Ctx *c, const char *name, DType dt, int64_t numel)
{
	const Tensor *t = st_get(&c->st, name);
	if (!t || t->dtype != dt || (numel >= 0 && tensor_numel(t) != numel))
		return NULL;
	return t;
}

/* lowbias32 of (i * 0x9E3779B1 + k * 0x85EBCA77 + 0x165667B1) mod 2^32, as
 * make_parity.py's hash32. */
static uint32_t hash32(uint32_t i, uint32_t k)
{
	uint32_t x = i * 0x9E3779B1u + k * 0x85EBCA77u + 0x165667B1u;
	x ^= x >> 16;
	x *= 0x7FEB352Du;
	x ^= x >> 15;
	x *= 0x846CA68Bu;
	x ^= x >> 16;
	return x;
}

/* p (n): make_parity.py's fill(): uniform on [off - amp, off + amp), the
 * product in double, the sum in float, bit for bit as NumPy computes it. */
static void fill(float *p, int64_t n, uint32_t k, double off, double amp)
{
	for (int64_t i = 0; i < n; i++) {
		if (amp == 0) {
			p[i] = (float)off;
			continue;
		}
		int32_t t = (int32_t)(hash32((uint32_t)i, k) >> 8) - (1 << 23);
		float v = (float)((double)t * (amp / 8388608.0));
		p[i] = v + (float)off;
	}
}

/* Fills p (numel) from the fixture's "gen.<name>" = [k, off, amp, numel]. */
static int gen_fill(Ctx *c, const char *name, float *p, int64_t numel)
{
	char key[128];
	snprintf(key, sizeof key, "gen.%s", name);
	const Tensor *g = get(c, key, DT_F64, 4);
	if (!g) {
		logf_(c, "  %s: %s missing from the fixture\n", c->preset, key);
		c->fails++;
		return -1;
	}
	if ((int64_t)at_f64(g, 3) != numel) {
		logf_(c, "  %s: %s has %lld elements, PyTorch's has %lld\n", c->preset, name,
		      (long long)numel, (long long)at_f64(g, 3));
		c->fails++;
		return -1;
	}
	fill(p, numel, (uint32_t)at_f64(g, 0), at_f64(g, 1), at_f64(g, 2));
	return 0;
}

static int is_input(const char *name)
{
	return !strncmp(name, "x.", 2) || !strncmp(name, "z.", 2) || !strncmp(name, "zg.", 3);
}

/* Overwrites every engine tensor named in the fixture's gen table. */
static void set_weights(Ctx *c)
{
	for (int i = 0; i < c->st.n; i++) {
		const char *name = c->st.ents[i].name;
		if (strncmp(name, "gen.", 4) || is_input(name + 4))
			continue;
		int64_t numel = 0;
		float *p = trainer_tensor(c->t, name + 4, &numel);
		CHECK_MSG(p != NULL, "%s: engine has no tensor %s", c->preset, name + 4);
		if (p)
			CHECK(gen_fill(c, name + 4, p, numel) == 0);
	}
}

static int meta_int(const Ctx *c, const char *key, int lo, int hi, int *out)
{
	const char *s = st_meta(&c->st, key);
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Opens tests/fixtures/parity_<preset>.safetensors (or under $GAN_FIXTURES)
 * and reads its metadata into c. 0 or -1. */
static int fixture_open(Ctx *c, const char *preset)
{
	const char *dir = getenv("GAN_FIXTURES");
	char path[1024];
	Err e = {0};
	snprintf(path, sizeof path, "%s/parity_%s.safetensors", dir ? dir : "tests/fixtures",
		 preset);
	c->preset = preset;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  %s: cannot open\n", path);
		return -1;
	}
	int rc = st_read(f, path, &c->st, &e);
	fclose(f);
	if (rc) {
		fprintf(stderr, "  %s\n", e.msg);
		return -1;
	}
	const char *gs = st_meta(&c->st, "g_step");
	if (meta_int(c, "n", 2, 4096, &c->n) || meta_int(c, "steps", 1, 100, &c->steps) ||
	    meta_int(c, "x_per_example", 1, 1 << 20, &c->xper) ||
	    meta_int(c, "latent", 1, 1 << 20, &c->latent) || !gs) {
		fprintf(stderr, "  %s: bad metadata\n", path);
		st_free(&c->st);
		return -1;
	}
	c->fresh = !strcmp(gs, "fresh");
	return 0;
}

/* The fixture reads with st_read and is what test_parity expects. */
static void check_fixture(const char *preset)
{
	Ctx c = {0};
	int opened = fixture_open(&c, preset) == 0;
	CHECK_MSG(opened, "fixture for %s does not load", preset);
	if (!opened)
		return;
	CHECK_STR(st_meta(&c.st, "preset"), preset);
	CHECK(get(&c, "stats", DT_F64, 4 * (int64_t)c.steps) != NULL);
	CHECK(get(&c, "stats_noise", DT_F64, 4 * (int64_t)c.steps) != NULL);
	const Tensor *fc = get(&c, "fillcheck", DT_F32, 1000);
	float mine[1000];
	fill(mine, 1000, 7, 0.25, 0.3);
	CHECK_MSG(fc && !memcmp(fc->data, mine, sizeof mine),
		  "%s: C's fill() differs from NumPy's", preset);
	st_free(&c.st);
}

static int close_enough(double c, double v, double tol)
{
	return fabs(c - v) <= tol;   /* false for NaN */
}

/* Losses and D outputs of step s (0-based) against row s of "stats". */
static void check_stats(Ctx *c, int s, const StepStats *ss)
{
	static const char *const what[4] = { "loss_d", "loss_g", "d_x", "d_g_z" };
	const Tensor *ref = get(c, "stats", DT_F64, 4 * (int64_t)c->steps);
	const Tensor *noi = get(c, "stats_noise", DT_F64, 4 * (int64_t)c->steps);
	if (!ref || !noi)
		return;
	double got[4] = { ss->loss_d, ss->loss_g, ss->d_x, ss->d_g_z };
	for (int j = 0; j < 4; j++) {
		double v = at_f64(ref, 4 * s + j), nz = at_f64(noi, 4 * s + j);
		double tol = RTOL * fabs(v) + 1e-7 + KNOISE * nz;
		int ok = close_enough(got[j], v, tol);
		logf_(c, "  %s step %d %s: %s %.9g, PyTorch %.9g (tol %.2g)\n", c->preset,
		      s + 1, what[j], ok ? "OK" : "BAD", got[j], v, tol);
		c->fails += !ok;
		CHECK_MSG(ok, "%s step %d %s: %.9g, PyTorch %.9g", c->preset, s + 1, what[j],
			  got[j], v);
	}
}

/* Largest rms over the gradients of step s ("g<s>sum.*"): the floor scale. */
static double grad_scale(const Ctx *c, int s)
{
	char pre[16];
	int m = snprintf(pre, sizeof pre, "g%dsum.", s + 1);
	double best = 0;
	for (int i = 0; i < c->st.n; i++) {
		const StEntry *en = &c->st.ents[i];
		int64_t numel = 0;
		if (strncmp(en->name, pre, (size_t)m) || en->t.dtype != DT_F64 ||
		    tensor_numel(&en->t) != 7 ||
		    !trainer_grad(c->t, en->name + m, &numel) || numel <= 0)
			continue;
		double rms = sqrt(at_f64(&en->t, 2) / (double)numel);
		if (rms > best)
			best = rms;
	}
	return best;
}

/* Compares the engine's sum, sum|x| and sum x^2 of p (n) with sums (7). */
static int sums_ok(const float *p, int64_t n, const Tensor *sums, double sc, double *worst)
{
	double a[3] = { 0, 0, 0 };
	for (int64_t i = 0; i < n; i++) {
		a[0] += p[i];
		a[1] += fabs((double)p[i]);
		a[2] += (double)p[i] * p[i];
	}
	double q90 = at_f64(sums, 6), rn = sqrt((double)n);
	double tol[3] = {
		RTOL * n * sc + KNOISE * (at_f64(sums, 3) + q90 * rn),
		RTOL * n * sc + KNOISE * (at_f64(sums, 4) + q90 * rn),
		RTOL * n * sc * sc + KNOISE * (at_f64(sums, 5) + 2 * q90 * sc * rn),
	};
	int ok = 1;
	for (int j = 0; j < 3; j++) {
		double r = fabs(a[j] - at_f64(sums, j)) / tol[j];
		if (!(r <= 1))
			ok = 0;
		if (!(r <= *worst))
			*worst = r;
	}
	return ok;
}

/* Compares the engine's p (numel) with the stored entries of one tensor:
 * whole (vals numel long) or at idx. Sets *maxdiff and the worst ratio
 * |c - v| / tol; returns 1 if every entry is within tolerance. */
static int entries_ok(const float *p, int64_t numel, const Tensor *vals, const Tensor *noise,
		      const Tensor *idx, double sc, double q90, double *maxdiff, double *worst)
{
	int64_t m = tensor_numel(vals);
	int ok = 1;
	for (int64_t j = 0; j < m; j++) {
		int64_t i = idx ? at_i64(idx, j) : j;
		if (i < 0 || i >= numel)
			return 0;
		double v = at_f32(vals, j), d = fabs((double)p[i] - v);
		double tol = RTOL * fabs(v) + ATOL * sc + KNOISE * (at_f32(noise, j) + q90);
		if (!(d <= tol))
			ok = 0;
		if (!(d <= *maxdiff))
			*maxdiff = d;
		if (!(d / tol <= *worst))
			*worst = d / tol;
	}
	return ok;
}

/* One tensor (tag 'p' or 'g') after step s: its entries and its sums. */
static void check_tensor(Ctx *c, char tag, int s, const char *name, double gscale)
{
	char k1[128], k2[128], k3[128], k4[128];
	snprintf(k1, sizeof k1, "%c%d.%s", tag, s + 1, name);
	snprintf(k2, sizeof k2, "%c%dnoise.%s", tag, s + 1, name);
	snprintf(k3, sizeof k3, "%c%dsum.%s", tag, s + 1, name);
	snprintf(k4, sizeof k4, "idx.%s", name);
	int64_t numel = 0;
	float *p = tag == 'p' ? trainer_tensor(c->t, name, &numel)
			      : trainer_grad(c->t, name, &numel);
	const Tensor *vals = get(c, k1, DT_F32, -1), *sums = get(c, k3, DT_F64, 7);
	const Tensor *noise = vals ? get(c, k2, DT_F32, tensor_numel(vals)) : NULL;
	const Tensor *idx = get(c, k4, DT_I64, -1);
	if (vals && tensor_numel(vals) == numel)
		idx = NULL;
	int shaped = p && vals && sums && noise && numel > 0 &&
		     (idx ? tensor_numel(idx) == tensor_numel(vals) : tensor_numel(vals) == numel);
	CHECK_MSG(shaped, "%s: %s: missing in the engine or malformed fixture", c->preset, k1);
	if (!shaped)
		return;
	double sc = sqrt(at_f64(sums, 2) / (double)numel);
	if (tag == 'g' && sc < 0.01 * gscale)
		sc = 0.01 * gscale;
	double maxdiff = 0, worst = 0;
	int ok = entries_ok(p, numel, vals, noise, idx, sc, at_f64(sums, 6), &maxdiff, &worst);
	ok &= sums_ok(p, numel, sums, sc, &worst);
	logf_(c, "  %s step %d %s %s: %s maxdiff %.3g (rms %.3g, worst diff/tol %.3g)\n",
	      c->preset, s + 1, tag == 'p' ? "tensor" : "grad", name, ok ? "OK" : "BAD",
	      maxdiff, sc, worst);
	c->fails += !ok;
	CHECK_MSG(ok, "%s step %d %s %s: maxdiff %.3g, worst diff/tol %.3g", c->preset, s + 1,
		  tag == 'p' ? "tensor" : "grad", name, maxdiff, worst);
}

/* Every parameter, buffer ('p') and gradient ('g') stored for step s. */
static void check_step(Ctx *c, int s)
{
	double gs = grad_scale(c, s);
	for (int pass = 0; pass < 2; pass++) {
		char pre[16];
		int m = snprintf(pre, sizeof pre, "%c%d.", pass ? 'g' : 'p', s + 1);
		for (int i = 0; i < c->st.n; i++)
			if (!strncmp(c->st.ents[i].name, pre, (size_t)m))
				check_tensor(c, pre[0], s, c->st.ents[i].name + m, gs);
	}
}

/* Fills the step's inputs from "gen.x.<s>", "gen.z.<s>", "gen.zg.<s>". */
static int make_inputs(Ctx *c, int s, float *x, float *z, float *zg)
{
	char k[32];
	int64_t nx = (int64_t)c->n * c->xper, nz = (int64_t)c->n * c->latent;
	snprintf(k, sizeof k, "x.%d", s);
	if (gen_fill(c, k, x, nx))
		return -1;
	snprintf(k, sizeof k, "z.%d", s);
	if (gen_fill(c, k, z, nz))
		return -1;
	snprintf(k, sizeof k, "zg.%d", s);
	return c->fresh ? gen_fill(c, k, zg, nz) : 0;
}

/* Runs the steps and checks after each; the trainer is ready in c->t. */
static void run_steps(Ctx *c)
{
	size_t nx = (size_t)c->n * (size_t)c->xper, nz = (size_t)c->n * (size_t)c->latent;
	float *x = malloc(nx * sizeof *x), *z = malloc(nz * sizeof *z);
	float *zg = malloc(nz * sizeof *zg);
	CHECK(x && z && zg);
	for (int s = 0; x && z && zg && s < c->steps; s++) {
		StepStats ss = {0};
		int ok = make_inputs(c, s, x, z, zg) == 0;
		CHECK_MSG(ok, "%s: step %d inputs", c->preset, s + 1);
		if (!ok)
			break;
		int rc = trainer_step_with(c->t, x, c->n, z, c->fresh ? zg : NULL, &ss);
		CHECK_MSG(rc == 0, "%s step %d: trainer_step_with failed (%s)", c->preset,
			  s + 1, c->t->bad);
		check_stats(c, s, &ss);
		check_step(c, s);
	}
	free(x);
	free(z);
	free(zg);
}

static void check_preset(const char *preset)
{
	Ctx c = {0};
	Model *m = calloc(1, sizeof *m);
	Err e = {0};
	if (!m || fixture_open(&c, preset)) {
		free(m);
		CHECK_MSG(0, "%s: no fixture", preset);
		return;
	}
	c.t = calloc(1, sizeof *c.t);
	int ok = c.t && model_load_preset(m, preset, &e) == 0;
	CHECK_MSG(ok, "%s: model_load_preset: %s", preset, e.msg);
	if (ok) {
		ok = trainer_init(c.t, m, c.n, 1, &e) == 0;
		CHECK_MSG(ok, "%s: trainer_init: %s", preset, e.msg);
	}
	if (ok) {
		set_weights(&c);
		run_steps(&c);
		trainer_free(c.t);
	}
	if ((c.fails || getenv("GAN_PARITY_LOG")) && c.log)
		fputs(c.log, stderr);
	free(c.log);
	free(c.t);
	free(m);
	st_free(&c.st);
}

static void run(void)
{
	size_t np = sizeof presets / sizeof presets[0];
	for (size_t i = 0; i < np; i++)
		check_fixture(presets[i]);
	/* Debugging: GAN_PARITY=preset runs one; GAN_PARITY_LOG=1 prints every line. */
	const char *only = getenv("GAN_PARITY");
	for (size_t i = 0; i < np; i++)
		if (!only || !strcmp(only, presets[i]))
			check_preset(presets[i]);
}

CHECK_MAIN("test_parity")
