/* gan-eval - quality figures of generated samples, one name<TAB>value line
 * each. `moments`: mean and covariance of f32 points against typed-in
 * values or a reference data file (with W1, KS and energy distances).
 * `fd`, `kid`, `pr`, `all`: Fréchet distance, KID, precision/recall between
 * real and generated images on the features of gantools' own classifier
 * (gan-classify), or between feature files; `classes`: the classifier's
 * class histogram of samples (mode collapse). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "classes.h"
#include "classifier.h"
#include "cli.h"
#include "convert.h"
#include "dist.h"
#include "err.h"
#include "fd.h"
#include "gemm.h"
#include "infile.h"
#include "kid.h"
#include "moments.h"
#include "npy.h"
#include "outfile.h"
#include "pr.h"

#define PROG "gan-eval"
#define USAGE \
	"usage: gan-eval moments [--ref FILE | --ref-mean M1,M2,... --ref-cov C11,C12,...] [FILE]\n" \
	"       gan-eval fd|kid|pr|all [--features CLF] [-k K] [--kid-subsets N]\n" \
	"                [--kid-subset-size N] [--kid-seed S] [-t THREADS] REAL FAKE\n" \
	"       gan-eval classes [--features CLF] [-t THREADS] FILE\n"
#define BATCH 256

enum { CMD_MOMENTS, CMD_FD, CMD_KID, CMD_PR, CMD_ALL, CMD_CLASSES };

/* The commands, in the order of CMD_*. */
static const char *const subs[] = { "moments", "fd", "kid", "pr", "all", "classes", NULL };

static const char *const sub_usage[] = {
	"usage: gan-eval moments [--ref FILE | --ref-mean M1,M2,... --ref-cov C11,C12,...] [FILE]\n",
	"usage: gan-eval fd [--features CLF] [-t THREADS] REAL FAKE\n",
	"usage: gan-eval kid [--features CLF] [--kid-subsets N] [--kid-subset-size N]\n"
	"                [--kid-seed S] [-t THREADS] REAL FAKE\n",
	"usage: gan-eval pr [--features CLF] [-k K] [-t THREADS] REAL FAKE\n",
	"usage: gan-eval all [--features CLF] [-k K] [--kid-subsets N] [--kid-subset-size N]\n"
	"                [--kid-seed S] [-t THREADS] REAL FAKE\n",
	"usage: gan-eval classes [--features CLF] [-t THREADS] FILE\n",
};

enum { O_REF = 256, O_MEAN, O_COV, O_FEATURES, O_SUBSETS, O_SUBSET_SIZE, O_KID_SEED };

/* Every option is taken by every command, so that one of another command
 * gets its own message ("--ref, ... are options of moments"). */
static const CliOpt opts[] = {
	{ O_REF, 0, "ref", "FILE", "moments: compare with the points of a data file", NULL, 0 },
	{ O_MEAN, 0, "ref-mean", "M1,M2,...", "moments: compare with a typed-in mean, D numbers",
	  NULL, 0 },
	{ O_COV, 0, "ref-cov", "C11,C12,...", "moments: compare with a typed-in covariance, "
	  "D x D numbers, row-major", NULL, 0 },
	{ O_FEATURES, 0, "features", "CLF", "The classifier: a file written by gan-classify, "
	  "or a data set name NAME looked up as classifier-NAME.st", "mnist", 0 },
	{ 'k', 'k', "k", "K", "Neighbours of pr", "3", 0 },
	{ O_SUBSETS, 0, "kid-subsets", "N", "The number of KID's subsets", "100", 0 },
	{ O_SUBSET_SIZE, 0, "kid-subset-size", "N", "The size of KID's subsets",
	  "1000, or half the smaller input when it holds 1000 or fewer", 0 },
	{ O_KID_SEED, 0, "kid-seed", "S", "The seed of KID's subsets", "2020", 0 },
	{ 't', 't', "threads", "T", "CPU threads for the classifier and the figures",
	  "one per core", 0 },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts, .subs = subs, .sub_usage = sub_usage,
	.sub_noun = "command",
	.about = "Quality figures of samples, one name<TAB>value line each.",
	.footer = "REAL and FAKE: u8 images or f32 images in [-1, 1], or f32 N x D features.\n",
};

struct cmdline {
	int cmd, nfiles, k, threads, nmean, ncov;
	int set;                  /* 1: an option of the image figures; 2: of moments */
	const char *files[2], *ref, *features;
	KidOpts kid;
	double ref_mean[MOMENTS_MAXDIM], ref_cov[MOMENTS_MAXDIM * MOMENTS_MAXDIM];
};

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *cl = ctx;
	switch (key) {
	case O_MEAN:
		cl->nmean = arg_list(arg, cl->ref_mean, MOMENTS_MAXDIM);
		if (cl->nmean < 0)
			die(PROG, EXIT_BAD, "--ref-mean: expected comma-separated numbers, got '%s'", arg);
		break;
	case O_COV:
		cl->ncov = arg_list(arg, cl->ref_cov, MOMENTS_MAXDIM * MOMENTS_MAXDIM);
		if (cl->ncov < 0)
			die(PROG, EXIT_BAD, "--ref-cov: expected comma-separated numbers, got '%s'", arg);
		break;
	case O_REF: cl->ref = arg; break;
	case O_FEATURES: cl->features = arg; break;
	case 'k': cl->k = (int)cli_int(&spec, "-k", arg, 1, 1000); break;
	case O_SUBSETS: cl->kid.subsets = (int)cli_int(&spec, "--kid-subsets", arg, 1, 100000); break;
	case O_SUBSET_SIZE:
		cl->kid.subset_size = (int)cli_int(&spec, "--kid-subset-size", arg, 2, 1000000);
		break;
	case O_KID_SEED:
		cl->kid.seed = (uint32_t)cli_int(&spec, "--kid-seed", arg, 0, UINT32_MAX);
		break;
	case 't': cl->threads = (int)cli_int(&spec, "--threads", arg, 1, 1024); break;
	}
	cl->set |= key == O_REF || key == O_MEAN || key == O_COV ? 2 : key == 't' ? 0 : 1;
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	CliArgs a;
	memset(cl, 0, sizeof *cl);
	cl->k = 3;
	cl->kid = kid_defaults();
	cl->features = "mnist";
	cli_parse(&spec, argc, argv, on_opt, cl, &a);
	cl->cmd = a.sub;
	int want = cl->cmd == CMD_MOMENTS || cl->cmd == CMD_CLASSES ? 1 : 2;
	cl->nfiles = a.n;
	if (cl->nfiles > want || (want == 2 && cl->nfiles < 2))
		cli_usage(&spec, cl->cmd);
	cl->files[0] = cl->nfiles ? a.args[0] : "-";
	cl->files[1] = want == 2 ? a.args[1] : NULL;
	free(a.args);
	if (cl->cmd == CMD_MOMENTS && (cl->set & 1))
		die(PROG, EXIT_BAD, "moments takes --ref, --ref-mean and --ref-cov only");
	if (cl->cmd != CMD_MOMENTS && (cl->set & 2))
		die(PROG, EXIT_BAD, "--ref, --ref-mean and --ref-cov are options of moments");
	if (cl->ref && (cl->nmean || cl->ncov))
		die(PROG, EXIT_BAD, "--ref excludes --ref-mean and --ref-cov");
	if (want == 2 && strcmp(cl->files[0], "-") == 0 && strcmp(cl->files[1], "-") == 0)
		die(PROG, EXIT_BAD, "REAL and FAKE cannot both come from stdin");
}

static void print_row(const char *key, const double *v, int n)
{
	printf("%s", key);
	for (int i = 0; i < n; i++)
		printf("\t%.6g", v[i]);
	printf("\n");
}

static void print1(const char *key, double v)
{
	print_row(key, &v, 1);
}

static double max_abs_diff(const double *a, const double *b, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		m = fmax(m, fabs(a[i] - b[i]));
	return m;
}

/* f32 N x D points (or N for D = 1) of the first record of path. */
static int read_points(const char *path, Tensor *t)
{
	Err e = { 0 };
	char desc[128];
	if (npy_read_first(path, t, &e) < 0 || convert_to_f32(t, infile_name(path), &e) < 0)
		die_err(PROG, &e);
	int d = t->ndim == 1 ? 1 : t->ndim == 2 ? (int)t->shape[1] : 0;
	if (t->dtype != DT_F32 || d < 1 || d > MOMENTS_MAXDIM || t->shape[0] < 2)
		die(PROG, EXIT_BAD, "%s: expected f32 N x D points with N >= 2 and D <= %d, got %s",
		    infile_name(path), MOMENTS_MAXDIM, tensor_describe(t, desc, sizeof desc));
	int64_t bad = moments_nonfinite(t->data, t->shape[0], d);
	if (bad >= 0)
		die(PROG, EXIT_BAD, "%s: x holds a non-finite value at example %lld",
		    infile_name(path), (long long)bad);
	return d;
}

/* The distances between the samples t and the reference r (d dims). */
static void ref_distances(const Tensor *t, const Tensor *r, int d)
{
	Err e = { 0 };
	double w1, ks, en;
	if ((d == 1 && dist_1d(t->data, t->shape[0], r->data, r->shape[0], &w1, &ks, &e)) ||
	    dist_energy(t->data, t->shape[0], r->data, r->shape[0], d, &en, &e))
		die_err(PROG, &e);
	if (d == 1) {
		print1("w1", w1);
		print1("ks", ks);
	}
	print1("energy_distance", en);
}

/* moments: the samples' mean and covariance; against typed-in moments, or
 * against a reference file's moments and with the distances to it. */
static void cmd_moments(const struct cmdline *cl)
{
	Tensor t, r = { 0 };
	int d = read_points(cl->files[0], &t);
	int rd = cl->ref ? read_points(cl->ref, &r) : d;
	if (rd != d)
		die(PROG, EXIT_BAD, "--ref %s: %d dimensions, the samples have %d",
		    infile_name(cl->ref), rd, d);
	if (cl->nmean && cl->nmean != d)
		die(PROG, EXIT_BAD, "--ref-mean: %d values for %d dimensions", cl->nmean, d);
	if (cl->ncov && cl->ncov != d * d)
		die(PROG, EXIT_BAD, "--ref-cov: %d values for a %dx%d covariance", cl->ncov, d, d);
	double *mean = xmalloc(d * sizeof *mean), *cov = xmalloc((size_t)d * d * sizeof *cov);
	double *rm = xmalloc(d * sizeof *rm), *rc = xmalloc((size_t)d * d * sizeof *rc);
	moments(t.data, t.shape[0], d, mean, cov);
	print1("n", (double)t.shape[0]);
	print_row("mean", mean, d);
	print_row("cov", cov, d * d);
	if (cl->ref) {
		moments(r.data, r.shape[0], d, rm, rc);
		print1("n_ref", (double)r.shape[0]);
	}
	if (cl->nmean || cl->ref) {
		print_row("ref_mean", cl->ref ? rm : cl->ref_mean, d);
		print1("mean_max_abs_err", max_abs_diff(mean, cl->ref ? rm : cl->ref_mean, d));
	}
	if (cl->ncov || cl->ref) {
		print_row("ref_cov", cl->ref ? rc : cl->ref_cov, d * d);
		print1("cov_max_abs_err", max_abs_diff(cov, cl->ref ? rc : cl->ref_cov, d * d));
	}
	if (cl->ref)
		ref_distances(&t, &r, d);
	free(mean);
	free(cov);
	free(rm);
	free(rc);
	tensor_free(&t);
	tensor_free(&r);
}

/* One input of the image figures: features (n, d), and the class logits
 * (n, classes) when asked for and the input holds images. */
typedef struct {
	const char *name;
	Tensor t;                 /* the record as read */
	const float *feat;
	float *own;               /* features or logits made here */
	float *logits;
	int64_t n;
	int d;
} Input;

/* Loads the classifier on first need. */
static Classifier *classifier(const struct cmdline *cl, Classifier *c, int *loaded)
{
	Err e = { 0 };
	if (!*loaded && clf_load(c, cl->features, BATCH, &e))
		die_err(PROG, &e);
	*loaded = 1;
	return c;
}

/* Reads path: f32 N x D is taken as features; images go through the
 * classifier, giving features and, when want_logits (1: required, 2: for
 * images only), the class logits. */
static void read_input(const struct cmdline *cl, const char *path, int want_logits,
		       Classifier *c, int *loaded, Input *in)
{
	Err e = { 0 };
	memset(in, 0, sizeof *in);
	in->name = infile_name(path);
	if (npy_read_first(path, &in->t, &e) < 0 ||
	    (in->t.ndim == 2 ? convert_to_f32(&in->t, in->name, &e) :
	     convert_to_images(&in->t, in->name, &e)) < 0)
		die_err(PROG, &e);
	if (in->t.dtype == DT_F32 && in->t.ndim == 2) {
		if (want_logits == 1)
			die(PROG, EXIT_BAD, "%s: f32 N x D features hold no classes; give images "
			    "(u8 or f32 N x C x H x W)", in->name);
		in->feat = in->t.data;
		in->n = in->t.shape[0];
		in->d = (int)in->t.shape[1];
		if (in->d < 1)
			die(PROG, EXIT_BAD, "%s: features of 0 values", in->name);
		return;
	}
	classifier(cl, c, loaded);
	ClfData d;
	int64_t *none;
	if (clf_check_data(&c->m, &in->t, NULL, in->name, &d, &none, &e))
		die_err(PROG, &e);
	in->n = d.n;
	in->d = (int)c->feat_dim;
	in->own = xmalloc((size_t)d.n * (size_t)in->d * sizeof(float));
	if (want_logits)
		in->logits = xmalloc((size_t)d.n * (size_t)c->m.classes * sizeof(float));
	if (clf_run(c, &d, in->own, in->logits, &e))
		die_err(PROG, &e);
	in->feat = in->own;
}

static void input_free(Input *in)
{
	free(in->own);
	free(in->logits);
	tensor_free(&in->t);
}

static void print_classes(const Input *in, int k)
{
	double *share = xmalloc((size_t)k * sizeof *share), mx, h;
	class_histogram(in->logits, in->n, k, share, &mx, &h);
	print1("class_max_share", mx);
	print1("class_entropy", h);
	print_row("class_share", share, k);
	free(share);
}

/* The figures of cl->cmd between real and fake. */
static void figures(const struct cmdline *cl, const Input *r, const Input *f)
{
	Err e = { 0 };
	int all = cl->cmd == CMD_ALL, d = r->d;
	if (f->d != d)
		die(PROG, EXIT_BAD, "%s has features of %d values, %s of %d", r->name, d, f->name,
		    f->d);
	print1("n_real", (double)r->n);
	print1("n_fake", (double)f->n);
	if (all || cl->cmd == CMD_FD) {
		FdStats a, b;
		double v;
		if (fd_stats(r->feat, r->n, d, &a, &e) || fd_stats(f->feat, f->n, d, &b, &e) ||
		    fd_distance(&a, &b, &v, &e))
			die_err(PROG, &e);
		print1("fd", v);
		fd_stats_free(&a);
		fd_stats_free(&b);
	}
	if (all || cl->cmd == CMD_KID) {
		double mean, sd;
		int s;
		if (kid(f->feat, f->n, r->feat, r->n, d, &cl->kid, &mean, &sd, &s, &e))
			die_err(PROG, &e);
		print1("kid_mean", mean);
		print1("kid_std", sd);
		print1("kid_subset_size", s);
	}
	if (all || cl->cmd == CMD_PR) {
		Prdc p;
		if (prdc(r->feat, r->n, f->feat, f->n, d, cl->k, &p, &e))
			die_err(PROG, &e);
		print1("precision", p.precision);
		print1("recall", p.recall);
		print1("density", p.density);
		print1("coverage", p.coverage);
	}
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	Err e = { 0 };
	io_init();
	parse_args(argc, argv, &cl);
	if (cl.threads)
		gemm_set_threads(cl.threads);
	Classifier c;
	int loaded = 0;
	if (cl.cmd == CMD_MOMENTS) {
		cmd_moments(&cl);
	} else if (cl.cmd == CMD_CLASSES) {
		Input in;
		read_input(&cl, cl.files[0], 1, &c, &loaded, &in);
		print1("n", (double)in.n);
		print_classes(&in, c.m.classes);
		input_free(&in);
	} else {
		Input r, f;
		read_input(&cl, cl.files[0], 0, &c, &loaded, &r);
		read_input(&cl, cl.files[1], cl.cmd == CMD_ALL ? 2 : 0, &c, &loaded, &f);
		figures(&cl, &r, &f);
		if (f.logits)
			print_classes(&f, c.m.classes);
		input_free(&r);
		input_free(&f);
	}
	if (loaded)
		clf_free(&c);
	if (stdout_close(&e) < 0)
		die_err(PROG, &e);
	return 0;
}
