/* gan-eval - quality figures of generated samples. `moments` prints the
 * mean and covariance of f32 points and, given reference values, the
 * largest absolute error of each (the textbook's check of a Gaussian GAN). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "moments.h"
#include "npy.h"
#include "outfile.h"

#define PROG "gan-eval"
#define USAGE "usage: gan-eval moments [--ref-mean M1,M2,...] [--ref-cov C11,C12,...] [FILE]\n"

struct cmdline {
	const char *file;
	int nmean, ncov;
	double ref_mean[MOMENTS_MAXDIM], ref_cov[MOMENTS_MAXDIM * MOMENTS_MAXDIM];
};

/* "1,2.5,-3" into v; returns the count or -1. */
static int parse_list(const char *s, double *v, int max)
{
	int n = 0;
	char *end;
	for (;;) {
		if (n == max)
			return -1;
		v[n++] = strtod(s, &end);
		if (end == s || !isfinite(v[n - 1]))
			return -1;
		if (*end == 0)
			return n;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	static const struct option opts[] = {
		{"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'},
		{"ref-mean", required_argument, 0, 'm'}, {"ref-cov", required_argument, 0, 'c'},
		{0, 0, 0, 0},
	};
	memset(cl, 0, sizeof *cl);
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(USAGE, stdout); exit(0);
		case 'V': puts(PROG " (gantools) " GAN_VERSION); exit(0);
		case 'm':
			cl->nmean = parse_list(optarg, cl->ref_mean, MOMENTS_MAXDIM);
			if (cl->nmean < 0)
				die(PROG, EXIT_BAD, "--ref-mean: expected comma-separated numbers, got '%s'", optarg);
			break;
		case 'c':
			cl->ncov = parse_list(optarg, cl->ref_cov, MOMENTS_MAXDIM * MOMENTS_MAXDIM);
			if (cl->ncov < 0)
				die(PROG, EXIT_BAD, "--ref-cov: expected comma-separated numbers, got '%s'", optarg);
			break;
		default: fputs(USAGE, stderr); exit(EXIT_BAD);
		}
	}
	if (optind >= argc || strcmp(argv[optind], "moments")) {
		if (optind < argc)
			die(PROG, EXIT_BAD, "unknown command '%s' (expected moments)", argv[optind]);
		fputs(USAGE, stderr);
		exit(EXIT_BAD);
	}
	if (argc - optind > 2) {
		fputs(USAGE, stderr);
		exit(EXIT_BAD);
	}
	cl->file = optind + 1 < argc ? argv[optind + 1] : "-";
}

static void print_row(const char *key, const double *v, int n)
{
	printf("%s", key);
	for (int i = 0; i < n; i++)
		printf("\t%.6g", v[i]);
	printf("\n");
}

static double max_abs_diff(const double *a, const double *b, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - b[i]));
	return m;
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	Err e = {0};
	io_init();
	parse_args(argc, argv, &cl);
	const char *name = infile_name(cl.file);
	Tensor t;
	if (npy_read_first(cl.file, &t, &e) < 0)
		die_err(PROG, &e);
	char desc[128];
	int d = t.ndim == 1 ? 1 : t.ndim == 2 ? (int)t.shape[1] : 0;
	if (t.dtype != DT_F32 || d < 1 || d > MOMENTS_MAXDIM || t.shape[0] < 2)
		die(PROG, EXIT_BAD, "%s: expected f32 N x D points with N >= 2 and D <= %d, got %s",
		    name, MOMENTS_MAXDIM, tensor_describe(&t, desc, sizeof desc));
	if (cl.nmean && cl.nmean != d)
		die(PROG, EXIT_BAD, "--ref-mean: %d values for %d dimensions", cl.nmean, d);
	if (cl.ncov && cl.ncov != d * d)
		die(PROG, EXIT_BAD, "--ref-cov: %d values for a %dx%d covariance", cl.ncov, d, d);
	int64_t bad = moments_nonfinite(t.data, t.shape[0], d);
	if (bad >= 0)
		die(PROG, EXIT_BAD, "%s: x holds a non-finite value at example %lld", name,
		    (long long)bad);
	double *mean = xmalloc(d * sizeof *mean), *cov = xmalloc((size_t)d * d * sizeof *cov);
	moments(t.data, t.shape[0], d, mean, cov);
	double n = (double)t.shape[0];
	print_row("n", &n, 1);
	print_row("mean", mean, d);
	print_row("cov", cov, d * d);
	if (cl.nmean) {
		double err = max_abs_diff(mean, cl.ref_mean, d);
		print_row("ref_mean", cl.ref_mean, d);
		print_row("mean_max_abs_err", &err, 1);
	}
	if (cl.ncov) {
		double err = max_abs_diff(cov, cl.ref_cov, d * d);
		print_row("ref_cov", cl.ref_cov, d * d);
		print_row("cov_max_abs_err", &err, 1);
	}
	free(mean);
	free(cov);
	tensor_free(&t);
	if (stdout_close(&e) < 0)
		die_err(PROG, &e);
	return 0;
}
