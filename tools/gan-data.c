/* gan-data - makes or converts a data set into a .npy record stream: the
 * gaussian2d and gaussian1d toys, IDX files (MNIST, Fashion-MNIST) and
 * folders of PNG images. Option parsing and orchestration only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "dataset.h"
#include "err.h"
#include "idx.h"
#include "infile.h"
#include "npy.h"
#include "outfile.h"
#include "rng.h"
#include "tensor.h"

#define PROG "gan-data"
#define COUNT_MAX (INT64_C(1) << 40)   /* bound on -n */

enum { SUB_G2, SUB_G1, SUB_MNIST, SUB_IMAGES };
enum { OPT_SEED = 256, OPT_SHUFFLE, OPT_MEAN, OPT_STD, OPT_LABELS, OPT_LABEL_DIRS, OPT_SIZE };

static const char *const sub_names[] = { "gaussian2d", "gaussian1d", "mnist", "images", NULL };

#define U_G2 "usage: gan-data gaussian2d [-n N] [--seed S] [--shuffle] [-o FILE]\n"
#define U_G1 "usage: gan-data gaussian1d [-n N] [--mean M] [--std S] [--seed S] [--shuffle] " \
	"[-o FILE]\n"
#define U_MNIST "usage: gan-data mnist [--labels FILE] [-n N] [--seed S] [--shuffle] [-o FILE] " \
	"[FILE]\n"
#define U_IMAGES "usage: gan-data images [--size S] [--labels] [-n N] [--seed S] [--shuffle] " \
	"[-o FILE] DIR\n"

static const char *const sub_usage[] = { U_G2, U_G1, U_MNIST, U_IMAGES };

static const CliOpt opts[] = {
	{ 'n', 'n', "count", "N", "The number of examples (the first N of mnist and images)",
	  "1000 for the Gaussians, all for mnist and images", 0 },
	{ OPT_SEED, 0, "seed", "S", "Seed of the Philox generator, 0 to 2^64-1", "0", 0 },
	{ OPT_SHUFFLE, 0, "shuffle", NULL, "Permute the examples, and their labels with them",
	  NULL, 0 },
	{ 'o', 'o', "output", "FILE", "Write the data set to FILE atomically", "stdout", 0 },
	{ OPT_MEAN, 0, "mean", "M", "The mean of the values", "4", 1u << SUB_G1 },
	{ OPT_STD, 0, "std", "S", "The standard deviation of the values, positive", "0.5",
	  1u << SUB_G1 },
	{ OPT_LABELS, 0, "labels", "FILE", "An IDX file of u8 labels, one per image, written "
	  "as y", NULL, 1u << SUB_MNIST },
	{ OPT_LABEL_DIRS, 0, "labels", NULL, "Label each image with its first-level subfolder, "
	  "as ImageFolder, written as y", NULL, 1u << SUB_IMAGES },
	{ OPT_SIZE, 0, "size", "S", "The side of the square output images, 1 to 4096", "64",
	  1u << SUB_IMAGES },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .opts = opts, .subs = sub_names, .sub_usage = sub_usage,
	.sub_noun = "subcommand",
	.usage = U_G2 "       gan-data gaussian1d [-n N] [--mean M] [--std S] [--seed S] [--shuffle] "
		 "[-o FILE]\n"
		 "       gan-data mnist [--labels FILE] [-n N] [--seed S] [--shuffle] [-o FILE] "
		 "[FILE]\n"
		 "       gan-data images [--size S] [--labels] [-n N] [--seed S] [--shuffle] "
		 "[-o FILE] DIR\n",
	.about = "Make or convert a data set into a .npy stream: x, then y for labels.",
};

struct cmdline {
	int sub;
	int64_t n;          /* -1: all (or the default) */
	uint64_t seed;
	int shuffle;
	const char *out;
	const char *labels_file;  /* mnist --labels FILE */
	int labels;               /* images --labels */
	int size;
	float mean, std;
	const char *input;
};

static int64_t parse_count(const char *opt, const char *s, int64_t max)
{
	int64_t v;
	if (arg_int(s, 1, max, &v)) {
		if (max >= COUNT_MAX)
			die(PROG, EXIT_BAD, "%s: expected a positive integer, got '%s'", opt, s);
		die(PROG, EXIT_BAD, "%s: expected an integer from 1 to %" PRId64 ", got '%s'",
		    opt, max, s);
	}
	return v;
}

static uint64_t parse_seed(const char *s)
{
	uint64_t v;
	if (arg_u64(s, &v))
		die(PROG, EXIT_BAD, "--seed: expected a non-negative integer, got '%s'", s);
	return v;
}

static float parse_float(const char *opt, const char *s, int positive)
{
	double v;
	if (arg_num(s, -1e30, 1e30, &v) || (positive && !(v > 0)))
		die(PROG, EXIT_BAD, "%s: expected a %snumber, got '%s'", opt,
		    positive ? "positive " : "", s);
	return (float)v;
}

/* One option of subcommand c->sub into c; bad ones end the program. */
static void on_opt(void *ctx, int opt, const char *arg)
{
	struct cmdline *c = ctx;
	switch (opt) {
	case 'n': c->n = parse_count("-n", arg, COUNT_MAX); break;
	case 'o': c->out = arg; break;
	case OPT_SEED: c->seed = parse_seed(arg); break;
	case OPT_SHUFFLE: c->shuffle = 1; break;
	case OPT_MEAN: c->mean = parse_float("--mean", arg, 0); break;
	case OPT_STD: c->std = parse_float("--std", arg, 1); break;
	case OPT_LABELS: c->labels_file = arg; break;
	case OPT_LABEL_DIRS: c->labels = 1; break;
	case OPT_SIZE: c->size = (int)parse_count("--size", arg, 4096); break;
	}
}

static void parse_args(struct cmdline *c, int argc, char **argv)
{
	CliArgs a;
	*c = (struct cmdline){ .n = -1, .size = 64, .mean = 4.0f, .std = 0.5f };
	cli_parse(&spec, argc, argv, on_opt, c, &a);
	c->sub = a.sub;
	int need_input = c->sub == SUB_MNIST || c->sub == SUB_IMAGES;
	if (a.n > (need_input ? 1 : 0) || (c->sub == SUB_IMAGES && a.n != 1)) {
		if (a.n > 0 && !need_input)
			fprintf(stderr, PROG ": %s: unexpected argument\n", a.args[0]);
		cli_usage(&spec, c->sub);
	}
	c->input = a.n == 1 ? a.args[0] : NULL;
	free(a.args);
}

/* Ends with the tool's message; the output is abandoned first. */
static _Noreturn void fail(OutFile *o, const Err *e)
{
	outfile_abort(o);
	die_err(PROG, e);
}

static void make_gaussian(const struct cmdline *c, Rng *r, Tensor *x, OutFile *o)
{
	Err e = { 0 };
	int64_t n = c->n > 0 ? c->n : 1000;
	int64_t shape[2] = { n, c->sub == SUB_G2 ? 2 : 1 };
	if (tensor_alloc(x, DT_F32, 2, shape, &e) != 0)
		fail(o, &e);
	if (c->sub == SUB_G2)
		dataset_gaussian2d(r, x->data, n);
	else
		dataset_gaussian1d(r, x->data, n, c->mean, c->std);
}

/* IDX labels (u8, 1-D) as i64, checked against the image count. */
static void read_labels(const struct cmdline *c, int64_t nimg, Tensor *y, OutFile *o)
{
	Err e = { 0 };
	Tensor raw = { 0 };
	const char *lname = infile_name(c->labels_file);
	if (idx_read_u8(c->labels_file, &raw, &e) != 0)
		fail(o, &e);
	if (raw.ndim != 1) {
		err_set(&e, EXIT_BAD, "%s: expected a 1-D IDX label file, got %d-D", lname, raw.ndim);
		fail(o, &e);
	}
	if (raw.shape[0] != nimg) {
		err_set(&e, EXIT_BAD, "%s: %" PRId64 " labels for %" PRId64 " images",
			lname, raw.shape[0], nimg);
		fail(o, &e);
	}
	if (tensor_alloc(y, DT_I64, 1, raw.shape, &e) != 0)
		fail(o, &e);
	const uint8_t *src = raw.data;
	int64_t *dst = y->data;
	for (int64_t i = 0; i < nimg; i++)
		dst[i] = src[i];
	tensor_free(&raw);
}

static int is_stdin(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

static void make_mnist(const struct cmdline *c, Tensor *x, Tensor *y, OutFile *o)
{
	Err e = { 0 };
	const char *name = infile_name(c->input);
	if (c->labels_file && is_stdin(c->input) && is_stdin(c->labels_file))
		die(PROG, EXIT_BAD, "images and labels cannot both come from stdin");
	if (idx_read_u8(c->input, x, &e) != 0)
		fail(o, &e);
	if (x->ndim != 3) {
		err_set(&e, EXIT_BAD, "%s: expected a 3-D IDX image file (n x h x w), got %d-D",
			name, x->ndim);
		fail(o, &e);
	}
	if (c->labels_file)
		read_labels(c, x->shape[0], y, o);
	x->ndim = 4;
	x->shape[3] = x->shape[2];
	x->shape[2] = x->shape[1];
	x->shape[1] = 1;
}

static void progress(int done, int total, void *ctx)
{
	if (done % 100 == 0 || done == total)
		fprintf(stderr, "\r" PROG ": %d/%d images%s", done, total,
			done == total ? "\n" : "");
}

static void make_images(const struct cmdline *c, Tensor *x, Tensor *y, OutFile *o)
{
	Err e = { 0 };
	PngList l;
	if (pnglist_scan(&l, c->input, &e) != 0)
		fail(o, &e);
	int n = c->n > 0 && c->n < l.n ? (int)c->n : l.n;
	for (int i = 0; c->labels && i < n; i++)
		if (l.labels[i] < 0) {
			err_set(&e, EXIT_BAD, "%s: not in a class subfolder (--labels)", l.paths[i]);
			fail(o, &e);
		}
	int64_t shape[4] = { n, 3, c->size, c->size };
	if (tensor_alloc(x, DT_U8, 4, shape, &e) != 0)
		fail(o, &e);
	int tty = isatty(STDERR_FILENO);
	if (dataset_load_images(&l, n, c->size, x->data, tty ? progress : NULL,
				NULL, &e) != 0) {
		if (tty)
			fputc('\n', stderr);   /* end the progress line */
		fail(o, &e);
	}
	if (c->labels) {
		if (tensor_alloc(y, DT_I64, 1, shape, &e) != 0)
			fail(o, &e);
		memcpy(y->data, l.labels, (size_t)n * sizeof(int64_t));
	}
	pnglist_free(&l);
}

int main(int argc, char **argv)
{
	io_init();
	struct cmdline c;
	parse_args(&c, argc, argv);
	Err e = { 0 };
	OutFile o;
	if (outfile_open(&o, c.out, 1, &e) != 0)
		die_err(PROG, &e);
	Rng r;
	rng_init(&r, c.seed);
	Tensor x = { 0 }, y = { 0 };
	if (c.sub == SUB_G2 || c.sub == SUB_G1)
		make_gaussian(&c, &r, &x, &o);
	else if (c.sub == SUB_MNIST)
		make_mnist(&c, &x, &y, &o);
	else
		make_images(&c, &x, &y, &o);
	int has_y = y.data != NULL;
	if (c.n > 0) {
		dataset_take(&x, c.n);
		dataset_take(&y, c.n);
	}
	if (c.shuffle && dataset_shuffle(&r, &x, has_y ? &y : NULL, &e) != 0)
		fail(&o, &e);
	if (npy_write(o.f, o.path, &x, &e) != 0 ||
	    (has_y && npy_write(o.f, o.path, &y, &e) != 0))
		fail(&o, &e);
	if (outfile_commit(&o, &e) != 0 || stdout_close(&e) != 0)
		die_err(PROG, &e);
	tensor_free(&x);
	tensor_free(&y);
	return 0;
}
