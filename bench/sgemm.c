/* sgemm.c - the CPU limit for `make bench`: GFLOP/s of OpenBLAS cblas_sgemm on
 * square n x n matrices at a given thread count, best of a few timed calls.
 * Usage: sgemm [N [THREADS [REPS]]] (defaults 2048 2 3); prints one line:
 * "sgemm n N threads T core NAME gflops G". */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Parses argv[i] as an integer in [lo, hi], or def when absent; -1 if invalid. */
static long arg_int(int argc, char **argv, int i, long def, long lo, long hi)
{
	if (i >= argc)
		return def;
	char *end;
	errno = 0;
	long v = strtol(argv[i], &end, 10);
	if (errno || end == argv[i] || *end || v < lo || v > hi)
		return -1;
	return v;
}

/* Fills a (n*n) with a fixed pattern in [-0.5, 0.5). */
static void fill(float *a, size_t nn, unsigned seed)
{
	unsigned s = seed;
	for (size_t i = 0; i < nn; i++) {
		s = s * 1664525u + 1013904223u;
		a[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
	}
}

int main(int argc, char **argv)
{
	long n = arg_int(argc, argv, 1, 2048, 16, 16384);
	long threads = arg_int(argc, argv, 2, 2, 1, 1024);
	long reps = arg_int(argc, argv, 3, 3, 1, 1000);
	if (n < 0 || threads < 0 || reps < 0) {
		fprintf(stderr, "usage: sgemm [N [THREADS [REPS]]]\n");
		return 1;
	}
	size_t nn = (size_t)n * (size_t)n;
	float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
	float *c = malloc(nn * sizeof *c);
	if (!a || !b || !c) {
		fprintf(stderr, "sgemm: out of memory\n");
		return 2;
	}
	fill(a, nn, 1);
	fill(b, nn, 2);
	openblas_set_num_threads((int)threads);
	int ni = (int)n;
	double best = 1e30;
	for (long r = 0; r <= reps; r++) {
		double t0 = now();
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, a, ni,
			    b, ni, 0.0f, c, ni);
		double dt = now() - t0;
		if (r > 0 && dt < best)
			best = dt;
	}
	double flop = 2.0 * (double)n * (double)n * (double)n;
	printf("sgemm n %ld threads %ld core %s gflops %.1f\n", n, threads,
	       openblas_get_corename(), flop / best * 1e-9);
	free(a);
	free(b);
	free(c);
	return 0;
}
