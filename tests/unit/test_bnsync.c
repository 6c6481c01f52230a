/* test_bnsync.c - synchronised batch norm (bnsync.h): two slices of a batch,
 * normalised in two threads whose sums meet through the callback (as two
 * processes' would through MPI), equal batch norm over the whole batch:
 * outputs, saved statistics, running statistics, din and dgamma + dbeta;
 * uneven slices, BatchNorm1d and 2d; a failed reduction is reported. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "batchnorm.h"
#include "bnsync.h"
#include "check.h"

/* Two threads' sums: each puts its buffer in slot[id], both wait, each
 * takes slot[0] + slot[1] (in that order, so both get the same bits). */
typedef struct {
	pthread_barrier_t bar;
	double slot[2][64];
} Meet;

typedef struct {
	Meet *meet;
	int id;
} Side;

static int meet_sum(void *ctx, double *buf, size_t n)
{
	Side *s = ctx;
	memcpy(s->meet->slot[s->id], buf, n * sizeof *buf);
	pthread_barrier_wait(&s->meet->bar);
	for (size_t i = 0; i < n; i++)
		buf[i] = s->meet->slot[0][i] + s->meet->slot[1][i];
	pthread_barrier_wait(&s->meet->bar);
	return 0;
}

static int fail_sum(void *ctx, double *buf, size_t n)
{
	return -1;
}

/* One slice: examples [n0, n0 + s.n) of the whole tensors below. */
typedef struct {
	Side side;
	BnShape s;
	size_t off;               /* n0 * c * hw */
	const float *x, *dy, *gamma, *beta;
	float *out, *din, mean[8], rstd[8], rm[8], rv[8], dg[8], db[8];
	double work[17];
} Slice;

static void *slice_run(void *arg)
{
	Slice *p = arg;
	BnSync y = { meet_sum, &p->side, p->work, 17, 0 };
	bnsync_forward_train(p->out + p->off, p->mean, p->rstd, p->rm, p->rv, p->x + p->off,
			     p->gamma, p->beta, &p->s, &y);
	bnsync_backward(p->din + p->off, p->dg, p->db, p->dy + p->off, p->x + p->off,
			p->mean, p->rstd, p->gamma, &p->s, &y);
	return NULL;
}

/* n examples of (c, hw) split at n1, against batchnorm.c on the whole. */
static void split_case(int n, int c, int hw, int n1, const char *label)
{
	TestRng r = { 11 };
	size_t tot = (size_t)n * c * hw;
	float *x = test_rnd_vec(&r, tot), *dy = test_rnd_vec(&r, tot);
	float *g = test_rnd_vec(&r, c), *b = test_rnd_vec(&r, c);
	float *out = calloc(tot, 4), *din = calloc(tot, 4);
	float *out1 = calloc(tot, 4), *din1 = calloc(tot, 4);
	float mean[8], rstd[8], rm[8], rv[8], dg[8] = { 0 }, db[8] = { 0 };
	for (int i = 0; i < c; i++)
		x[i] += 2.0f, rm[i] = 0.1f * i, rv[i] = 1.0f + 0.2f * i;
	BnShape s = { n, c, hw, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	batchnorm_forward_train(out1, mean, rstd, rm, rv, x, g, b, &s);
	batchnorm_backward(din1, dg, db, dy, NULL, x, mean, rstd, g, &s);
	Meet m;
	pthread_barrier_init(&m.bar, NULL, 2);
	Slice sl[2];
	pthread_t th[2];
	for (int k = 0; k < 2; k++) {
		Slice *p = &sl[k];
		memset(p, 0, sizeof *p);
		p->side = (Side){ &m, k };
		p->s = s;
		p->s.n = k ? n - n1 : n1;
		p->off = k ? (size_t)n1 * c * hw : 0;
		p->x = x, p->dy = dy, p->gamma = g, p->beta = b, p->out = out, p->din = din;
		for (int i = 0; i < c; i++)
			p->rm[i] = 0.1f * i, p->rv[i] = 1.0f + 0.2f * i;
		pthread_create(&th[k], NULL, slice_run, p);
	}
	for (int k = 0; k < 2; k++)
		pthread_join(th[k], NULL);
	pthread_barrier_destroy(&m.bar);
	float dgs[8], dbs[8];
	for (int i = 0; i < c; i++)
		dgs[i] = sl[0].dg[i] + sl[1].dg[i], dbs[i] = sl[0].db[i] + sl[1].db[i];
	CHECK_CLOSE(out, out1, tot, 1e-6, 1e-5, label);
	CHECK_CLOSE(din, din1, tot, 1e-6, 1e-5, label);
	for (int k = 0; k < 2; k++) {
		CHECK_CLOSE(sl[k].mean, mean, (size_t)c, 1e-7, 1e-6, label);
		CHECK_CLOSE(sl[k].rstd, rstd, (size_t)c, 1e-7, 1e-6, label);
		CHECK_CLOSE(sl[k].rm, rm, (size_t)c, 1e-7, 1e-6, label);
		CHECK_CLOSE(sl[k].rv, rv, (size_t)c, 1e-7, 1e-6, label);
	}
	CHECK_CLOSE(dgs, dg, (size_t)c, 1e-6, 1e-5, label);
	CHECK_CLOSE(dbs, db, (size_t)c, 1e-6, 1e-5, label);
	free(x), free(dy), free(g), free(b), free(out), free(din), free(out1), free(din1);
}

/* A reduction that fails: flagged, outputs finite. */
static void failed_reduction(void)
{
	TestRng r = { 5 };
	float *x = test_rnd_vec(&r, 24), out[24], din[24], mean[3], rstd[3];
	double work[7];
	BnShape s = { 2, 3, 4, 1e-5f, 0.1f, 0, 0, BN_ACT_NONE, 0 };
	BnSync y = { fail_sum, NULL, work, 7, 0 };
	bnsync_forward_train(out, mean, rstd, NULL, NULL, x, NULL, NULL, &s, &y);
	bnsync_backward(din, NULL, NULL, x, x, mean, rstd, NULL, &s, &y);
	int finite = 1;
	for (int i = 0; i < 24; i++)
		finite &= isfinite(out[i]) && isfinite(din[i]);
	CHECK(y.failed == 1 && finite);
	free(x);
}

static void run(void)
{
	split_case(5, 3, 4, 2, "bn2d 5 = 2 + 3");
	split_case(6, 8, 9, 3, "bn2d 6 = 3 + 3");
	split_case(6, 7, 1, 1, "bn1d 6 = 1 + 5");
	failed_reduction();
}

CHECK_MAIN("test_bnsync")
