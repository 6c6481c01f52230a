/* gan-data - makes or converts a data set into a .npy record stream: the
 * gaussian2d and gaussian1d toys, IDX files (MNIST, Fashion-MNIST) and
 * folders of PNG images. Option parsing and orchestration only. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "err.h"
#include "idx.h"
#include "npy.h"
#include "infile.h"
#include "outfile.h"
#include "rng.h"
#include "tensor.h"

#define PROG "gan-data"
#define COUNT_MAX (INT64_C(1) << 40)   /* bound on -n */

enum { SUB_G2, SUB_G1, SUB_MNIST, SUB_IMAGES, SUB_COUNT };

static const char *const sub_names[SUB_COUNT] = {
	"gaussian2d", "gaussian1d", "mnist", "images"
};

static const char *const sub_usage[SUB_COUNT] = {
	"usage: gan-data gaussian2d [-n N] [--seed S] [--shuffle] [-o FILE]",
	"usage: gan-data gaussian1d [-n N] [--mean M] [--std S] [--seed S] [--shuffle] [-o FILE]",
	"usage: gan-data mnist [--labels FILE] [-n N] [--seed S] [--shuffle] [-o FILE] [FILE]",
	"usage: gan-data images [--size S] [--labels] [-n N] [--seed S] [--shuffle] [-o FILE] DIR",
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

enum { OPT_SEED = 256, OPT_SHUFFLE, OPT_MEAN, OPT_STD, OPT_LABELS, OPT_SIZE,
       OPT_HELP, OPT_VERSION };

static void print_usage(FILE *f, int sub)
{
	for (int i = 0; i < SUB_COUNT; i++)
		if (sub < 0 || sub == i)
			fprintf(f, "%s%s\n", sub < 0 && i > 0 ? "       " : "",
				sub < 0 && i > 0 ? sub_usage[i] + 7 : sub_usage[i]);
}

static _Noreturn void usage_error(int sub)
{
	print_usage(stderr, sub);
	exit(EXIT_BAD);
}

static int64_t parse_count(const char *opt, const char *s, int64_t max)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > max) {
		if (max >= COUNT_MAX)
			die(PROG, EXIT_BAD, "%s: expected a positive integer, got '%s'", opt, s);
		die(PROG, EXIT_BAD, "%s: expected an integer from 1 to %" PRId64 ", got '%s'",
		    opt, max, s);
	}
	return v;
}

static uint64_t parse_seed(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		die(PROG, EXIT_BAD, "--seed: expected a non-negative integer, got '%s'", s);
	return v;
}

static float parse_float(const char *opt, const char *s, int positive)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || fabs(v) > 1e30 ||
	    (positive && !(v > 0)))
		die(PROG, EXIT_BAD, "%s: expected a %snumber, got '%s'", opt,
		    positive ? "positive " : "", s);
	return (float)v;
}

static void option_table(int sub, struct option *lo)
{
	int k = 0;
	lo[k++] = (struct option){ "seed", required_argument, NULL, OPT_SEED };
	lo[k++] = (struct option){ "shuffle", no_argument, NULL, OPT_SHUFFLE };
	lo[k++] = (struct option){ "output", required_argument, NULL, 'o' };
	lo[k++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	lo[k++] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	if (sub == SUB_G1) {
		lo[k++] = (struct option){ "mean", required_argument, NULL, OPT_MEAN };
		lo[k++] = (struct option){ "std", required_argument, NULL, OPT_STD };
	} else if (sub == SUB_MNIST) {
		lo[k++] = (struct option){ "labels", required_argument, NULL, OPT_LABELS };
	} else if (sub == SUB_IMAGES) {
		lo[k++] = (struct option){ "labels", no_argument, NULL, OPT_LABELS };
		lo[k++] = (struct option){ "size", required_argument, NULL, OPT_SIZE };
	}
	lo[k] = (struct option){ 0 };
}

/* One option of subcommand c->sub into c; bad ones end the program. */
static void apply_option(struct cmdline *c, int opt, char **argv)
{
	switch (opt) {
	case 'n': c->n = parse_count("-n", optarg, COUNT_MAX); break;
	case 'o': c->out = optarg; break;
	case OPT_SEED: c->seed = parse_seed(optarg); break;
	case OPT_SHUFFLE: c->shuffle = 1; break;
	case OPT_MEAN: c->mean = parse_float("--mean", optarg, 0); break;
	case OPT_STD: c->std = parse_float("--std", optarg, 1); break;
	case OPT_LABELS:
		if (c->sub == SUB_MNIST)
			c->labels_file = optarg;
		else
			c->labels = 1;
		break;
	case OPT_SIZE: c->size = (int)parse_count("--size", optarg, 4096); break;
	case OPT_HELP: print_usage(stdout, c->sub); exit(0);
	case OPT_VERSION: printf(PROG " (gantools) " GAN_VERSION "\n"); exit(0);
	case ':':
		fprintf(stderr, PROG ": %s: missing argument\n", argv[optind - 1]);
		usage_error(c->sub);
	default:
		fprintf(stderr, PROG ": %s: unknown option\n", argv[optind - 1]);
		usage_error(c->sub);
	}
}

static int find_sub(const char *name)
{
	for (int i = 0; i < SUB_COUNT; i++)
		if (strcmp(name, sub_names[i]) == 0)
			return i;
	return -1;
}

static void parse_args(struct cmdline *c, int argc, char **argv)
{
	if (argc < 2)
		usage_error(-1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout, -1);
		exit(0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf(PROG " (gantools) " GAN_VERSION "\n");
		exit(0);
	}
	*c = (struct cmdline){ .n = -1, .size = 64, .mean = 4.0f, .std = 0.5f };
	c->sub = find_sub(argv[1]);
	if (c->sub < 0) {
		fprintf(stderr, PROG ": unknown subcommand '%s' (expected gaussian2d, "
			"gaussian1d, mnist or images)\n", argv[1]);
		usage_error(-1);
	}
	struct option lo[12];
	option_table(c->sub, lo);
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc - 1, argv + 1, ":n:o:h", lo, NULL)) != -1)
		apply_option(c, opt == 'h' ? OPT_HELP : opt, argv + 1);
	int rest = argc - 1 - optind;
	int need_input = c->sub == SUB_MNIST || c->sub == SUB_IMAGES;
	if (rest > (need_input ? 1 : 0) || (c->sub == SUB_IMAGES && rest != 1)) {
		if (rest > 0 && !need_input)
			fprintf(stderr, PROG ": %s: unexpected argument\n", argv[1 + optind]);
		usage_error(c->sub);
	}
	c->input = rest == 1 ? argv[1 + optind] : NULL;
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
