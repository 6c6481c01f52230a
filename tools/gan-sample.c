/* gan-sample - draws samples from a checkpoint's generator or its EMA (batch
 * norm on the running statistics, or on each batch's own with --bn batch):
 * seeded noise, the fixed noise, or a lerp between two draws; .npy or a PNG
 * grid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "ckpt.h"
#include "cli.h"
#include "device.h"
#include "ema.h"
#include "err.h"
#include "grid.h"
#include "infile.h"
#include "memcheck.h"
#include "npy.h"
#include "outfile.h"
#include "png.h"
#include "sample.h"
#include "train.h"

#define PROG "gan-sample"
#define USAGE "usage: gan-sample [-n N] [--seed S | --fixed] [--interpolate K] [--ema]\n" \
	"                  [--bn running|batch] [--batch B] [--png FILE [--grid RxC] [--scale K]]\n" \
	"                  [--device cpu|cuda] [-o FILE] [CKPT]\n"

#define CHUNK 256

enum { O_DEVICE = 256, O_BN, O_SCALE, O_EMA };

static const char *const bn_modes[] = { "running", "batch", NULL };

static const CliOpt opts[] = {
	{ 'n', 'n', "count", "N", "Number of samples",
	  "R*C with --grid RxC, else 64, or all the fixed noise with --fixed", 0 },
	{ 's', 's', "seed", "S", "Seed of the latent noise, 0 to 2^64-1", "0", 0 },
	{ 'f', 'f', "fixed", NULL, "Use the checkpoint's fixed noise (noise.fixed), its first "
	  "N vectors", NULL, 0 },
	{ 'i', 'i', "interpolate", "K", "K samples on the straight line (lerp) from one latent "
	  "draw to a second one (with --fixed: fixed vectors 0 and 1), ends included", NULL, 0 },
	{ O_EMA, 0, "ema", NULL, "Sample from G_ema, the exponential moving average of G that a "
	  "model with ema = DECAY keeps, instead of G", NULL, 0 },
	{ O_BN, 0, "bn", "running|batch", "How G's batch-norm layers normalise: with the running "
	  "statistics (eval mode) or with each batch's own (train mode)", "running", 0 },
	{ 'b', 'b', "batch", "B", "Samples per forward pass of G, at most", "256", 0 },
	{ 'p', 'p', "png", "FILE", "Write a PNG grid of the samples instead of the .npy record",
	  NULL, 0 },
	{ 'g', 'g', "grid", "RxC", "Rows and columns of the grid",
	  "ceil(sqrt(N)) columns and as many rows as needed", 0 },
	{ O_SCALE, 0, "scale", "K", "Draw each pixel of the grid as a K x K block, 1 to 32",
	  "1", 0 },
	{ O_DEVICE, 0, "device", "cpu|cuda", "Where the generator runs",
	  "cuda when a device is found and runs the generator, else cpu", 0 },
	{ 'o', 'o', "output", "FILE", "Write the .npy record to FILE atomically", "stdout", 0 },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts,
	.about = "Draw samples from a checkpoint's generator.",
};

struct cmdline {
	const char *ckpt, *out, *png;
	int n, fixed, interp, rows, cols, scale, ema, batch, seeded, scaled;
	int bn_batch;             /* --bn batch: BN on each batch's statistics */
	uint64_t seed;
	Device device;            /* DEV_AUTO unless --device */
};

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *cl = ctx;
	Err e = { 0 };
	switch (key) {
	case 'n': cl->n = (int)cli_int(&spec, "-n", arg, 1, 1000000); break;
	case 's':
		if (arg_u64(arg, &cl->seed))
			die(PROG, EXIT_BAD, "--seed: expected an integer 0..2^64-1, got '%s'", arg);
		cl->seeded = 1;
		break;
	case 'f': cl->fixed = 1; break;
	case 'i': cl->interp = (int)cli_int(&spec, "--interpolate", arg, 2, 1000000); break;
	case O_EMA: cl->ema = 1; break;
	case O_BN:
		cl->bn_batch = arg_choice(arg, bn_modes);
		if (cl->bn_batch < 0)
			die(PROG, EXIT_BAD, "--bn: expected 'running' or 'batch', got '%s'", arg);
		break;
	case 'b': cl->batch = (int)cli_int(&spec, "--batch", arg, 1, 65536); break;
	case 'p': cl->png = arg; break;
	case 'g':
		if (arg_grid(arg, 1000, &cl->rows, &cl->cols))
			die(PROG, EXIT_BAD, "--grid: expected RxC like 5x5, got '%s'", arg);
		break;
	case O_SCALE:
		cl->scale = (int)cli_int(&spec, "--scale", arg, 1, 32);
		cl->scaled = 1;
		break;
	case O_DEVICE:
		if (device_parse(arg, &cl->device, &e))
			die_err(PROG, &e);
		break;
	case 'o': cl->out = arg; break;
	}
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	CliArgs a;
	memset(cl, 0, sizeof *cl);
	cl->device = DEV_AUTO;
	cl->scale = 1;
	cl->batch = CHUNK;
	cli_parse(&spec, argc, argv, on_opt, cl, &a);
	if (a.n > 1)
		cli_usage(&spec, -1);
	cl->ckpt = a.n ? a.args[0] : "-";
	free(a.args);
	if (cl->scaled && !cl->png)
		die(PROG, EXIT_BAD, "--scale needs --png FILE");
	if (cl->seeded && cl->fixed)
		die(PROG, EXIT_BAD, "--seed and --fixed exclude each other");
	if (cl->interp && cl->n)
		die(PROG, EXIT_BAD, "--interpolate K gives K samples; leave out -n");
	if ((cl->rows || cl->cols) && !cl->png)
		die(PROG, EXIT_BAD, "--grid needs --png FILE");
}

/* z (n, lat): the latent vectors the options ask for. */
static float *make_latent(Trainer *t, const struct cmdline *cl, int n)
{
	size_t lat = (size_t)shape_numel(&t->m.latent);
	float *z = xmalloc((size_t)n * lat * sizeof(float));
	float ends[2 * 4096];
	const float *src = t->fixed;
	Rng r;
	rng_init(&r, seed_stream(cl->seed, SEED_SAMPLE));
	if (!cl->interp) {
		if (cl->fixed)
			memcpy(z, t->fixed, (size_t)n * lat * sizeof(float));
		else
			trainer_noise(&t->m, &r, z, n);
		return z;
	}
	if (lat > 4096)
		die(PROG, EXIT_BAD, "--interpolate: latent too large");
	if (!cl->fixed) {
		trainer_noise(&t->m, &r, ends, 2);
		src = ends;
	}
	for (int i = 0; i < n; i++) {
		float a = (float)i / (float)(n - 1);
		for (size_t k = 0; k < lat; k++)
			z[(size_t)i * lat + k] = src[k] + a * (src[lat + k] - src[k]);
	}
	return z;
}

/* Writes the samples (n, data shape) as a PNG grid. */
static void write_png(const Trainer *t, const struct cmdline *cl, float *x, int n)
{
	const Shape3 *s = &t->m.data;
	Err e = { 0 };
	Tensor img = { .dtype = DT_F32, .ndim = 4, .shape = { n, s->c, s->h, s->w },
		       .data = x, .borrowed = 1 };
	GridOpt go = { .rows = cl->rows, .cols = cl->cols, .pad = 2, .scale = cl->scale,
		       .pad_value = 0 };
	uint8_t *pix;
	int w, h, ch;
	if (grid_compose(&img, "samples", &go, &pix, &w, &h, &ch, &e) ||
	    png_write(cl->png, pix, w, h, ch, &e))
		die_err(PROG, &e);
	free(pix);
}

/* Refuses, before any sample is made, a run whose latents, samples and
 * grid would not fit in memory, whose grid is too large, or whose model
 * makes no images for --png. */
static void check_plan(const Trainer *t, const struct cmdline *cl, int n)
{
	const Shape3 *s = &t->m.data;
	size_t lat = (size_t)shape_numel(&t->m.latent), dat = (size_t)shape_numel(s);
	size_t bytes = ((size_t)n * lat + (size_t)(cl->png ? n : cl->batch) * dat) * sizeof(float);
	Err e = { 0 };
	char what[64];
	int64_t W = 0, H = 0;
	GridOpt go = { .rows = cl->rows, .cols = cl->cols, .pad = 2, .scale = cl->scale };
	if (cl->png && (s->ndim != 3 || (s->c != 1 && s->c != 3)))
		die(PROG, EXIT_BAD, "--png: model %s makes %s data, not 1- or 3-channel images",
		    t->m.name, s->ndim == 1 ? "point" : "other");
	if (cl->png && grid_size(n, s->c, s->h, s->w, &go, cl->png, &W, &H, &e))
		die_err(PROG, &e);
	snprintf(what, sizeof what, "%d samples", n);
	if (mem_check(bytes + (size_t)(W * H * s->c), what, NULL, &e))
		die_err(PROG, &e);
}

/* x (n, data) = G(z (n, latent)) in batches of sample_batch(n, --batch), batch
 * norm in eval mode (running statistics) or, with --bn batch, in train mode
 * (each batch's statistics), on the device the options and the machine
 * pick. With an output o, x holds one chunk and
 * each chunk is written to o as soon as it is made, so a reader that stops
 * early (head -c 1) ends the run at once. */
static void generate(Trainer *t, const struct cmdline *cl, const float *z, int n, float *x,
		     OutFile *o)
{
	size_t lat = (size_t)shape_numel(&t->m.latent), dat = (size_t)shape_numel(&t->m.data);
	Device dev;
	Backend be;
	Err e = { 0 };
	if (device_pick(cl->device, &t->m, 0, &dev, &e) || device_open(dev, &be, &e) ||
	    net_place(&t->g, be, &e))
		die_err(PROG, &e);
	int chunk = sample_batch(n, cl->batch);
	for (int i = 0; i < n; i += chunk) {
		int b = n - i < chunk ? n - i : chunk;
		float *xi = o ? x : x + (size_t)i * dat;
		if (net_forward_host(&t->g, z + (size_t)i * lat, b, cl->bn_batch, xi, &e))
			die_err(PROG, &e);
		int64_t bad = f32_first_nonfinite(xi, (int64_t)b * (int64_t)dat);
		if (bad >= 0) {
			outfile_abort(o);
			die(PROG, EXIT_NONFINITE, "%s: G gives a non-finite value in sample %lld; "
			    "nothing written", infile_name(cl->ckpt), (long long)(i + bad / dat));
		}
		errno = 0;
		if (o && fwrite(xi, sizeof(float), (size_t)b * dat, o->f) != (size_t)b * dat) {
			err_sys(&e, "%s: write error", o->is_stdout ? "<stdout>" : o->path);
			outfile_abort(o);
			die_err(PROG, &e);
		}
	}
	net_drop(&t->g);
	device_close(be);
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	Err e = { 0 };
	io_init();
	parse_args(argc, argv, &cl);
	Trainer t;
	FILE *f = infile_open(cl.ckpt, 1, &e);
	if (!f || ckpt_read(&t, f, infile_name(cl.ckpt), cl.batch, &e))
		die_err(PROG, &e);
	infile_close(f);
	if (cl.ema && t.m.ema <= 0)
		die(PROG, EXIT_BAD, "--ema: %s holds no EMA of G (its model sets no 'ema')",
		    infile_name(cl.ckpt));
	if (cl.ema)
		ema_apply(&t.ema, &t.g);
	int n = cl.interp ? cl.interp : cl.n ? cl.n : cl.rows ? cl.rows * cl.cols :
		cl.fixed ? t.m.fixed_samples : 64;
	if (cl.fixed && !cl.interp && n > t.m.fixed_samples)
		die(PROG, EXIT_BAD, "-n %d: the checkpoint holds %d fixed noise vectors", n,
		    t.m.fixed_samples);
	if (cl.fixed && cl.interp && t.m.fixed_samples < 2)
		die(PROG, EXIT_BAD, "--interpolate --fixed needs 2 fixed noise vectors");
	if (cl.bn_batch && n < 2 && net_has_batchnorm(&t.g))
		die(PROG, EXIT_BAD, "--bn batch: the statistics of a batch of 1 sample are "
		    "degenerate; draw at least 2 (or use --bn running)");
	if (cl.png && cl.rows && (int64_t)cl.rows * cl.cols < n)
		die(PROG, EXIT_BAD, "--grid %dx%d holds %d tiles, fewer than the %d samples; "
		    "use a larger grid or -n %d", cl.rows, cl.cols, cl.rows * cl.cols, n,
		    cl.rows * cl.cols);
	check_plan(&t, &cl, n);
	float *z = make_latent(&t, &cl, n);
	size_t dat = (size_t)shape_numel(&t.m.data);
	float *x = xmalloc((size_t)(cl.png ? n : cl.batch) * dat * sizeof(float));
	if (cl.png) {
		generate(&t, &cl, z, n, x, NULL);
		write_png(&t, &cl, x, n);
	}
	if (!cl.png || cl.out) {
		OutFile o;
		int64_t shape[4] = { n, t.m.data.c, t.m.data.h, t.m.data.w };
		const char *name = cl.out && strcmp(cl.out, "-") ? cl.out : "<stdout>";
		if (outfile_open(&o, cl.out, 1, &e))
			die_err(PROG, &e);
		int rc = npy_write_header(o.f, name, DT_F32, 1 + t.m.data.ndim, shape, &e);
		if (rc == 0 && cl.png)
			rc = fwrite(x, sizeof(float), (size_t)n * dat, o.f) == (size_t)n * dat ? 0 :
			     err_sys(&e, "%s: write error", name);
		if (rc) {
			outfile_abort(&o);
			die_err(PROG, &e);
		}
		if (!cl.png)
			generate(&t, &cl, z, n, x, &o);
		if (outfile_commit(&o, &e))
			die_err(PROG, &e);
	}
	free(x);
	free(z);
	trainer_free(&t);
	return 0;
}
