/* layers.c - micro-benchmark of the CPU layer kernels: forward and backward of
 * every layer of dcgan64 and dcgan-mnist, GFLOP/s per layer and per pass,
 * against the raw SGEMM rate of the same matrix shapes (whole-batch GEMMs).
 * Built with the tools' flags (-fopenmp: the layers' own threads, see
 * libcommon/base/par.h; without it OpenBLAS's threads split the GEMMs):
 *   make bench-layers
 * Run: build/bench/layers [batch [threads [dcgan64|mnist|all [blas|onednn]]]]
 * (64, 2, all, blas); onednn times the convolutions as `gan-step --kernels
 * onednn` runs them (libcommon/nn/dnnlconv.c; the "sgemm" column stays the
 * OpenBLAS products of the same shapes).
 * LAYERS_CLOCK=cpu times with the process's CPU clock instead of the wall's.
 * On AVX-512 machines gemm.c selects OpenBLAS's SkylakeX kernels itself;
 * OPENBLAS_CORETYPE, when set, is obeyed instead. Times are the fastest of
 * several runs; "sgemm" is the rate of the same products as whole-batch
 * GEMMs without im2col; the step estimate adds the passes as gan-step runs
 * them (D three times forward and backward, G once or twice forward). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activation.h"
#include "batchnorm.h"
#include "conv2d.h"
#include "dnnlconv.h"
#include "gemm.h"
#include "linear.h"
#include "optim.h"

enum { K_CONV, K_CONVT, K_LINEAR, K_BN, K_ACT };

/* One layer: for conv/convt cin h w -> cout (k, s, p); linear cin -> cout;
 * bn c = cin over hw = h*w; act over cin*h*w. first: no input gradient. */
typedef struct {
	const char *name;
	int kind, cin, h, w, cout, k, s, p;
	ActKind act;
	int first;
} Spec;

typedef struct {
	double fwd_s, bwd_s, fwd_fl, bwd_fl, ref_fwd_s, ref_bwd_s;
} Timing;

static const Spec dcgan64_g[] = {
	{ "G convt 100-512 1->4", K_CONVT, 100, 1, 1, 512, 4, 1, 0, 0, 1 },
	{ "G bn 512x16", K_BN, 512, 4, 4, 0, 0, 0, 0, 0, 0 },
	{ "G relu", K_ACT, 512, 4, 4, 0, 0, 0, 0, ACT_RELU, 0 },
	{ "G convt 512-256 4->8", K_CONVT, 512, 4, 4, 256, 4, 2, 1, 0, 0 },
	{ "G bn 256x64", K_BN, 256, 8, 8, 0, 0, 0, 0, 0, 0 },
	{ "G relu", K_ACT, 256, 8, 8, 0, 0, 0, 0, ACT_RELU, 0 },
	{ "G convt 256-128 8->16", K_CONVT, 256, 8, 8, 128, 4, 2, 1, 0, 0 },
	{ "G bn 128x256", K_BN, 128, 16, 16, 0, 0, 0, 0, 0, 0 },
	{ "G relu", K_ACT, 128, 16, 16, 0, 0, 0, 0, ACT_RELU, 0 },
	{ "G convt 128-64 16->32", K_CONVT, 128, 16, 16, 64, 4, 2, 1, 0, 0 },
	{ "G bn 64x1024", K_BN, 64, 32, 32, 0, 0, 0, 0, 0, 0 },
	{ "G relu", K_ACT, 64, 32, 32, 0, 0, 0, 0, ACT_RELU, 0 },
	{ "G convt 64-3 32->64", K_CONVT, 64, 32, 32, 3, 4, 2, 1, 0, 0 },
	{ "G tanh", K_ACT, 3, 64, 64, 0, 0, 0, 0, ACT_TANH, 0 },
};

static const Spec dcgan64_d[] = {
	{ "D conv 3-64 64->32", K_CONV, 3, 64, 64, 64, 4, 2, 1, 0, 1 },
	{ "D bn 64x1024", K_BN, 64, 32, 32, 0, 0, 0, 0, 0, 0 },
	{ "D lrelu", K_ACT, 64, 32, 32, 0, 0, 0, 0, ACT_LEAKY_RELU, 0 },
	{ "D conv 64-128 32->16", K_CONV, 64, 32, 32, 128, 4, 2, 1, 0, 0 },
	{ "D bn 128x256", K_BN, 128, 16, 16, 0, 0, 0, 0, 0, 0 },
	{ "D lrelu", K_ACT, 128, 16, 16, 0, 0, 0, 0, ACT_LEAKY_RELU, 0 },
	{ "D conv 128-256 16->8", K_CONV, 128, 16, 16, 256, 4, 2, 1, 0, 0 },
	{ "D bn 256x64", K_BN, 256, 8, 8, 0, 0, 0, 0, 0, 0 },
	{ "D lrelu", K_ACT, 256, 8, 8, 0, 0, 0, 0, ACT_LEAKY_RELU, 0 },
	{ "D conv 256-512 8->4", K_CONV, 256, 8, 8, 512, 4, 2, 1, 0, 0 },
	{ "D bn 512x16", K_BN, 512, 4, 4, 0, 0, 0, 0, 0, 0 },
	{ "D lrelu", K_ACT, 512, 4, 4, 0, 0, 0, 0, ACT_LEAKY_RELU, 0 },
	{ "D conv 512-1 4->1", K_CONV, 512, 4, 4, 1, 4, 1, 0, 0, 0 },
};

static const Spec mnist_g[] = {
	{ "G linear 100-6272", K_LINEAR, 100, 1, 1, 6272, 0, 0, 0, 0, 1 },
	{ "G bn1d 6272", K_BN, 6272, 1, 1, 0, 0, 0, 0, 0, 0 },
	{ "G relu", K_ACT, 6272, 1, 1, 0, 0, 0, 0, ACT_RELU, 0 },
	{ "G convt 128-64 7->14", K_CONVT, 128, 7, 7, 64, 4, 2, 1, 0, 0 },
	{ "G bn 64x196", K_BN, 64, 14, 14, 0, 0, 0, 0, 0, 0 },
	{ "G relu", K_ACT, 64, 14, 14, 0, 0, 0, 0, ACT_RELU, 0 },
	{ "G convt 64-1 14->28", K_CONVT, 64, 14, 14, 1, 4, 2, 1, 0, 0 },
	{ "G tanh", K_ACT, 1, 28, 28, 0, 0, 0, 0, ACT_TANH, 0 },
};

static const Spec mnist_d[] = {
	{ "D conv 1-64 28->14", K_CONV, 1, 28, 28, 64, 4, 2, 1, 0, 1 },
	{ "D lrelu", K_ACT, 64, 14, 14, 0, 0, 0, 0, ACT_LEAKY_RELU, 0 },
	{ "D conv 64-128 14->7", K_CONV, 64, 14, 14, 128, 4, 2, 1, 0, 0 },
	{ "D bn 128x49", K_BN, 128, 7, 7, 0, 0, 0, 0, 0, 0 },
	{ "D lrelu", K_ACT, 128, 7, 7, 0, 0, 0, 0, ACT_LEAKY_RELU, 0 },
	{ "D linear 6272-1", K_LINEAR, 6272, 1, 1, 1, 0, 0, 0, 0, 0 },
};

/* The clock: wall time, or with LAYERS_CLOCK=cpu the process's CPU time
 * (steadier on a shared machine for one thread; with several it sums them). */
static clockid_t layers_clock = CLOCK_MONOTONIC;
static DnnlLib *layers_dnnl;      /* onednn: the library, else NULL */

static double now(void)
{
	struct timespec t;
	clock_gettime(layers_clock, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *vec(size_t n, unsigned *seed)
{
	float *v = malloc(sizeof(float) * (n ? n : 1));
	if (!v) {
		fprintf(stderr, "layers: out of memory (%zu floats)\n", n);
		exit(2);
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (float)rand_r(seed) / (float)RAND_MAX * 2.0f - 1.0f;
	return v;
}

/* Buffers for one layer at batch n. */
typedef struct {
	ConvShape cs;
	BnShape bs;
	size_t in_n, out_n, w_n, ws_n;
	float *in, *out, *dout, *din, *w, *dw, *ws, *save;
	DnnlConv *dp;             /* onednn: the layer's plan (NULL: conv2d.c) */
} Bufs;

static void bufs_init(Bufs *b, const Spec *sp, int n, unsigned *seed)
{
	memset(b, 0, sizeof(*b));
	b->cs = (ConvShape){ .n = n, .cin = sp->cin, .h = sp->h, .w = sp->w,
			     .cout = sp->cout, .k = sp->k, .stride = sp->s, .pad = sp->p };
	b->in_n = (size_t)sp->cin * sp->h * sp->w;
	b->out_n = b->in_n;
	if (sp->kind == K_CONV || sp->kind == K_CONVT) {
		if (sp->kind == K_CONV)
			conv2d_shape(&b->cs);
		else
			convt2d_shape(&b->cs);
		b->out_n = (size_t)sp->cout * b->cs.oh * b->cs.ow;
		b->w_n = (size_t)sp->cin * sp->cout * sp->k * sp->k;
		b->ws_n = sp->kind == K_CONV ? conv2d_workspace(&b->cs) : convt2d_workspace(&b->cs);
		Err e;
		if (layers_dnnl && dnnlconv_wanted(layers_dnnl, &b->cs, sp->kind == K_CONVT) &&
		    dnnlconv_plan(&b->dp, layers_dnnl, &b->cs, sp->kind == K_CONVT, &e)) {
			fprintf(stderr, "layers: %s: %s\n", sp->name, e.msg);
			exit(2);
		}
	} else if (sp->kind == K_LINEAR) {
		b->out_n = (size_t)sp->cout;
		b->w_n = (size_t)sp->cin * sp->cout;
	} else if (sp->kind == K_BN) {
		b->bs = (BnShape){ .n = n, .c = sp->cin, .hw = sp->h * sp->w,
				   .eps = 1e-5f, .momentum = 0.1f };
		b->w_n = (size_t)sp->cin;
	}
	b->in = vec(n * b->in_n, seed);
	b->out = vec(n * b->out_n, seed);
	b->dout = vec(n * b->out_n, seed);
	b->din = vec(n * b->in_n, seed);
	b->w = vec(2 * b->w_n, seed);
	b->dw = vec(2 * b->w_n, seed);
	b->ws = vec(b->ws_n, seed);
	b->save = vec(4 * b->w_n, seed);
}

static void bufs_free(Bufs *b)
{
	free(b->in); free(b->out); free(b->dout); free(b->din);
	free(b->w); free(b->dw); free(b->ws); free(b->save);
	dnnlconv_free(b->dp);
}

static void run_fwd(const Spec *sp, Bufs *b, int n)
{
	if (b->dp) {
		dnnlconv_forward(b->dp, b->out, b->in, b->w, NULL, n, b->ws);
		return;
	}
	switch (sp->kind) {
	case K_CONV: conv2d_forward(b->out, b->in, b->w, NULL, &b->cs, b->ws); break;
	case K_CONVT: convt2d_forward(b->out, b->in, b->w, NULL, &b->cs, b->ws); break;
	case K_LINEAR: linear_forward(b->out, b->in, b->w, b->w + b->w_n, n, sp->cin, sp->cout); break;
	case K_BN:
		batchnorm_forward_train(b->out, b->save, b->save + b->w_n, b->save + 2 * b->w_n,
					b->save + 3 * b->w_n, b->in, b->w, b->w + b->w_n, &b->bs);
		break;
	case K_ACT: act_forward(sp->act, 0.2f, b->out, b->in, n * b->in_n); break;
	}
}

static void run_bwd(const Spec *sp, Bufs *b, int n)
{
	float *din = sp->first ? NULL : b->din;
	if (b->dp) {
		dnnlconv_backward(b->dp, din, b->dw, NULL, b->dout, b->in, b->w, n, b->ws);
		return;
	}
	switch (sp->kind) {
	case K_CONV: conv2d_backward(din, b->dw, NULL, b->dout, b->in, b->w, &b->cs, b->ws); break;
	case K_CONVT: convt2d_backward(din, b->dw, NULL, b->dout, b->in, b->w, &b->cs, b->ws); break;
	case K_LINEAR:
		linear_backward(din, b->dw, b->dw + b->w_n, b->dout, b->in, b->w, n, sp->cin, sp->cout);
		break;
	case K_BN:
		batchnorm_backward(b->din, b->dw, b->dw + b->w_n, b->dout, NULL, b->in, b->save,
				   b->save + b->w_n, b->w, &b->bs);
		break;
	case K_ACT: act_backward(sp->act, 0.2f, b->din, b->dout, b->in, b->out, n * b->in_n); break;
	}
}

/* The whole-batch GEMMs of a conv, convt or linear layer: which = 0 forward,
 * 1 weight gradient, 2 input gradient; m, nn, k as in gemm(). */
static void ref_gemm(const Spec *sp, int n, const Bufs *b, int which, float *A, float *B, float *C)
{
	int hw = sp->h * sp->w, ohw = (int)(b->out_n / (size_t)(sp->cout ? sp->cout : 1));
	int kk = sp->k * sp->k;
	if (sp->kind == K_CONV) {
		int ckk = sp->cin * kk, cols = n * ohw;
		if (which == 0) gemm(0, 0, sp->cout, cols, ckk, 1, A, ckk, B, cols, 0, C, cols);
		if (which == 1) gemm(0, 1, sp->cout, ckk, cols, 1, A, cols, B, cols, 1, C, ckk);
		if (which == 2) gemm(1, 0, ckk, cols, sp->cout, 1, A, ckk, B, cols, 0, C, cols);
	} else if (sp->kind == K_CONVT) {
		int ckk = sp->cout * kk, cols = n * hw;
		if (which == 0) gemm(1, 0, ckk, cols, sp->cin, 1, A, ckk, B, cols, 0, C, cols);
		if (which == 1) gemm(0, 1, sp->cin, ckk, cols, 1, A, cols, B, cols, 1, C, ckk);
		if (which == 2) gemm(0, 0, sp->cin, cols, ckk, 1, A, ckk, B, cols, 0, C, cols);
	} else {
		int in = sp->cin, out = sp->cout;
		if (which == 0) gemm(0, 1, n, out, in, 1, A, in, B, in, 0, C, out);
		if (which == 1) gemm(1, 0, out, in, n, 1, A, out, B, in, 1, C, in);
		if (which == 2) gemm(0, 0, n, in, out, 1, A, out, B, in, 0, C, in);
	}
}

/* Seconds of one run of stmt: the fastest of repeated runs (at least 3,
 * until 0.3 s have passed), as the machines are shared and noisy. */
#define TIME_IT(secs, stmt) do { stmt; double t0_ = now(), best_ = 1e30; int r_ = 0; \
	do { double a_ = now(); stmt; double b_ = now() - a_; \
	     best_ = b_ < best_ ? b_ : best_; r_++; } while ((now() - t0_ < 0.3 || r_ < 3) && r_ < 1000); \
	(secs) = best_; } while (0)

static void time_layer(const Spec *sp, int n, Timing *t, unsigned *seed)
{
	Bufs b;
	bufs_init(&b, sp, n, seed);
	memset(t, 0, sizeof(*t));
	TIME_IT(t->fwd_s, run_fwd(sp, &b, n));
	TIME_IT(t->bwd_s, run_bwd(sp, &b, n));
	if (sp->kind == K_CONV || sp->kind == K_CONVT || sp->kind == K_LINEAR) {
		double fl = 2.0 * n * (double)(sp->kind == K_CONV ? b.out_n : b.in_n) *
			    (double)(sp->kind == K_CONV ? sp->cin : sp->cout) *
			    (sp->kind == K_LINEAR ? 1 : sp->k * sp->k);
		if (sp->kind == K_LINEAR)
			fl = 2.0 * n * sp->cin * sp->cout;
		t->fwd_fl = fl;
		t->bwd_fl = sp->first ? fl : 2 * fl;
		size_t big = (size_t)n * (b.in_n > b.out_n ? b.in_n : b.out_n) * 16 + b.w_n * 16;
		float *A = vec(big, seed), *B = vec(big, seed), *C = vec(big, seed);
		double s1, s2 = 0;
		TIME_IT(t->ref_fwd_s, ref_gemm(sp, n, &b, 0, A, B, C));
		TIME_IT(s1, ref_gemm(sp, n, &b, 1, A, B, C));
		if (!sp->first)
			TIME_IT(s2, ref_gemm(sp, n, &b, 2, A, B, C));
		t->ref_bwd_s = s1 + s2;
		free(A); free(B); free(C);
	}
	bufs_free(&b);
}

static double gf(double fl, double s)
{
	return s > 0 ? fl / s * 1e-9 : 0;
}

/* Times every layer of one network; adds its pass totals to tot (fwd, bwd). */
static void bench_net(const char *title, const Spec *sp, int nl, int n, Timing *tot)
{
	unsigned seed = 1;
	memset(tot, 0, sizeof(*tot));
	printf("\n%s, batch %d\n%-24s %9s %8s %8s %9s %8s %8s\n", title, n, "layer",
	       "fwd ms", "GF/s", "sgemm", "bwd ms", "GF/s", "sgemm");
	for (int i = 0; i < nl; i++) {
		Timing t;
		time_layer(&sp[i], n, &t, &seed);
		printf("%-24s %9.3f %8.1f %8.1f %9.3f %8.1f %8.1f\n", sp[i].name,
		       t.fwd_s * 1e3, gf(t.fwd_fl, t.fwd_s), gf(t.fwd_fl, t.ref_fwd_s),
		       t.bwd_s * 1e3, gf(t.bwd_fl, t.bwd_s), gf(t.bwd_fl, t.ref_bwd_s));
		tot->fwd_s += t.fwd_s; tot->bwd_s += t.bwd_s;
		tot->fwd_fl += t.fwd_fl; tot->bwd_fl += t.bwd_fl;
		tot->ref_fwd_s += t.ref_fwd_s; tot->ref_bwd_s += t.ref_bwd_s;
	}
	printf("%-24s %9.3f %8.1f %8.1f %9.3f %8.1f %8.1f\n", "pass total",
	       tot->fwd_s * 1e3, gf(tot->fwd_fl, tot->fwd_s), gf(tot->fwd_fl, tot->ref_fwd_s),
	       tot->bwd_s * 1e3, gf(tot->bwd_fl, tot->bwd_s), gf(tot->bwd_fl, tot->ref_bwd_s));
}

/* Seconds of one Adam step over np parameters. */
static double time_adam(size_t np)
{
	unsigned seed = 3;
	float *p = vec(np, &seed), *g = vec(np, &seed), *m = vec(np, &seed), *v = vec(np, &seed);
	for (size_t i = 0; i < np; i++)
		v[i] = v[i] * v[i];
	AdamCfg c = { 2e-4, 0.5, 0.999, 1e-8 };
	double s;
	TIME_IT(s, adam_step(p, g, m, v, np, &c, 10));
	free(p); free(g); free(m); free(v);
	return s;
}

/* A training step as the engine runs it: D forward on real and fake and
 * backward twice (no input gradient), G forward g_fwd times, then D forward
 * and backward with input gradient, G backward, Adam on both nets. */
static void step_estimate(const char *name, const Timing *g, const Timing *d, int g_fwd,
			  int n, size_t np)
{
	double adam = time_adam(np);
	double s = g_fwd * g->fwd_s + g->bwd_s + 3 * d->fwd_s + 3 * d->bwd_s + adam;
	double fl = g_fwd * g->fwd_fl + g->bwd_fl + 3 * d->fwd_fl + 3 * d->bwd_fl;
	double ref = g_fwd * g->ref_fwd_s + g->ref_bwd_s + 3 * d->ref_fwd_s + 3 * d->ref_bwd_s;
	printf("%s step estimate: %.1f ms, %.1f examples/s, %.1f GFLOP/s "
	       "(whole-batch SGEMM only: %.1f GFLOP/s), Adam %.2f ms\n",
	       name, s * 1e3, n / s, gf(fl, s), gf(fl, ref), adam * 1e3);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 64;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	const char *net = argc > 3 ? argv[3] : "all";
	const char *kern = argc > 4 ? argv[4] : "blas";
	if (n < 1 || threads < 1 || (strcmp(kern, "blas") && strcmp(kern, "onednn"))) {
		fprintf(stderr, "usage: layers [batch [threads [dcgan64|mnist|all [blas|onednn]]]]\n");
		return 1;
	}
	const char *clk = getenv("LAYERS_CLOCK");
	if (clk && !strcmp(clk, "cpu"))
		layers_clock = CLOCK_PROCESS_CPUTIME_ID;
	gemm_set_threads(threads);
	Err e;
	if (!strcmp(kern, "onednn") && dnnl_lib_open(&layers_dnnl, &e)) {
		fprintf(stderr, "layers: %s\n", e.msg);
		return 2;
	}
	printf("OpenBLAS kernels %s, %d threads, %s time, convolutions: %s%s%s\n", gemm_core(),
	       threads, layers_clock == CLOCK_MONOTONIC ? "wall" : "CPU", kern,
	       layers_dnnl ? " " : "", layers_dnnl ? dnnl_lib_isa(layers_dnnl) : "");
	Timing g, d;
	if (!strcmp(net, "all") || !strcmp(net, "dcgan64")) {
		bench_net("dcgan64 G", dcgan64_g, sizeof(dcgan64_g) / sizeof(Spec), n, &g);
		bench_net("dcgan64 D", dcgan64_d, sizeof(dcgan64_d) / sizeof(Spec), n, &d);
		step_estimate("dcgan64", &g, &d, 2, n, 3576704 + 2765696);
	}
	if (!strcmp(net, "all") || !strcmp(net, "mnist")) {
		bench_net("dcgan-mnist G", mnist_g, sizeof(mnist_g) / sizeof(Spec), n, &g);
		bench_net("dcgan-mnist D", mnist_d, sizeof(mnist_d) / sizeof(Spec), n, &d);
		step_estimate("dcgan-mnist", &g, &d, 1, n, 1 + 6272 * 101 + 2 * 6272 + 131072 + 128 + 1024 + 64 + 131072 + 256 + 6273);
	}
	if (layers_dnnl && dnnl_lib_error(layers_dnnl, &e)) {
		fprintf(stderr, "layers: %s\n", e.msg);
		return 2;
	}
	dnnl_lib_close(layers_dnnl);
	return 0;
}
