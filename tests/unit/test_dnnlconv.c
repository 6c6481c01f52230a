/* test_dnnlconv.c - the oneDNN path (dnnlconv.c, `--kernels onednn`)
 * against the OpenBLAS reference (conv2d.c): forward, input, weight and
 * bias gradients of conv2d and convt2d shapes like the presets' layers
 * (thin and wide channels, square and not, batches of one chunk, of a
 * chunk and a tail, of several weight-gradient pieces); central finite
 * differences on its gradients; the same bits on 1, 2 and 3 threads and
 * from plans made on 1 and on 3; batches below the planned one whose tail
 * had no primitives yet. The same again with bf16 products where the CPU
 * has AVX512_BF16 (--precision bf16), within bf16's rounding. A build
 * without <dnnl.h> must refuse instead. */
#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "conv2d.h"
#include "dnnlconv.h"
#include "gemm.h"
#include "err.h"
#include "check.h"
#include "blocked.h"

static void set_threads(int n)
{
#ifdef _OPENMP
	omp_set_num_threads(n);
#else
	(void)n;
#endif
}

/* n (the planned batch), cin, h, w, cout, k, stride, pad. */
typedef struct { int n, cin, h, w, cout, k, s, p; } Case;

static const Case cases[] = {
	{ 8, 32, 8, 8, 48, 4, 2, 1 },     /* one full chunk */
	{ 17, 24, 6, 10, 32, 4, 2, 1 },   /* chunks 8, 8, 1; 2 pieces; not square */
	{ 33, 16, 4, 4, 16, 4, 2, 1 },    /* 5 chunks: 4 pieces */
	{ 5, 3, 8, 8, 32, 4, 2, 1 },      /* a thin image side (3 channels) */
	{ 9, 1, 8, 8, 64, 4, 2, 1 },      /* dcgan-mnist's first and last layers */
	{ 3, 20, 7, 9, 18, 3, 1, 1 },     /* k3 s1 p1, odd sizes */
	{ 4, 16, 5, 5, 24, 3, 2, 0 },     /* no padding */
	{ 17, 64, 8, 8, 128, 4, 2, 1 },   /* 131 K weights: bw_finish's threads */
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

typedef struct {
	int t;                          /* convt2d */
	ConvShape s;
	size_t nin, nw, nout;           /* floats at s.n */
	float *in, *w, *b, *dout, *ws;
} Layer;

static int layer_init(Layer *L, int t, const Case *c, TestRng *r)
{
	memset(L, 0, sizeof *L);
	L->t = t;
	L->s = (ConvShape){ .n = c->n, .cin = c->cin, .h = c->h, .w = c->w,
			    .cout = c->cout, .k = c->k, .stride = c->s, .pad = c->p };
	if ((t ? convt2d_shape(&L->s) : conv2d_shape(&L->s)) < 0)
		return -1;
	const ConvShape *s = &L->s;
	L->nin = (size_t)s->n * s->cin * s->h * s->w;
	L->nout = (size_t)s->n * s->cout * s->oh * s->ow;
	L->nw = (size_t)s->cin * s->cout * s->k * s->k;
	L->in = test_rnd_vec(r, L->nin);
	L->w = test_rnd_vec(r, L->nw);
	L->b = test_rnd_vec(r, (size_t)s->cout);
	L->dout = test_rnd_vec(r, L->nout);
	L->ws = malloc(sizeof(float) * ((t ? convt2d_workspace(s) : conv2d_workspace(s)) + 1));
	return 0;
}

static void layer_free(Layer *L)
{
	free(L->in); free(L->w); free(L->b); free(L->dout); free(L->ws);
}

/* The outputs of one run at batch n: out, din, dw (accumulated onto dw0),
 * db (onto db0). */
typedef struct { float *out, *din, *dw, *db; } Outs;

static void outs_alloc(Outs *o, const Layer *L)
{
	o->out = malloc(sizeof(float) * L->nout);
	o->din = malloc(sizeof(float) * L->nin);
	o->dw = malloc(sizeof(float) * L->nw);
	o->db = malloc(sizeof(float) * L->s.cout);
}

static void outs_free(Outs *o)
{
	free(o->out); free(o->din); free(o->dw); free(o->db);
}

/* dw and db start from a fixed non-zero value: both paths accumulate. */
static void outs_reset(Outs *o, const Layer *L)
{
	for (size_t i = 0; i < L->nw; i++)
		o->dw[i] = 0.25f;
	for (int i = 0; i < L->s.cout; i++)
		o->db[i] = -0.5f;
}

static void run_blas(Layer *L, int n, Outs *o)
{
	ConvShape s = L->s;
	s.n = n;
	outs_reset(o, L);
	if (L->t) {
		convt2d_forward(o->out, L->in, L->w, L->b, &s, L->ws);
		convt2d_backward(o->din, o->dw, o->db, L->dout, L->in, L->w, &s, L->ws);
	} else {
		conv2d_forward(o->out, L->in, L->w, L->b, &s, L->ws);
		conv2d_backward(o->din, o->dw, o->db, L->dout, L->in, L->w, &s, L->ws);
	}
}

static int run_dnnl(DnnlConv *p, Layer *L, int n, Outs *o)
{
	outs_reset(o, L);
	return dnnlconv_forward(p, o->out, L->in, L->w, L->b, n, L->ws) ||
	       dnnlconv_backward(p, o->din, o->dw, o->db, L->dout, L->in, L->w, n, L->ws);
}

static double max_abs(const float *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		m = fabs((double)v[i]) > m ? fabs((double)v[i]) : m;
	return m;
}

/* Within tol (1e-5: two float sums of the same few hundred terms in
 * different orders) of the array's largest value plus 10 tol of each
 * element. bf16 products take 2e-2: each input rounded to 8 bits of
 * mantissa (relative error <= 2^-9) moves a product by <= 2^-8 and a sum
 * of K products of random sign by ~2^-8 sqrt(K) terms, i.e. ~0.4 % of
 * the sum's own size, whatever K: 2e-2 of the largest value is 5 times that. */
static void close_to(const float *a, const float *ref, size_t n, double tol, const char *name,
		     const char *what)
{
	char label[200];
	snprintf(label, sizeof label, "%s %s: onednn = blas", name, what);
	CHECK_CLOSE(a, ref, n, tol * (1 + max_abs(ref, n)), 10 * tol, label);
}

static int same_bits(const Outs *a, const Outs *b, const Layer *L, int n)
{
	const ConvShape *s = &L->s;
	size_t no = (size_t)n * s->cout * s->oh * s->ow, ni = (size_t)n * s->cin * s->h * s->w;
	return !memcmp(a->out, b->out, sizeof(float) * no) && !memcmp(a->din, b->din, sizeof(float) * ni) &&
	       !memcmp(a->dw, b->dw, sizeof(float) * L->nw) && !memcmp(a->db, b->db, sizeof(float) * s->cout);
}

/* Gradient check: loss = sum(out * dout) through the oneDNN forward. */
typedef struct {
	DnnlConv *p;
	Layer *L;
	int n;
	float *out;
} Fd;

static double fd_loss(void *ctx)
{
	Fd *f = ctx;
	const ConvShape *s = &f->L->s;
	size_t no = (size_t)f->n * s->cout * s->oh * s->ow;
	if (dnnlconv_forward(f->p, f->out, f->L->in, f->L->w, f->L->b, f->n, f->L->ws))
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < no; i++)
		sum += (double)f->out[i] * f->L->dout[i];
	return sum;
}

/* Central finite differences of loss = sum(out * dout) through plan p's
 * forward against its input and weight gradients (linear: a large h). */
static void check_fd(DnnlConv *p, Layer *L, const char *name)
{
	set_threads(2);
	int n = L->s.n;
	Outs g;
	outs_alloc(&g, L);
	if (!run_dnnl(p, L, n, &g)) {
		for (size_t i = 0; i < L->nw; i++)
			g.dw[i] -= 0.25f;
		Fd f = { p, L, n, malloc(sizeof(float) * L->nout) };
		char label[160];
		snprintf(label, sizeof label, "%s onednn d/din finite differences", name);
		CHECK_GRAD(fd_loss, &f, L->in, g.din, L->nin, 0.5, 2e-3, label);
		snprintf(label, sizeof label, "%s onednn d/dw finite differences", name);
		CHECK_GRAD(fd_loss, &f, L->w, g.dw, L->nw, 0.5, 2e-3, label);
		free(f.out);
	}
	outs_free(&g);
}

/* bf16: the products in bf16 (tolerance 2e-2, no finite differences:
 * the rounded forward is a step function at h's scale). */
static void check_case(DnnlLib *lib, Layer *L, const char *name, int bf16)
{
	double tol = bf16 ? 2e-2 : 1e-5;
	DnnlConv *p1 = NULL, *p3 = NULL;
	Err e;
	set_threads(1);
	int rc1 = dnnlconv_plan(&p1, lib, &L->s, L->t, &e);
	set_threads(3);
	int rc3 = dnnlconv_plan(&p3, lib, &L->s, L->t, &e);
	CHECK_MSG(rc1 == 0 && rc3 == 0 && p1 && p3, "%s: planned (%s)", name, rc1 || rc3 ? e.msg : "no plan");
	if (!p1 || !p3) {
		dnnlconv_free(p1);
		dnnlconv_free(p3);
		return;
	}
	Outs ref, got[3], other;
	outs_alloc(&ref, L);
	outs_alloc(&other, L);
	for (int i = 0; i < 3; i++)
		outs_alloc(&got[i], L);
	/* the planned batch, then smaller ones (1 and a new tail) */
	int batches[3] = { L->s.n, 1, L->s.n > 3 ? L->s.n - 3 : 1 };
	for (int bi = 0; bi < 3; bi++) {
		int n = batches[bi];
		char label[160];
		snprintf(label, sizeof label, "%s batch %d", name, n);
		set_threads(1);
		run_blas(L, n, &ref);
		const ConvShape *s = &L->s;
		size_t no = (size_t)n * s->cout * s->oh * s->ow, ni = (size_t)n * s->cin * s->h * s->w;
		int ok = 1;
		for (int t = 0; t < 3; t++) {
			set_threads(t + 1);
			ok &= run_dnnl(p3, L, n, &got[t]) == 0;
		}
		set_threads(1);
		ok &= run_dnnl(p1, L, n, &other) == 0;
		CHECK_MSG(ok && !dnnl_lib_error(lib, &e), "%s: runs (%s)", label, ok ? "" : e.msg);
		if (!ok)
			break;
		close_to(got[0].out, ref.out, no, tol, label, "forward");
		close_to(got[0].din, ref.din, ni, tol, label, "d/din");
		close_to(got[0].dw, ref.dw, L->nw, tol, label, "d/dw");
		close_to(got[0].db, ref.db, (size_t)s->cout, tol, label, "d/db");
		if (bf16) {
			/* the products did round: not the f32 results */
			CHECK_MSG(memcmp(got[0].out, ref.out, sizeof(float) * no) &&
				  check_close_ratio(got[0].out, ref.out, no, 1e-6 * (1 + max_abs(ref.out, no)),
						    1e-5, NULL) > 1, "%s: bf16 products differ from f32", label);
		}
		for (int t = 1; t < 3; t++)
			CHECK_MSG(same_bits(&got[0], &got[t], L, n), "%s: 1 and %d threads give the same bits",
				  label, t + 1);
		CHECK_MSG(same_bits(&got[0], &other, L, n),
			  "%s: plans made on 1 and 3 threads give the same bits", label);
	}
	if (!bf16)
		check_fd(p3, L, name);
	outs_free(&ref);
	outs_free(&other);
	for (int i = 0; i < 3; i++)
		outs_free(&got[i]);
	dnnlconv_free(p1);
	dnnlconv_free(p3);
}

/* dnnlconv_layout: the layer's input and output held in nChw16c or
 * nChw8c (B; ib, ob: which side), the passes against the OpenBLAS
 * reference on the same values (converted to plain), at the planned batch
 * and a smaller one, the same bits on 1 and 3 threads; the passes that
 * stay on conv2d.c (thin sides) convert, and so do the passes whose
 * kernels want the other width. Sides whose channels are not a multiple
 * of B, and other widths, are refused; dnnlconv_blockable names a width
 * the side's channels allow. */
static void check_layouts(DnnlLib *lib, Layer *L, const char *name)
{
	const ConvShape *s = &L->s;
	for (int mb = 0; mb < 6; mb++) {
		int B = mb < 3 ? 16 : 8, m = mb % 3 + 1, ib = m & 1 ? B : 0, ob = m >> 1 ? B : 0;
		int cin_ok = s->cin % B == 0, cout_ok = s->cout % B == 0;
		DnnlConv *p = NULL;
		Err e;
		char label[160];
		set_threads(3);
		if (dnnlconv_plan(&p, lib, s, L->t, &e) || !p) {
			CHECK_MSG(0, "%s: planned (%s)", name, e.msg);
			return;
		}
		int bi0 = dnnlconv_blockable(p, 0), bo0 = dnnlconv_blockable(p, 1);
		CHECK_MSG((bi0 == 0 || bi0 == 8 || bi0 == 16) && (bo0 == 0 || bo0 == 8 || bo0 == 16) &&
			  (!bi0 || s->cin % bi0 == 0) && (!bo0 || s->cout % bo0 == 0),
			  "%s: blockable in %d out %d, of %d and %d channels", name, bi0, bo0, s->cin,
			  s->cout);
		if (mb == 0) {
			Err e2;
			CHECK_MSG(dnnlconv_layout(p, 4, 0, &e2) != 0 && dnnlconv_layout(p, 0, 32, &e2) != 0,
				  "%s: blocks of 4 and 32 channels refused", name);
		}
		int rc = dnnlconv_layout(p, ib, ob, &e);
		if ((ib && !cin_ok) || (ob && !cout_ok)) {
			CHECK_MSG(rc != 0 && strstr(e.msg, "channel blocks"),
				  "%s: layout in %d out %d refused (%s)", name, ib, ob, rc ? e.msg : "taken");
			dnnlconv_free(p);
			continue;
		}
		CHECK_MSG(rc == 0, "%s: layout in %d out %d (%s)", name, ib, ob, rc ? e.msg : "");
		Outs ref, got[2];
		outs_alloc(&ref, L);
		outs_alloc(&got[0], L);
		outs_alloc(&got[1], L);
		float *xin = malloc(sizeof(float) * L->nin), *g = malloc(sizeof(float) * L->nout);
		float *keep_in = L->in, *keep_dout = L->dout;
		int batches[2] = { s->n, s->n > 3 ? s->n - 3 : 1 };
		for (int bi = 0; bi < 2 && rc == 0; bi++) {
			int n = batches[bi], hw = s->h * s->w, ohw = s->oh * s->ow;
			size_t no = (size_t)n * s->cout * ohw, ni = (size_t)n * s->cin * hw;
			snprintf(label, sizeof label, "%s layout in %d out %d batch %d", name, ib, ob, n);
			set_threads(1);
			run_blas(L, n, &ref);
			if (ib)
				blk_convert(xin, keep_in, n, s->cin, hw, B, 1);
			if (ob)
				blk_convert(g, keep_dout, n, s->cout, ohw, B, 1);
			L->in = ib ? xin : keep_in;
			L->dout = ob ? g : keep_dout;
			int ok = 1;
			for (int t = 0; t < 2; t++) {
				set_threads(t ? 3 : 1);
				ok &= run_dnnl(p, L, n, &got[t]) == 0;
			}
			L->in = keep_in;
			L->dout = keep_dout;
			CHECK_MSG(ok && !dnnl_lib_error(lib, &e), "%s: runs (%s)", label, ok ? "" : e.msg);
			if (!ok)
				break;
			CHECK_MSG(same_bits(&got[0], &got[1], L, n), "%s: 1 and 3 threads, the same bits",
				  label);
			float *t = malloc(sizeof(float) * (no > ni ? no : ni));
			if (ob)
				blk_convert(t, got[0].out, n, s->cout, ohw, B, 0);
			close_to(ob ? t : got[0].out, ref.out, no, 1e-5, label, "forward");
			if (ib)
				blk_convert(t, got[0].din, n, s->cin, hw, B, 0);
			close_to(ib ? t : got[0].din, ref.din, ni, 1e-5, label, "d/din");
			close_to(got[0].dw, ref.dw, L->nw, 1e-5, label, "d/dw");
			close_to(got[0].db, ref.db, (size_t)s->cout, 1e-5, label, "d/db");
			free(t);
		}
		free(xin);
		free(g);
		outs_free(&ref);
		outs_free(&got[0]);
		outs_free(&got[1]);
		dnnlconv_free(p);
	}
}

/* The dense cases are products already: no plan, no failure. */
static void check_dense(DnnlLib *lib)
{
	ConvShape c = { .n = 4, .cin = 8, .h = 4, .w = 4, .cout = 1, .k = 4, .stride = 1, .pad = 0 };
	ConvShape t = { .n = 4, .cin = 16, .h = 1, .w = 1, .cout = 8, .k = 4, .stride = 1, .pad = 0 };
	DnnlConv *p = (DnnlConv *)&c;
	Err e;
	CHECK(conv2d_shape(&c) == 0 && dnnlconv_plan(&p, lib, &c, 0, &e) == 0 && p == NULL);
	p = (DnnlConv *)&t;
	CHECK(convt2d_shape(&t) == 0 && dnnlconv_plan(&p, lib, &t, 1, &e) == 0 && p == NULL);
}

/* Which layers gan-step sends to oneDNN (dnnlconv_wanted): those whose small
 * side has more than 16 positions; the others only where lib runs bf16, or
 * where oneDNN's kernels are AVX-512 ones and either OpenBLAS runs AVX2 or
 * older kernels or the batch has more than 2048 such positions. */
/* dnnlconv_blas_small against /proc/cpuinfo's vendor and family (Linux),
 * read here independently of cpuid. */
static void check_blas_small(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[256];
	int amd = 0, family = -1;
	while (fgets(line, sizeof line, f) && family < 0) {
		if (strncmp(line, "vendor_id", 9) == 0)
			amd = strstr(line, "AuthenticAMD") != NULL;
		else if (strncmp(line, "cpu family", 10) == 0 && strchr(line, ':'))
			family = atoi(strchr(line, ':') + 1);
	}
	fclose(f);
	if (family < 0)
		return;
	CHECK_MSG(dnnlconv_blas_small() == (amd && family >= 26),
		  "4x4 layers on OpenBLAS only on AMD family >= 26: amd %d family %d, got %d", amd,
		  family, dnnlconv_blas_small());
}

static void check_wanted(DnnlLib *lib, int bf16)
{
	ConvShape c4 = { .n = 4, .cin = 32, .h = 8, .w = 8, .cout = 64, .k = 4, .stride = 2, .pad = 1 };
	ConvShape c7 = { .n = 4, .cin = 32, .h = 14, .w = 14, .cout = 64, .k = 4, .stride = 2, .pad = 1 };
	ConvShape t4 = { .n = 4, .cin = 64, .h = 4, .w = 4, .cout = 32, .k = 4, .stride = 2, .pad = 1 };
	CHECK(conv2d_shape(&c4) == 0 && conv2d_shape(&c7) == 0 && convt2d_shape(&t4) == 0);
	int onednn512 = strncmp(dnnl_lib_isa(lib), "avx512", 6) == 0;
	int small = bf16 || (onednn512 && (!gemm_avx512() || !dnnlconv_blas_small()));
	CHECK_MSG(dnnlconv_wanted(lib, &c4, 0) == small, "4x4 conv2d output, kernels %s, bf16 %d",
		  gemm_core(), bf16);
	CHECK_MSG(dnnlconv_wanted(lib, &t4, 1) == small, "4x4 convt2d input, kernels %s, bf16 %d",
		  gemm_core(), bf16);
	CHECK(dnnlconv_wanted(lib, &c7, 0) == 1);
	CHECK(dnnlconv_wanted(lib, &c4, 1) == 1);   /* as a convt2d its input is 8x8 */
	c4.n = 128;
	CHECK(dnnlconv_wanted(lib, &c4, 0) == small);
	c4.n = 129;
	CHECK_MSG(dnnlconv_wanted(lib, &c4, 0) == (bf16 || onednn512),
		  "4x4 conv2d output at batch 129, oneDNN %s, bf16 %d", dnnl_lib_isa(lib), bf16);
}

/* check_case on every case, as conv2d and as convt2d, through lib. */
static void check_all(DnnlLib *lib, TestRng *r, int bf16)
{
	char name[96];
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < NCASES; i++) {
			Layer L;
			if (layer_init(&L, t, &cases[i], r) < 0)
				continue;
			snprintf(name, sizeof name, "%s%s case %zu", bf16 ? "bf16 " : "",
				 t ? "convt2d" : "conv2d", i);
			check_case(lib, &L, name, bf16);
			if (!bf16)
				check_layouts(lib, &L, name);
			layer_free(&L);
		}
}

static void run(void)
{
	DnnlLib *lib = NULL;
	Err e;
	int rc = dnnl_lib_open(&lib, &e);
#if __has_include(<dnnl.h>) && defined(_OPENMP)
	CHECK_MSG(rc == 0 && lib, "libdnnl.so.2 loads (%s)", rc ? e.msg : "");
	if (!lib)
		return;
	CHECK(dnnl_lib_isa(lib)[0] != '\0');
	TestRng r = { 0xd11c };
	check_all(lib, &r, 0);
	check_dense(lib);
	check_wanted(lib, 0);
	check_blas_small();
	CHECK(dnnl_lib_error(lib, &e) == 0);
	dnnl_lib_close(lib);
	/* bf16 products, where the CPU has them; refused with a reason elsewhere */
	CHECK(dnnl_lib_open(&lib, &e) == 0);
	if (dnnl_lib_bf16(lib, &e) == 0) {
		check_all(lib, &r, 1);
		check_wanted(lib, 1);
		CHECK(dnnl_lib_error(lib, &e) == 0);
	} else {
		CHECK_MSG(strstr(e.msg, "no AVX512_BF16") != NULL, "bf16 refused: %s", e.msg);
		fprintf(stderr, "  test_dnnlconv: bf16 not checked: %s\n", e.msg);
	}
	dnnl_lib_close(lib);
	set_threads(1);
#else
	CHECK_MSG(rc != 0 && !lib && strstr(e.msg, "onednn"), "a build without oneDNN refuses: %s",
		  rc ? e.msg : "it opened");
#endif
}

CHECK_MAIN("test_dnnlconv")
