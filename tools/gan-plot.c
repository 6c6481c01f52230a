/* gan-plot - pictures of GAN runs: loss curves from gan-step logs, quality
 * figures per epoch from the scripts' metrics.tsv, 2-D scatter of real vs
 * generated points, 1-D densities with D's decision boundary, image grids
 * (PNG, or SVG with --svg or a .svg name), and animations (APNG). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apng.h"
#include "args.h"
#include "ckpt.h"
#include "cli.h"
#include "convert.h"
#include "decision.h"
#include "err.h"
#include "grid.h"
#include "infile.h"
#include "metricslog.h"
#include "npy.h"
#include "outfile.h"
#include "plot.h"
#include "png.h"
#include "tsvlog.h"

#define PROG "gan-plot"
#define U_LOSS "usage: gan-plot loss [-o FILE] [--svg] [--title T] [--by step|epoch] [--probs]\n" \
	"                     [--smooth K] LOG.tsv...\n"
#define U_METRICS "usage: gan-plot metrics [-o FILE] [--svg] [--title T] METRICS.tsv...\n"
#define U_SCATTER "usage: gan-plot scatter [-o FILE] [--svg] [--title T] REAL.npy FAKE.npy\n"
#define U_DENSITY "usage: gan-plot density [-o FILE] [--svg] [--title T] [--ckpt CKPT] [--bins N]\n" \
	"                        [--range LO:HI] REAL.npy FAKE.npy\n"
#define U_GRID "usage: gan-plot grid [-o FILE] [--grid RxC] [--scale K] [SAMPLES.npy]\n"
#define U_ANIMATE "usage: gan-plot animate [-o FILE] [--delay MS] [--loop N] FRAME.png...\n"
#define USAGE U_LOSS \
	"       gan-plot metrics [-o FILE] [--svg] [--title T] METRICS.tsv...\n" \
	"       gan-plot scatter [-o FILE] [--svg] [--title T] REAL.npy FAKE.npy\n" \
	"       gan-plot density [-o FILE] [--svg] [--title T] [--ckpt CKPT] [--bins N]\n" \
	"                        [--range LO:HI] REAL.npy FAKE.npy\n" \
	"       gan-plot grid [-o FILE] [--grid RxC] [--scale K] [SAMPLES.npy]\n" \
	"       gan-plot animate [-o FILE] [--delay MS] [--loop N] FRAME.png...\n"

enum { SUB_LOSS, SUB_METRICS, SUB_SCATTER, SUB_DENSITY, SUB_GRID, SUB_ANIMATE };
enum { O_SVG = 256, O_TITLE, O_BY, O_CKPT, O_BINS, O_RANGE, O_GRID, O_SCALE, O_PROBS,
       O_SMOOTH, O_DELAY, O_LOOP };

static const char *const subs[] = { "loss", "metrics", "scatter", "density", "grid", "animate",
				    NULL };
static const char *const sub_usage[] = { U_LOSS, U_METRICS, U_SCATTER, U_DENSITY, U_GRID,
					 U_ANIMATE };

static const CliOpt opts[] = {
	{ 'o', 'o', "output", "FILE", "Write the picture to FILE atomically", "stdout", 0 },
	{ O_SVG, 0, "svg", NULL, "SVG instead of PNG, as for a FILE ending in .svg (not for "
	  "grid and animate)", NULL, 0 },
	{ O_TITLE, 0, "title", "T", "Title of the chart (not for grid and animate)",
	  "Training losses, Sample quality per epoch, Real vs generated, or 1-D densities "
	  "and decision boundary", 0 },
	{ O_BY, 0, "by", "step|epoch", "The x axis of the losses", "epoch when every log "
	  "has one line per epoch, else step", 1u << SUB_LOSS },
	{ O_PROBS, 0, "probs", NULL, "Also draw D(x) and D(G(z)), the mean probabilities D gave "
	  "real and generated batches", NULL, 1u << SUB_LOSS },
	{ O_SMOOTH, 0, "smooth", "K", "Draw each series as its centred moving average over K log "
	  "lines, 1 to 100000, the raw values faint behind it", NULL, 1u << SUB_LOSS },
	{ O_CKPT, 0, "ckpt", "CKPT", "Draw the decision boundary of CKPT's D", NULL,
	  1u << SUB_DENSITY },
	{ O_BINS, 0, "bins", "N", "Histogram bins, 2 to 10000", "50", 1u << SUB_DENSITY },
	{ O_RANGE, 0, "range", "LO:HI", "The x range", "the data's, widened by 10%",
	  1u << SUB_DENSITY },
	{ O_GRID, 0, "grid", "RxC", "Rows and columns of the grid",
	  "a square that fits all images", 1u << SUB_GRID },
	{ O_SCALE, 0, "scale", "K", "Enlarge each image K times (nearest neighbour), 1 to 32",
	  "1", 1u << SUB_GRID },
	{ O_DELAY, 0, "delay", "MS", "Time each frame shows, in milliseconds, 1 to 65535", "200",
	  1u << SUB_ANIMATE },
	{ O_LOOP, 0, "loop", "N", "How many times the animation plays, 0 to 65535; 0 is forever",
	  "0", 1u << SUB_ANIMATE },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts, .subs = subs, .sub_usage = sub_usage,
	.sub_noun = "command",
	.about = "Pictures of GAN runs: loss curves, quality per epoch, real vs generated\n"
		 "points, 1-D densities with D's decision boundary, image grids, animations.\n"
		 "PNG, or SVG for the charts.",
};

struct cmdline {
	int cmd;
	const char *out, *title, *by, *ckpt;
	int svg, bins, have_range, scale, rows, cols;
	int probs, smooth;        /* loss: --probs panel; --smooth K lines */
	int delay, loop;          /* animate: ms per frame; plays (0: forever) */
	double lo, hi;
	int nfiles;
	char **files;
};

static _Noreturn void usage(void)
{
	cli_usage(&spec, -1);
}

/* A strict integer in lo..hi for option opt, or dies ("expected an
 * integer from LO to HI", the wording of gan-plot's messages). */
static int int_arg(const char *opt, const char *s, int lo, int hi)
{
	int v;
	if (arg_int32(s, lo, hi, &v))
		die(PROG, EXIT_BAD, "%s: expected an integer from %d to %d, got '%s'", opt, lo, hi, s);
	return v;
}

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *cl = ctx;
	switch (key) {
	case O_SVG: cl->svg = 1; break;
	case O_TITLE: cl->title = arg; break;
	case O_BY: cl->by = arg; break;
	case O_CKPT: cl->ckpt = arg; break;
	case 'o': cl->out = arg; break;
	case O_BINS: cl->bins = int_arg("--bins", arg, 2, 10000); break;
	case O_RANGE:
		if (arg_range(arg, &cl->lo, &cl->hi))
			die(PROG, EXIT_BAD, "--range: expected LO:HI with LO < HI, got '%s'", arg);
		cl->have_range = 1;
		break;
	case O_GRID:
		if (arg_grid(arg, 1000, &cl->rows, &cl->cols))
			die(PROG, EXIT_BAD, "--grid: expected RxC such as 5x5, got '%s'", arg);
		break;
	case O_SCALE: cl->scale = int_arg("--scale", arg, 1, 32); break;
	case O_PROBS: cl->probs = 1; break;
	case O_SMOOTH: cl->smooth = int_arg("--smooth", arg, 1, 100000); break;
	case O_DELAY: cl->delay = int_arg("--delay", arg, 1, 65535); break;
	case O_LOOP: cl->loop = int_arg("--loop", arg, 0, 65535); break;
	}
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	CliArgs a;
	memset(cl, 0, sizeof *cl);
	cl->bins = 50;
	cl->scale = 1;
	cl->delay = 200;
	cli_parse(&spec, argc, argv, on_opt, cl, &a);
	cl->cmd = a.sub;
	cl->files = a.args;
	cl->nfiles = a.n;
	if (cl->out) {
		size_t n = strlen(cl->out);
		if (n > 4 && !strcmp(cl->out + n - 4, ".svg"))
			cl->svg = 1;
	}
	if (cl->by && strcmp(cl->by, "step") && strcmp(cl->by, "epoch"))
		die(PROG, EXIT_BAD, "--by: expected 'step' or 'epoch', got '%s'", cl->by);
}

/* Reads the first record of an .npy file (or stream) as f32 points (any
 * numeric dtype converted), or as images (u8 or f32, channels first: see
 * convert_images_to_nchw), or dies. */
static void read_first(const char *path, Tensor *t, int images)
{
	Err e = {0};
	const char *name = infile_name(path);
	if (npy_read_first(path, t, &e) < 0)
		die_err(PROG, &e);
	if (images ? convert_images_to_nchw(t, &e) < 0 || convert_to_images(t, name, &e) < 0 :
	    convert_to_f32(t, name, &e) < 0)
		die_err(PROG, &e);
}

/* Checks for f32 points: N x dim (or N for dim 1) and returns N. */
static int points_of(const Tensor *t, const char *path, int dim)
{
	char d[128];
	int ok = t->dtype == DT_F32 && t->shape[0] > 0 &&
		 ((t->ndim == 2 && t->shape[1] == dim) || (dim == 1 && t->ndim == 1));
	if (!ok)
		die(PROG, EXIT_BAD, "%s: expected f32 N x %d points, got %s", infile_name(path),
		    dim, tensor_describe(t, d, sizeof d));
	if (t->shape[0] > 100000000)
		die(PROG, EXIT_BAD, "%s: too many points", infile_name(path));
	return (int)t->shape[0];
}

static void finish(Canvas *cv)
{
	Err e = {0};
	if (canvas_close(cv, &e) < 0)
		die_err(PROG, &e);
}

static void open_canvas(Canvas *cv, const struct cmdline *cl, int w, int h)
{
	Err e = {0};
	if (canvas_open(cv, cl->out, w, h, cl->svg, &e) < 0)
		die_err(PROG, &e);
}

/* Range over several logs' columns (finite values only). */
static void log_range(TsvLog *logs, int n, int col, double *lo, double *hi)
{
	for (int k = 0; k < n; k++)
		for (int i = 0; i < logs[k].n; i++) {
			double v = logs[k].v[i * TSVLOG_COLS + col];
			if (isfinite(v)) {
				*lo = fmin(*lo, v);
				*hi = fmax(*hi, v);
			}
		}
}

/* The x axis: epoch when every log has one line per epoch (its epochs
 * strictly increase), else step; --by decides when given. */
static int loss_xcol(const struct cmdline *cl, const TsvLog *logs, int n)
{
	if (cl->by)
		return strcmp(cl->by, "epoch") ? LOG_STEP : LOG_EPOCH;
	for (int k = 0; k < n; k++)
		for (int i = 1; i < logs[k].n; i++)
			if (!(logs[k].v[i * TSVLOG_COLS + LOG_EPOCH] >
			      logs[k].v[(i - 1) * TSVLOG_COLS + LOG_EPOCH]))
				return LOG_STEP;
	return LOG_EPOCH;
}

/* y (n) = centred moving average of v over a window of k lines (fewer at
 * the ends; non-finite values left out, NaN when none is left). */
static void moving_average(const double *v, int n, int k, double *y)
{
	for (int i = 0; i < n; i++) {
		double s = 0;
		int c = 0;
		for (int j = i - (k - 1) / 2; j <= i + k / 2; j++)
			if (j >= 0 && j < n && isfinite(v[j]))
				s += v[j], c++;
		y[i] = c ? s / c : NAN;
	}
}

/* One series of a log: column ycol against xcol, smoothed over cl->smooth
 * lines when asked (the raw values drawn faintly behind). */
static void plot_series(Panel *p, const TsvLog *lg, int xcol, int ycol, Color c,
			const char *label, int smooth)
{
	double *x = xmalloc(lg->n * sizeof *x), *y = xmalloc(lg->n * sizeof *y);
	for (int i = 0; i < lg->n; i++) {
		x[i] = lg->v[i * TSVLOG_COLS + xcol];
		y[i] = lg->v[i * TSVLOG_COLS + ycol];
	}
	if (smooth > 1) {
		double *m = xmalloc(lg->n * sizeof *m);
		moving_average(y, lg->n, smooth, m);
		panel_line_faint(p, x, y, lg->n, c, 1, 0.3);
		panel_line(p, x, m, lg->n, c, 2, label);
		free(m);
	} else {
		panel_line(p, x, y, lg->n, c, 2, label);
	}
	free(x);
	free(y);
}

/* A panel of the loss picture: columns cols[0..nc) of every log. One log:
 * a colour per column, labelled by names; several: a colour per log,
 * labelled by file (nc is then 1). Probabilities get the range 0..1. */
typedef struct {
	int cols[2], nc;
	const char *names[2], *title, *ylabel;
	int prob;
} LossPanel;

static void loss_panel(Canvas *cv, double by, double bh, const struct cmdline *cl,
		       TsvLog *logs, int n, int xcol, const LossPanel *lp)
{
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
	log_range(logs, n, xcol, &x0, &x1);
	for (int j = 0; j < lp->nc; j++)
		log_range(logs, n, lp->cols[j], &y0, &y1);
	if (lp->prob)
		y0 = 0, y1 = 1;
	char ylabel[96];
	snprintf(ylabel, sizeof ylabel, cl->smooth > 1 ? "%s (moving average of %d)" : "%s",
		 lp->ylabel, cl->smooth);
	Panel p;
	panel_init(&p, cv, 0, by, 800, bh, x0, x1, y0, y1, lp->title,
		   xcol == LOG_EPOCH ? "epoch" : "step", ylabel);
	for (int k = 0; k < n && k < 16; k++)
		for (int j = 0; j < lp->nc; j++)
			plot_series(&p, &logs[k], xcol, lp->cols[j], plot_color(n == 1 ? j : k),
				    n == 1 ? lp->names[j] : cl->files[k], cl->smooth);
	panel_legend(&p);
}

/* One log: losses in one panel (and with --probs, D(x) and D(G(z)) in a
 * second). Several: loss_D and loss_G a panel each (and D(x), D(G(z))),
 * one colour per run, legend by file name. */
static void cmd_loss(const struct cmdline *cl)
{
	if (cl->nfiles < 1)
		usage();
	int n = cl->nfiles;
	TsvLog *logs = xcalloc(n, sizeof *logs);
	for (int k = 0; k < n; k++) {
		Err e = {0};
		FILE *f = infile_open(cl->files[k], 0, &e);
		if (!f || tsvlog_read(f, infile_name(cl->files[k]), &logs[k], &e) < 0)
			die_err(PROG, &e);
		infile_close(f);
	}
	int xcol = loss_xcol(cl, logs, n);
	static const LossPanel one[2] = {
		{ { LOG_LOSS_D, LOG_LOSS_G }, 2, { "loss_D", "loss_G" }, NULL, "loss per example", 0 },
		{ { LOG_D_X, LOG_D_G_Z }, 2, { "D(x)", "D(G(z))" }, NULL, "mean probability", 1 },
	};
	static const LossPanel many[4] = {
		{ { LOG_LOSS_D }, 1, { NULL }, "loss_D", "loss per example", 0 },
		{ { LOG_LOSS_G }, 1, { NULL }, "loss_G", "loss per example", 0 },
		{ { LOG_D_X }, 1, { NULL }, "D(x)", "mean probability", 1 },
		{ { LOG_D_G_Z }, 1, { NULL }, "D(G(z))", "mean probability", 1 },
	};
	const LossPanel *lp = n == 1 ? one : many;
	int np = (n == 1 ? 1 : 2) * (cl->probs ? 2 : 1);
	double bh = n == 1 && !cl->probs ? 470 : 385;
	Canvas cv;
	open_canvas(&cv, cl, 800, (int)(30 + np * bh));
	canvas_title(&cv, cl->title ? cl->title : "Training losses");
	for (int i = 0; i < np; i++)
		loss_panel(&cv, 30 + i * bh, bh, cl, logs, n, xcol, &lp[i]);
	finish(&cv);
	for (int k = 0; k < n; k++)
		tsvlog_free(&logs[k]);
	free(logs);
}

/* The rows of net (0 G, 1 G_ema) of a metrics log: x = epoch, y = column
 * col; returns their count. */
static int metric_series(const MetricsLog *lg, int net, int col, double *x, double *y)
{
	int k = 0;
	for (int i = 0; i < lg->n; i++) {
		const double *r = lg->v + (size_t)i * MLOG_COLS;
		if (r[MLOG_NET] != net)
			continue;
		x[k] = r[MLOG_EPOCH];
		y[k++] = r[col];
	}
	return k;
}

/* One panel of metrics: columns cols[0..nc) of every log and net, a line
 * with a marker at each epoch (so a one-epoch log shows). */
static void metric_panel(Panel *p, MetricsLog *logs, int n, char **files, const int *cols,
			 int nc, char labels[][96], int *nlab)
{
	for (int k = 0; k < n; k++)
		for (int net = 0; net < 2; net++)
			for (int c = 0; c < nc; c++) {
				double *x = xmalloc(logs[k].n * sizeof *x), *y = xmalloc(logs[k].n * sizeof *y);
				float *xy = xmalloc(2 * logs[k].n * sizeof *xy);
				int m = metric_series(&logs[k], net, cols[c], x, y);
				int idx = ((k * 2 + net) * nc + c) % 10;
				if (m > 0 && *nlab < 64) {
					char *l = labels[(*nlab)++];
					snprintf(l, 96, "%s%s%s%s", nc > 1 ? mlog_names[cols[c]] : "",
						 nc > 1 ? " " : "", net ? "G_ema" : "G", "");
					if (n > 1)
						snprintf(l + strlen(l), 96 - strlen(l), " %.40s", files[k]);
					for (int i = 0; i < m; i++)
						xy[2 * i] = (float)x[i], xy[2 * i + 1] = (float)y[i];
					panel_line(p, x, y, m, plot_color(idx), 2, l);
					panel_points(p, xy, m, plot_color(idx), 3.5, 1, NULL);
				}
				free(x);
				free(y);
				free(xy);
			}
	panel_legend(p);
}

/* Range of columns cols of every log (finite values), with lo at most 0. */
static void metric_range(MetricsLog *logs, int n, const int *cols, int nc, double *lo,
			 double *hi)
{
	*lo = 0;
	*hi = -INFINITY;
	for (int k = 0; k < n; k++)
		for (int i = 0; i < logs[k].n; i++)
			for (int c = 0; c < nc; c++) {
				double v = logs[k].v[(size_t)i * MLOG_COLS + cols[c]];
				if (isfinite(v)) {
					*lo = fmin(*lo, v);
					*hi = fmax(*hi, v);
				}
			}
	if (!(*hi > *lo))
		*hi = *lo + 1;
}

/* Four panels: FD, KID, precision and recall, density and coverage, by
 * epoch; a line per net (G, G_ema) and log. */
static void cmd_metrics(const struct cmdline *cl)
{
	if (cl->nfiles < 1)
		usage();
	int n = cl->nfiles;
	MetricsLog *logs = xcalloc(n, sizeof *logs);
	double x0 = INFINITY, x1 = -INFINITY;
	for (int k = 0; k < n; k++) {
		Err e = {0};
		FILE *f = infile_open(cl->files[k], 0, &e);
		if (!f || mlog_read(f, infile_name(cl->files[k]), &logs[k], &e) < 0)
			die_err(PROG, &e);
		infile_close(f);
		for (int i = 0; i < logs[k].n; i++) {
			x0 = fmin(x0, logs[k].v[(size_t)i * MLOG_COLS]);
			x1 = fmax(x1, logs[k].v[(size_t)i * MLOG_COLS]);
		}
	}
	if (x1 <= x0)
		x0 -= 0.5, x1 += 0.5;
	static const int fd[] = { MLOG_FD }, kd[] = { MLOG_KID };
	static const int pr[] = { MLOG_PRECISION, MLOG_RECALL }, dc[] = { MLOG_DENSITY, MLOG_COVERAGE };
	static const int *const sets[4] = { fd, kd, pr, dc };
	static const int nsets[4] = { 1, 1, 2, 2 };
	static const char *const titles[4] = { "Fréchet distance (lenet features)", "KID",
					       "precision and recall", "density and coverage" };
	char (*labels)[96] = xcalloc(64, sizeof *labels);
	int nlab = 0;
	Canvas cv;
	open_canvas(&cv, cl, 1000, 760);
	canvas_title(&cv, cl->title ? cl->title : "Sample quality per epoch");
	for (int q = 0; q < 4; q++) {
		double lo, hi;
		metric_range(logs, n, sets[q], nsets[q], &lo, &hi);
		if (q >= 2)
			hi = fmax(hi, 1);
		Panel p;
		panel_init(&p, &cv, (q % 2) * 500, 30 + (q / 2) * 365, 500, 365, x0, x1, lo, hi,
			   titles[q], "epoch", NULL);
		metric_panel(&p, logs, n, cl->files, sets[q], nsets[q], labels, &nlab);
	}
	finish(&cv);
	for (int k = 0; k < n; k++)
		mlog_free(&logs[k]);
	free(logs);
	free(labels);
}

static void minmax(const float *v, size_t n, size_t stride, double *lo, double *hi)
{
	for (size_t i = 0; i < n; i++) {
		double x = v[i * stride];
		if (isfinite(x)) {
			*lo = fmin(*lo, x);
			*hi = fmax(*hi, x);
		}
	}
}

static void cmd_scatter(const struct cmdline *cl)
{
	if (cl->nfiles != 2)
		usage();
	Tensor r, f;
	read_first(cl->files[0], &r, 0);
	read_first(cl->files[1], &f, 0);
	int nr = points_of(&r, cl->files[0], 2), nf = points_of(&f, cl->files[1], 2);
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
	minmax(r.data, nr, 2, &x0, &x1);
	minmax(f.data, nf, 2, &x0, &x1);
	minmax((float *)r.data + 1, nr, 2, &y0, &y1);
	minmax((float *)f.data + 1, nf, 2, &y0, &y1);
	Canvas cv;
	open_canvas(&cv, cl, 700, 650);
	canvas_title(&cv, cl->title ? cl->title : "Real vs generated");
	Panel p;
	panel_init(&p, &cv, 0, 30, 700, 620, x0, x1, y0, y1, NULL, "x1", "x2");
	/* as many points of each set (the first ones) as the smaller has, so
	 * that 10000 samples do not cover 1000 data points; the legend says so */
	int nmin = nr < nf ? nr : nf;
	char lr[64], lf[64];
	snprintf(lr, sizeof lr, nr > nmin ? "real (%d of %d)" : "real (%d)", nmin, nr);
	snprintf(lf, sizeof lf, nf > nmin ? "generated (%d of %d)" : "generated (%d)", nmin, nf);
	panel_points(&p, r.data, nmin, plot_color(0), 2.5, 0.5, lr);
	panel_points(&p, f.data, nmin, plot_color(1), 2.5, 0.5, lf);
	panel_legend(&p);
	finish(&cv);
	tensor_free(&r);
	tensor_free(&f);
}

/* Normalised histogram (a density: integrates to 1) of n values. */
static double *density_of(const float *v, int n, double lo, double hi, int bins)
{
	double *h = xcalloc(bins, sizeof *h), w = (hi - lo) / bins;
	for (int i = 0; i < n; i++) {
		double b = (v[i] - lo) / w;
		if (b >= 0 && b < bins)
			h[(int)b] += 1.0 / (n * w);
	}
	return h;
}

/* D's decision boundary from the checkpoint at path over [lo, hi]. */
static void draw_boundary(Panel *p, const char *path, double lo, double hi)
{
	enum { NPTS = 400 };
	float xs[NPTS], ds[NPTS];
	double x[NPTS], y[NPTS];
	for (int i = 0; i < NPTS; i++)
		xs[i] = (float)(lo + (hi - lo) * i / (NPTS - 1));
	Err e = {0};
	Trainer t;
	const char *name = infile_name(path);
	FILE *f = infile_open(path, 1, &e);
	if (!f || ckpt_read(&t, f, name, 0, &e) < 0)
		die_err(PROG, &e);
	infile_close(f);
	if (decision_boundary(&t, name, xs, NPTS, ds, &e) < 0)
		die_err(PROG, &e);
	trainer_free(&t);
	for (int i = 0; i < NPTS; i++)
		x[i] = xs[i], y[i] = ds[i];
	panel_line(p, x, y, NPTS, plot_color(2), 2, "decision boundary D(x)");
}

static void cmd_density(const struct cmdline *cl)
{
	if (cl->nfiles != 2)
		usage();
	Tensor r, f;
	read_first(cl->files[0], &r, 0);
	read_first(cl->files[1], &f, 0);
	int nr = points_of(&r, cl->files[0], 1), nf = points_of(&f, cl->files[1], 1);
	double lo = INFINITY, hi = -INFINITY;
	if (cl->have_range) {
		lo = cl->lo, hi = cl->hi;
	} else {
		minmax(r.data, nr, 1, &lo, &hi);
		minmax(f.data, nf, 1, &lo, &hi);
		double m = (hi - lo) * 0.1 + 1e-3;
		lo -= m, hi += m;
	}
	double *dr = density_of(r.data, nr, lo, hi, cl->bins);
	double *df = density_of(f.data, nf, lo, hi, cl->bins);
	double ymax = 1;
	for (int i = 0; i < cl->bins; i++)
		ymax = fmax(ymax, fmax(dr[i], df[i]));
	Canvas cv;
	open_canvas(&cv, cl, 800, 500);
	canvas_title(&cv, cl->title ? cl->title : "1-D densities and decision boundary");
	Panel p;
	panel_init(&p, &cv, 0, 30, 800, 470, lo, hi, 0, ymax, NULL, "x", "density / D(x)");
	panel_hist(&p, lo, hi, dr, cl->bins, plot_color(0), "real data");
	panel_hist(&p, lo, hi, df, cl->bins, plot_color(1), "generated");
	if (cl->ckpt)
		draw_boundary(&p, cl->ckpt, lo, hi);
	panel_legend(&p);
	finish(&cv);
	free(dr);
	free(df);
	tensor_free(&r);
	tensor_free(&f);
}

static void cmd_grid(const struct cmdline *cl)
{
	if (cl->nfiles > 1)
		usage();
	if (cl->svg)
		die(PROG, EXIT_BAD, "grid: SVG output is not supported (pictures are PNG)");
	const char *path = cl->nfiles ? cl->files[0] : "-";
	Tensor t;
	read_first(path, &t, 1);
	GridOpt o = {cl->rows, cl->cols, 2, cl->scale, 0};
	uint8_t *pic;
	int w, h, c;
	Err e = {0};
	if (grid_compose(&t, infile_name(path), &o, &pic, &w, &h, &c, &e) < 0 ||
	    png_write(cl->out, pic, w, h, c, &e) < 0)
		die_err(PROG, &e);
	free(pic);
	tensor_free(&t);
}

static void free_frames(uint8_t **fr, int n)
{
	for (int i = 0; i < n; i++)
		free(fr[i]);
	free(fr);
}

/* Frames (PNG pictures of one size, in the order given) into one APNG. */
static void cmd_animate(const struct cmdline *cl)
{
	if (cl->nfiles < 1)
		usage();
	if (cl->svg)
		die(PROG, EXIT_BAD, "animate: SVG output is not supported (animations are APNG)");
	int n = cl->nfiles, w = 0, h = 0, rc = 0;
	uint8_t **fr = xcalloc(n, sizeof *fr);
	Err e = {0};
	for (int i = 0; rc == 0 && i < n; i++) {
		int fw, fh;
		rc = png_read_rgb(cl->files[i], &fr[i], &fw, &fh, &e);
		if (rc == 0 && i == 0)
			w = fw, h = fh;
		else if (rc == 0 && (fw != w || fh != h))
			rc = err_set(&e, EXIT_BAD, "%s: frame %d is %dx%d, frame 1 (%s) is %dx%d",
				     cl->files[i], i + 1, fw, fh, cl->files[0], w, h);
	}
	if (rc == 0)
		rc = apng_write(cl->out, (const uint8_t *const *)fr, n, w, h, cl->delay, cl->loop, &e);
	free_frames(fr, n);
	if (rc < 0)
		die_err(PROG, &e);
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	io_init();
	parse_args(argc, argv, &cl);
	if (cl.cmd == SUB_LOSS)
		cmd_loss(&cl);
	else if (cl.cmd == SUB_METRICS)
		cmd_metrics(&cl);
	else if (cl.cmd == SUB_SCATTER)
		cmd_scatter(&cl);
	else if (cl.cmd == SUB_DENSITY)
		cmd_density(&cl);
	else if (cl.cmd == SUB_GRID)
		cmd_grid(&cl);
	else
		cmd_animate(&cl);
	free(cl.files);
	Err e = {0};
	if (stdout_close(&e) < 0)
		die_err(PROG, &e);
	return 0;
}
