/* test_dataset.c - the data set builders: the Gaussian formulas against the
 * raw rng draws, shuffling examples with their labels, truncation, PNG
 * folder scanning order and ImageFolder labels, and image loading. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dataset.h"
#include "png.h"
#include "check.h"

static void test_gaussians(void)
{
	enum { N = 257 };
	static float a[N * 2], z[N * 2], g[N];
	Rng r, q;
	rng_init(&r, 5);
	rng_init(&q, 5);
	dataset_gaussian2d(&r, a, N);
	rng_normal(&q, z, N * 2, 0, 1);
	int ok = 1;
	for (int i = 0; i < N; i++) {
		float x0 = z[2 * i], x1 = z[2 * i + 1];
		ok &= a[2 * i] == x0 * 1.0f + x1 * -0.1f + 1.0f;
		ok &= a[2 * i + 1] == x0 * 2.0f + x1 * 0.5f + 2.0f;
	}
	CHECK(ok);
	CHECK(r.counter == q.counter);
	rng_init(&r, 9);
	rng_init(&q, 9);
	dataset_gaussian1d(&r, g, N, 4.0f, 0.5f);
	rng_normal(&q, z, N, 4.0f, 0.5f);
	CHECK(memcmp(g, z, sizeof g) == 0);
}

static void test_shuffle(void)
{
	enum { N = 50 };
	Err e = { 0 };
	Tensor x, y;
	int64_t sx[2] = { N, 3 }, sy[1] = { N };
	CHECK(tensor_alloc(&x, DT_F32, 2, sx, &e) == 0);
	CHECK(tensor_alloc(&y, DT_I64, 1, sy, &e) == 0);
	float *xv = x.data;
	int64_t *yv = y.data;
	for (int i = 0; i < N; i++) {
		yv[i] = i;
		for (int j = 0; j < 3; j++)
			xv[3 * i + j] = (float)(3 * i + j);
	}
	Rng r, q;
	rng_init(&r, 11);
	rng_init(&q, 11);
	CHECK(dataset_shuffle(&r, &x, &y, &e) == 0);
	int64_t idx[N];
	for (int i = 0; i < N; i++)
		idx[i] = i;
	rng_shuffle(&q, idx, N);
	int ok = 1, moved = 0;
	for (int i = 0; i < N; i++) {
		ok &= yv[i] == idx[i];
		for (int j = 0; j < 3; j++)
			ok &= xv[3 * i + j] == (float)(3 * idx[i] + j);
		moved += idx[i] != i;
	}
	CHECK(ok && moved > 0);
	dataset_take(&x, 10);
	dataset_take(&x, 20);
	CHECK(x.shape[0] == 10);
	y.shape[0] = 9;
	CHECK(dataset_shuffle(&r, &x, &y, &e) == -1 && e.code == EXIT_BAD);
	tensor_free(&x);
	tensor_free(&y);
}

static void touch(const char *dir, const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	if (f)
		fclose(f);
}

static void mkdirs(const char *dir, const char *rel)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", dir, rel);
	CHECK(system(cmd) == 0);
}

/* Byte order puts "a-b/" before "a/"; class labels follow sorted names. */
static void test_scan(const char *dir)
{
	mkdirs(dir, "s/a");
	mkdirs(dir, "s/a-b");
	mkdirs(dir, "s/b/deep");
	mkdirs(dir, "s/.hidden");
	mkdirs(dir, "empty");
	touch(dir, "s/a/y.PNG");
	touch(dir, "s/a-b/x.png");
	touch(dir, "s/b/deep/z.png");
	touch(dir, "s/top.png");
	touch(dir, "s/a/notes.txt");
	touch(dir, "s/.hidden/q.png");
	char root[512];
	snprintf(root, sizeof root, "%s/s", dir);
	PngList l;
	Err e = { 0 };
	CHECK(pnglist_scan(&l, root, &e) == 0);
	CHECK(l.n == 4 && l.nclasses == 3);
	const char *want[] = { "a-b/x.png", "a/y.PNG", "b/deep/z.png", "top.png" };
	int64_t labels[] = { 1, 0, 2, -1 };
	for (int i = 0; i < l.n && i < 4; i++) {
		CHECK_STR(l.paths[i] + strlen(root) + 1, want[i]);
		CHECK(l.labels[i] == labels[i]);
	}
	pnglist_free(&l);
	char empty[512], msg[600];
	snprintf(empty, sizeof empty, "%s/empty", dir);
	CHECK(pnglist_scan(&l, empty, &e) == -1);
	snprintf(msg, sizeof msg, "%s: no PNG files", empty);
	CHECK_STR(e.msg, msg);
	CHECK(pnglist_scan(&l, "/nonexistent/dir", &e) == -1 && e.code == EXIT_BAD);
}

/* Same-size loading is exact: HWC pixels come back as CHW. */
static void test_load(const char *dir)
{
	const uint8_t pix[2 * 2 * 3] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	char p[512];
	snprintf(p, sizeof p, "%s/img/a.png", dir);
	mkdirs(dir, "img");
	Err e = { 0 };
	CHECK(png_write(p, pix, 2, 2, 3, &e) == 0);
	snprintf(p, sizeof p, "%s/img", dir);
	PngList l;
	CHECK(pnglist_scan(&l, p, &e) == 0);
	uint8_t out[12];
	CHECK(dataset_load_images(&l, 1, 2, out, NULL, NULL, &e) == 0);
	const uint8_t chw[12] = { 1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12 };
	CHECK(memcmp(out, chw, 12) == 0);
	uint8_t one[3];
	CHECK(dataset_load_images(&l, 1, 1, one, NULL, NULL, &e) == 0);
	pnglist_free(&l);
	touch(dir, "img/b.png");   /* empty: not a PNG */
	CHECK(pnglist_scan(&l, p, &e) == 0 && l.n == 2);
	uint8_t two[24];
	CHECK(dataset_load_images(&l, 2, 2, two, NULL, NULL, &e) == -1);
	CHECK(strstr(e.msg, "img/b.png") != NULL);
	pnglist_free(&l);
}

static void run(void)
{
	test_gaussians();
	test_shuffle();
	char dir[] = "/tmp/test_dataset.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	test_scan(dir);
	test_load(dir);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

CHECK_MAIN("test_dataset")
