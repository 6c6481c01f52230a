/* test_eval.c - the image and point figures of gan-eval against numpy and
 * scipy on the committed features of tests/fixtures/eval (written by
 * make_eval_fixture.py): Fréchet distance, KID with torch-fidelity's
 * subsets (numpy's MT19937 and choice), precision/recall/density/coverage,
 * W1, KS and energy distances; class histograms; edge cases. */
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "dist.h"
#include "fd.h"
#include "kid.h"
#include "npy.h"
#include "pr.h"
#include "check.h"

#define DIR "tests/fixtures/eval/"

static Tensor load(const char *name)
{
	Tensor t;
	Err e = { 0 };
	if (npy_read_first(name, &t, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		exit(2);
	}
	return t;
}

/* The value of `key` in expected.tsv (first field after the key). */
static double want(const char *key)
{
	FILE *f = fopen(DIR "expected.tsv", "r");
	char line[512];
	size_t n = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, n) == 0 && line[n] == '\t') {
			fclose(f);
			return strtod(line + n + 1, NULL);
		}
	if (f)
		fclose(f);
	fprintf(stderr, "expected.tsv: no %s\n", key);
	exit(2);
}

#define CHECK_REL(got, key, tol) do { double w_ = want(key), g_ = (got); \
	CHECK_MSG(fabs(g_ - w_) <= (tol) * fabs(w_), "%s: %.12g vs %.12g", key, g_, w_); } while (0)

static void check_fd(const Tensor *r, const Tensor *f)
{
	FdStats a, b, h1, h2;
	Err e = { 0 };
	int d = (int)r->shape[1];
	const float *rx = r->data;
	CHECK(fd_stats(rx, r->shape[0], d, &a, &e) == 0);
	CHECK(fd_stats(f->data, f->shape[0], d, &b, &e) == 0);
	double v = -1, self = -1;
	CHECK(fd_distance(&a, &b, &v, &e) == 0);
	CHECK_REL(v, "fd", 1e-9);
	CHECK(fd_distance(&a, &a, &self, &e) == 0 && self >= 0 && self < 1e-9);
	CHECK(fd_stats(rx, 200, d, &h1, &e) == 0 && fd_stats(rx + 200 * d, 200, d, &h2, &e) == 0);
	CHECK(fd_distance(&h1, &h2, &v, &e) == 0);
	CHECK_REL(v, "fd_self_split", 1e-9);
	fd_stats_free(&h1);
	CHECK(fd_stats(rx, 1, d, &h1, &e) == -1);
	fd_stats_free(&a);
	fd_stats_free(&b);
	fd_stats_free(&h2);
}

static void check_kid(const Tensor *r, const Tensor *f)
{
	Mt19937 mt;
	mt_seed(&mt, 2020);
	CHECK(mt_next(&mt) == (uint32_t)want("mt_first"));
	int64_t perm[400], idx[10];
	mt_seed(&mt, 2020);
	mt_choice(&mt, 400, 10, perm, idx);
	FILE *fx = fopen(DIR "expected.tsv", "r");
	char line[512];
	int same = 0;
	while (fx && fgets(line, sizeof line, fx))
		if (strncmp(line, "choice\t", 7) == 0) {
			char *p = line + 7;
			same = 1;
			for (int i = 0; i < 10; i++)
				same &= strtoll(p, &p, 10) == idx[i];
		}
	if (fx)
		fclose(fx);
	CHECK_MSG(same, "RandomState(2020).choice(400, 10, replace=False) differs");

	KidOpts o = kid_defaults();
	double mean, sd;
	int s;
	Err e = { 0 };
	int d = (int)r->shape[1];
	CHECK(kid(f->data, f->shape[0], r->data, r->shape[0], d, &o, &mean, &sd, &s, &e) == 0);
	CHECK(s == (int)want("kid_subset_size"));
	CHECK_REL(mean, "kid_mean", 1e-9);
	CHECK_REL(sd, "kid_std", 1e-8);
	o.subsets = 7;
	o.subset_size = 50;
	o.seed = 3;
	CHECK(kid(f->data, f->shape[0], r->data, r->shape[0], d, &o, &mean, &sd, &s, &e) == 0);
	CHECK(s == 50);
	CHECK_REL(mean, "kid7_mean", 1e-9);
	CHECK_REL(sd, "kid7_std", 1e-8);
	CHECK(kid(f->data, 3, r->data, 400, d, &o, &mean, &sd, &s, &e) == -1);
	CHECK_STR(e.msg, "KID needs 4 or more vectors in each set, got 3");
}

static void check_pr(const Tensor *r, const Tensor *f)
{
	Prdc p;
	Err e = { 0 };
	int d = (int)r->shape[1];
	for (int k = 3; k <= 5; k += 2) {
		char key[32];
		CHECK(prdc(r->data, r->shape[0], f->data, f->shape[0], d, k, &p, &e) == 0);
		snprintf(key, sizeof key, "precision_k%d", k);
		CHECK_REL(p.precision, key, 1e-12);
		snprintf(key, sizeof key, "recall_k%d", k);
		CHECK_REL(p.recall, key, 1e-12);
		snprintf(key, sizeof key, "density_k%d", k);
		CHECK_REL(p.density, key, 1e-12);
		snprintf(key, sizeof key, "coverage_k%d", k);
		CHECK_REL(p.coverage, key, 1e-12);
	}
	/* A set against itself: every sample inside its own ball's neighbours. */
	CHECK(prdc(r->data, 100, r->data, 100, d, 3, &p, &e) == 0);
	CHECK(p.precision == 1 && p.recall == 1 && p.coverage == 1);
	CHECK(prdc(r->data, 3, f->data, 100, d, 3, &p, &e) == -1);
}

static void check_points(void)
{
	Tensor x1 = load(DIR "x1.npy"), y1 = load(DIR "y1.npy");
	Tensor x2 = load(DIR "x2.npy"), y2 = load(DIR "y2.npy");
	double w1, ks, en;
	Err e = { 0 };
	CHECK(dist_1d(x1.data, x1.shape[0], y1.data, y1.shape[0], &w1, &ks, &e) == 0);
	CHECK_REL(w1, "w1_1d", 1e-9);
	CHECK_REL(ks, "ks_1d", 1e-12);
	CHECK(dist_energy(x1.data, x1.shape[0], y1.data, y1.shape[0], 1, &en, &e) == 0);
	CHECK_REL(en, "energy_1d", 1e-9);
	CHECK(dist_energy(x2.data, x2.shape[0], y2.data, y2.shape[0], 2, &en, &e) == 0);
	CHECK_REL(en, "energy_2d", 1e-9);
	/* The 1-D energy distance by pairs equals the CDF integral. */
	float *a = x1.data, *b = y1.data;
	double pairs = 0, xx = 0, yy = 0;
	for (int i = 0; i < 300; i++)
		for (int j = 0; j < 250; j++)
			pairs += fabs((double)a[i] - b[j]);
	for (int i = 0; i < 300; i++)
		for (int j = 0; j < 300; j++)
			xx += fabs((double)a[i] - a[j]);
	for (int i = 0; i < 250; i++)
		for (int j = 0; j < 250; j++)
			yy += fabs((double)b[i] - b[j]);
	double byp = sqrt(2 * pairs / (300.0 * 250) - xx / 9e4 - yy / 62500.0);
	CHECK_REL(byp, "energy_1d", 1e-9);
	CHECK(dist_1d(a, 300, a, 300, &w1, &ks, &e) == 0 && w1 == 0 && ks == 0);
	tensor_free(&x1);
	tensor_free(&y1);
	tensor_free(&x2);
	tensor_free(&y2);
}

static void check_classes(void)
{
	float logits[12] = { 1, 2, 0, 5, 1, 1, 3, 3, 0, 0, 9, 1 };
	double share[3], mx, h;
	class_histogram(logits, 4, 3, share, &mx, &h);
	CHECK(share[0] == 0.5 && share[1] == 0.5 && share[2] == 0 && mx == 0.5);
	CHECK(fabs(h - log(2.0)) < 1e-15);
	class_histogram(logits, 1, 3, share, &mx, &h);
	CHECK(mx == 1 && h == 0);
}

static void run(void)
{
	Tensor r = load(DIR "real.npy"), f = load(DIR "fake.npy");
	check_fd(&r, &f);
	check_kid(&r, &f);
	check_pr(&r, &f);
	check_points();
	check_classes();
	tensor_free(&r);
	tensor_free(&f);
}

CHECK_MAIN("test_eval")
