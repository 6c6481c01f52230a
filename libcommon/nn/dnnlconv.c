/* dnnlconv.c - conv2d / convt2d through oneDNN (see dnnlconv.h).
 *
 * Every layer is one convolution problem: src A (IA, HA, WA) -> dst B (OB,
 * HB, WB) with weights (OB, IA, k, k). A conv2d is x -> y with its own
 * weights; a convt2d is the conv2d whose data gradient it is: A = its output
 * y, B = its input x, and PyTorch's (cin, cout, k, k) weights are that
 * conv's (O, I, k, k). The three primitives of the problem then serve both:
 *   F  (A -> B):  conv2d forward,        convt2d input gradient;
 *   BD (B -> A):  conv2d input gradient, convt2d forward;
 *   BW (A, B -> weights): both weight gradients.
 * Each is made for chunks of c <= DNNL_CHUNK examples with one thread (so
 * its sums are the same whoever runs it), scratchpad in the arena; the
 * chunks of a batch are shared by the threads. Plain NCHW tensors are
 * reordered into the layouts oneDNN picks ("any") per chunk, in and out. */
#include "dnnlconv.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "par.h"

#if __has_include(<dnnl.h>)
#include <dnnl.h>
#define HAVE_DNNL 1
#endif

#ifndef HAVE_DNNL

int dnnl_lib_open(DnnlLib **lib, Err *e)
{
	*lib = NULL;
	return err_set(e, EXIT_BAD, "--kernels onednn: oneDNN support not built "
		       "(install libdnnl-dev and rebuild)");
}
void dnnl_lib_close(DnnlLib *lib) {}
const char *dnnl_lib_isa(const DnnlLib *lib) { return ""; }
int dnnl_lib_error(const DnnlLib *lib, Err *e) { return 0; }
int dnnl_lib_bf16(DnnlLib *lib, Err *e) { return err_set(e, EXIT_BAD, "oneDNN support not built"); }
static int lib_bf16(const DnnlLib *lib) { return 0; }
static int lib_avx512(const DnnlLib *lib) { return 0; }
int dnnlconv_plan(DnnlConv **out, DnnlLib *lib, const ConvShape *s, int transposed, Err *e)
{
	*out = NULL;
	return err_set(e, EXIT_BAD, "oneDNN support not built");
}
void dnnlconv_free(DnnlConv *p) {}
int dnnlconv_forward(DnnlConv *p, float *out, const float *in, const float *w,
		     const float *b, int n, float *ws) { return -1; }
int dnnlconv_backward(DnnlConv *p, float *din, float *dw, float *db, const float *dout,
		      const float *in, const float *w, int n, float *ws) { return -1; }
int dnnlconv_blockable(const DnnlConv *p, int out_side) { return 0; }
int dnnlconv_layout(DnnlConv *p, int in_blk, int out_blk, Err *e)
{
	return err_set(e, EXIT_BAD, "oneDNN support not built");
}

#else

#ifndef _OPENMP
/* oneDNN's threads are OpenMP's: without them its thread count is not ours. */
static int omp_get_max_threads(void) { return 1; }
static void omp_set_num_threads(int n) { (void)n; }
#endif

/* The functions of libdnnl.so.2 this file calls. */
#define DNNL_FUNCS(X) \
	X(dnnl_engine_create) X(dnnl_engine_destroy) X(dnnl_stream_create) \
	X(dnnl_stream_destroy) X(dnnl_memory_desc_init_by_tag) \
	X(dnnl_convolution_forward_desc_init) X(dnnl_convolution_backward_data_desc_init) \
	X(dnnl_convolution_backward_weights_desc_init) X(dnnl_primitive_attr_create) \
	X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_scratchpad_mode) \
	X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) \
	X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_query) \
	X(dnnl_reorder_primitive_desc_create) X(dnnl_primitive_create) \
	X(dnnl_primitive_destroy) X(dnnl_primitive_execute) X(dnnl_memory_desc_get_size) \
	X(dnnl_memory_desc_equal) X(dnnl_memory_create) X(dnnl_memory_destroy) \
	X(dnnl_memory_set_data_handle_v2) X(dnnl_get_effective_cpu_isa)

#define MAX_SLOTS 64
/* Weight-gradient pieces: at most this many, and their two buffers each
 * under PIECE_CAP floats in all. */
#define MAX_PIECES 4
#define PIECE_CAP (16u << 20)
/* Passes whose result has fewer channels stay on conv2d.c. */
#define MIN_CHANNELS 16
/* Weight gradients of layers with few output positions run on calls of
 * up to MAX_MERGE chunks, enough for BW_WORK examples x positions a call:
 * each call rewrites the whole gradient, so the small ones (dcgan64's
 * 4x4 layers, 128 a chunk) spend their time on that, not on products.
 * BW_CACHE such primitives (one per call size) are kept per layer. */
#define MAX_MERGE 4
#define BW_WORK 512
#define BW_CACHE 8

struct DnnlLib {
	void *so;
	struct {
#define X(f) __typeof__(f) *f;
		DNNL_FUNCS(X)
#undef X
	} f;
	dnnl_engine_t eng;
	dnnl_stream_t stream[MAX_SLOTS];
	int slots;                /* threads the plans were made for */
	float *arena;
	size_t arena_n;           /* floats */
	dnnl_data_type_t dt_in;   /* of the passes' inputs and weights: f32, or bf16 */
	int failed;
	Err err;
};

/* Memory objects come one per thread slot, made with the primitives
 * (NULL-terminated arrays) and pointed at the data of each call with
 * dnnl_memory_set_data_handle_v2, so that nothing is allocated per call. */

/* A primitive and the floats of its scratchpad. */
typedef struct {
	dnnl_primitive_t p;
	dnnl_memory_desc_t sp;
	size_t sp_n;
	dnnl_memory_t *spm;       /* per slot, where sp_n */
} Prim;

/* A plain NCHW tensor of a chunk and the layout a primitive wants it in:
 * to / from reorder between them (unset where they are the same). */
typedef struct {
	dnnl_memory_desc_t plain, blk;
	int same;
	Prim to, from;
	size_t n;                 /* floats of blk */
	dnnl_memory_t *pm, *bm;   /* per slot: over plain, over blk */
} View;

/* One of F, BD, BW for chunks of c examples: its input views in[0..1], the
 * output view (F, BD) and the weights' layout (reordered from plain for F
 * and BD, to plain for BW). */
typedef struct {
	Prim p;
	View in[2], out;
	int nin;
	View w;
} Pass;

enum { P_F, P_BD, P_BW, P_COUNT };

typedef struct {
	int c;                    /* examples; 0: not made */
	int slots;                /* memory objects per use */
	Pass pass[P_COUNT];
	View cv[2];               /* A, B: plain <-> blocked, where held blocked */
} Entry;

struct DnnlConv {
	DnnlLib *lib;
	ConvShape s;              /* the layer's, s.n its largest batch */
	int transposed;
	int ia, ha, wa, ob, hb, wb;
	int blk_a, blk_b;         /* A, B held in nChw16c or nChw8c (16, 8) or
				   * plain (0): dnnlconv_layout */
	int use[P_COUNT];         /* passes run here (BW always) */
	Entry e[DNNL_CHUNK + 1];  /* by chunk size */
	int bwk;                  /* chunks per weight-gradient call */
	struct {
		int mb;           /* examples; 0: unused */
		Pass ps;
	} bw[BW_CACHE];           /* BW of mb examples, where bwk > 1 */
	int bw_next;              /* the slot bw_pass fills next */
};

static int fail(DnnlLib *l, dnnl_status_t st, const char *what, Err *e)
{
	Err tmp;
	err_set(e ? e : &tmp, EXIT_SYS, "oneDNN: %s failed (status %d)", what, (int)st);
	if (!l->failed) {
		l->failed = 1;
		l->err = e ? *e : tmp;
	}
	return -1;
}

#define CK(l, call, e) do { dnnl_status_t st_ = (l)->f.call; \
	if (st_ != dnnl_success) return fail((l), st_, #call, (e)); } while (0)

void dnnl_lib_close(DnnlLib *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->slots; i++)
		if (l->stream[i])
			l->f.dnnl_stream_destroy(l->stream[i]);
	if (l->eng)
		l->f.dnnl_engine_destroy(l->eng);
	free(l->arena);
	if (l->so)
		dlclose(l->so);
	free(l);
}

int dnnl_lib_open(DnnlLib **out, Err *e)
{
	*out = NULL;
#ifndef _OPENMP
	return err_set(e, EXIT_BAD, "--kernels onednn: this build has no OpenMP "
		       "(built with OPENMP=)");
#endif
	DnnlLib *l = calloc(1, sizeof *l);
	if (!l)
		return err_set(e, EXIT_SYS, "out of memory");
	l->so = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!l->so) {
		free(l);
		return err_set(e, EXIT_BAD, "--kernels onednn: cannot load libdnnl.so.2 "
			       "(install libdnnl2)");
	}
#define X(fn) if (!(*(void **)&l->f.fn = dlsym(l->so, #fn))) { dnnl_lib_close(l); \
		return err_set(e, EXIT_BAD, "--kernels onednn: libdnnl.so.2 lacks " #fn); }
	DNNL_FUNCS(X)
#undef X
	l->dt_in = dnnl_f32;
	dnnl_status_t st = l->f.dnnl_engine_create(&l->eng, dnnl_cpu, 0);
	if (st != dnnl_success) {
		dnnl_lib_close(l);
		return err_set(e, EXIT_SYS, "oneDNN: no CPU engine (status %d)", (int)st);
	}
	*out = l;
	return 0;
}

const char *dnnl_lib_isa(const DnnlLib *l)
{
	switch (l ? l->f.dnnl_get_effective_cpu_isa() : dnnl_cpu_isa_all) {
	case dnnl_cpu_isa_sse41: return "sse41";
	case dnnl_cpu_isa_avx: return "avx";
	case dnnl_cpu_isa_avx2: return "avx2";
	case dnnl_cpu_isa_avx512_core: return "avx512_core";
	case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
	case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
	case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
	default: return "";
	}
}

/* 1 if l runs its passes in bf16 (dnnl_lib_bf16). */
static int lib_bf16(const DnnlLib *l)
{
	return l && l->dt_in == dnnl_bf16;
}

/* 1 if l's kernels are AVX-512 ones. */
static int lib_avx512(const DnnlLib *l)
{
	dnnl_cpu_isa_t isa = l ? l->f.dnnl_get_effective_cpu_isa() : dnnl_cpu_isa_all;
	return isa != dnnl_cpu_isa_all &&
	       (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
}

int dnnl_lib_bf16(DnnlLib *l, Err *e)
{
	dnnl_cpu_isa_t isa = l->f.dnnl_get_effective_cpu_isa();
	if ((isa & dnnl_cpu_isa_avx512_core_bf16) != dnnl_cpu_isa_avx512_core_bf16)
		return err_set(e, EXIT_BAD, "--precision bf16: this CPU has no AVX512_BF16 "
			       "(oneDNN runs %s)", dnnl_lib_isa(l)[0] ? dnnl_lib_isa(l) : "an older ISA");
	l->dt_in = dnnl_bf16;
	return 0;
}

int dnnl_lib_error(const DnnlLib *l, Err *e)
{
	if (!l || !l->failed)
		return 0;
	if (e)
		*e = l->err;
	return -1;
}

/* Streams for `slots` threads (set-up). */
static int lib_slots(DnnlLib *l, int slots, Err *e)
{
	for (; l->slots < slots; l->slots++)
		CK(l, dnnl_stream_create(&l->stream[l->slots], l->eng, dnnl_stream_default_flags), e);
	return 0;
}

/* The arena holds at least n floats (set-up: nothing in it is live). */
static int lib_arena(DnnlLib *l, size_t n, Err *e)
{
	if (n <= l->arena_n)
		return 0;
	free(l->arena);
	l->arena_n = 0;
	l->arena = aligned_alloc(64, (n * sizeof(float) + 63) & ~(size_t)63);
	if (!l->arena)
		return err_set(e, EXIT_SYS, "out of memory for oneDNN's scratch (%zu MiB)",
			       n * sizeof(float) >> 20);
	l->arena_n = n;
	return 0;
}

/* *out = memory objects over md for l's slots, their data unset. */
static int mems_make(DnnlLib *l, dnnl_memory_t **out, const dnnl_memory_desc_t *md, Err *e)
{
	dnnl_memory_t *m = calloc((size_t)l->slots + 1, sizeof *m);
	if (!(*out = m))
		return err_set(e, EXIT_SYS, "out of memory");
	for (int i = 0; i < l->slots; i++)
		CK(l, dnnl_memory_create(&m[i], md, l->eng, DNNL_MEMORY_NONE), e);
	return 0;
}

static void mems_free(DnnlLib *l, dnnl_memory_t **m)
{
	for (int i = 0; *m && (*m)[i]; i++)
		l->f.dnnl_memory_destroy((*m)[i]);
	free(*m);
	*m = NULL;
}

/* Slot's memory object of m, over data; NULL if that fails. */
static dnnl_memory_t bind(DnnlLib *l, dnnl_memory_t *m, int slot, const void *data)
{
	if (l->f.dnnl_memory_set_data_handle_v2(m[slot], (void *)data, l->stream[slot]) != dnnl_success)
		return NULL;
	return m[slot];
}

/* p from pd, with a user scratchpad; pd is destroyed. */
static int prim_make(DnnlLib *l, Prim *p, dnnl_primitive_desc_t pd, Err *e)
{
	const dnnl_memory_desc_t *sp = l->f.dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
	p->sp = *sp;
	p->sp_n = (l->f.dnnl_memory_desc_get_size(sp) + sizeof(float) - 1) / sizeof(float);
	dnnl_status_t st = l->f.dnnl_primitive_create(&p->p, pd);
	l->f.dnnl_primitive_desc_destroy(pd);
	if (st != dnnl_success)
		return fail(l, st, "dnnl_primitive_create", e);
	return p->sp_n ? mems_make(l, &p->spm, &p->sp, e) : 0;
}

static void prim_free(DnnlLib *l, Prim *p)
{
	if (p->p)
		l->f.dnnl_primitive_destroy(p->p);
	p->p = NULL;
	mems_free(l, &p->spm);
}

static dnnl_primitive_attr_t user_attr(DnnlLib *l)
{
	dnnl_primitive_attr_t a = NULL;
	if (l->f.dnnl_primitive_attr_create(&a) != dnnl_success)
		return NULL;
	l->f.dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user);
	return a;
}

/* v->blk = md (as the primitive wants it), v->plain given; the reorders
 * asked for (to: plain -> blk, from: blk -> plain). */
static int view_make(DnnlLib *l, View *v, const dnnl_memory_desc_t *md, int to, int from, Err *e)
{
	v->blk = *md;
	v->n = (l->f.dnnl_memory_desc_get_size(md) + sizeof(float) - 1) / sizeof(float);
	v->same = l->f.dnnl_memory_desc_equal(&v->plain, &v->blk);
	if (mems_make(l, &v->pm, &v->plain, e) || mems_make(l, &v->bm, &v->blk, e))
		return -1;
	for (int dir = 0; dir < 2 && !v->same; dir++) {
		if (!(dir ? from : to))
			continue;
		dnnl_primitive_attr_t a = user_attr(l);
		dnnl_primitive_desc_t pd;
		dnnl_status_t st = dir ?
			l->f.dnnl_reorder_primitive_desc_create(&pd, &v->blk, l->eng, &v->plain, l->eng, a) :
			l->f.dnnl_reorder_primitive_desc_create(&pd, &v->plain, l->eng, &v->blk, l->eng, a);
		l->f.dnnl_primitive_attr_destroy(a);
		if (st != dnnl_success)
			return fail(l, st, "dnnl_reorder_primitive_desc_create", e);
		if (prim_make(l, dir ? &v->from : &v->to, pd, e))
			return -1;
	}
	return 0;
}

static void view_free(DnnlLib *l, View *v)
{
	prim_free(l, &v->to);
	prim_free(l, &v->from);
	mems_free(l, &v->pm);
	mems_free(l, &v->bm);
}

static void pass_free(DnnlLib *l, Pass *p)
{
	prim_free(l, &p->p);
	for (int i = 0; i < 2; i++)
		view_free(l, &p->in[i]);
	view_free(l, &p->out);
	view_free(l, &p->w);
}

static void entry_free(DnnlLib *l, Entry *en)
{
	for (int i = 0; i < P_COUNT; i++)
		pass_free(l, &en->pass[i]);
	for (int i = 0; i < 2; i++)
		view_free(l, &en->cv[i]);
	memset(en, 0, sizeof *en);
}

void dnnlconv_free(DnnlConv *p)
{
	if (!p)
		return;
	for (int c = 0; c <= DNNL_CHUNK; c++)
		if (p->e[c].c)
			entry_free(p->lib, &p->e[c]);
	for (int i = 0; i < BW_CACHE; i++)
		if (p->bw[i].mb)
			pass_free(p->lib, &p->bw[i].ps);
	free(p);
}

static int md_plain(DnnlLib *l, dnnl_memory_desc_t *md, int a, int b, int c, int d, Err *e)
{
	dnnl_dims_t dims = { a, b, c, d };
	CK(l, dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, dnnl_nchw), e);
	return 0;
}

/* An activation as the network holds it: plain NCHW (blk 0), or nChw16c
 * or nChw8c (blk 16 or 8). */
static int md_user(DnnlLib *l, dnnl_memory_desc_t *md, int a, int b, int c, int d, int blk,
		   Err *e)
{
	dnnl_dims_t dims = { a, b, c, d };
	CK(l, dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32,
					   blk == 16 ? dnnl_nChw16c : blk == 8 ? dnnl_nChw8c : dnnl_nchw),
	   e);
	return 0;
}

/* The query of pd's memory descriptor q, index 0. */
static const dnnl_memory_desc_t *qmd(DnnlLib *l, dnnl_primitive_desc_t pd, dnnl_query_t q)
{
	return l->f.dnnl_primitive_desc_query_md(pd, q, 0);
}

/* Pass ps from pd (destroyed): the views of its nin inputs (queries qin,
 * reordered in) and of its output (qout, reordered out; dnnl_query_undef:
 * none, as for BW), and the weights' view (qw: reordered in, or out for
 * BW's gradient); threads: the caller's count (passes_make). */
static int pass_make(DnnlLib *l, Pass *ps, dnnl_primitive_desc_t pd, int nin,
		     const dnnl_query_t *qin, dnnl_query_t qout, dnnl_query_t qw, int threads,
		     Err *e)
{
	int wout = qout == dnnl_query_undef;
	ps->nin = nin;
	for (int i = 0; i < nin; i++)
		if (view_make(l, &ps->in[i], qmd(l, pd, qin[i]), 1, 0, e))
			goto fail;
	if (!wout && view_make(l, &ps->out, qmd(l, pd, qout), 0, 1, e))
		goto fail;
	/* the weights' reorder in runs outside the chunks' threads: made for
	 * all of them (a copy: the same bits on any count) */
	int one = omp_get_max_threads();
	if (!wout)
		omp_set_num_threads(threads);
	int rw = view_make(l, &ps->w, qmd(l, pd, qw), !wout, wout, e);
	omp_set_num_threads(one);
	if (rw)
		goto fail;
	return prim_make(l, &ps->p, pd, e);
fail:
	l->f.dnnl_primitive_desc_destroy(pd);
	return -1;
}

/* The memory descriptors of one chunk size: plain A, B and weights, and
 * the "any" layouts of a pass's inputs (dt_in: F's and BD's weights too)
 * and of its results (f32). */
typedef struct {
	dnnl_memory_desc_t a, b, w, a_in, a_out, b_in, b_out, w_in, w_out;
} Descs;

static int descs_make(const DnnlConv *p, int c, Descs *d, Err *e)
{
	DnnlLib *l = p->lib;
	int k = p->s.k;
	dnnl_dims_t da = { c, p->ia, p->ha, p->wa }, db = { c, p->ob, p->hb, p->wb };
	dnnl_dims_t dw = { p->ob, p->ia, k, k };
	dnnl_format_tag_t any = dnnl_format_tag_any;
	if (md_user(l, &d->a, c, p->ia, p->ha, p->wa, p->blk_a, e) ||
	    md_user(l, &d->b, c, p->ob, p->hb, p->wb, p->blk_b, e) ||
	    md_plain(l, &d->w, p->ob, p->ia, k, k, e))
		return -1;
	CK(l, dnnl_memory_desc_init_by_tag(&d->a_in, 4, da, l->dt_in, any), e);
	CK(l, dnnl_memory_desc_init_by_tag(&d->a_out, 4, da, dnnl_f32, any), e);
	CK(l, dnnl_memory_desc_init_by_tag(&d->b_in, 4, db, l->dt_in, any), e);
	CK(l, dnnl_memory_desc_init_by_tag(&d->b_out, 4, db, dnnl_f32, any), e);
	CK(l, dnnl_memory_desc_init_by_tag(&d->w_in, 4, dw, l->dt_in, any), e);
	CK(l, dnnl_memory_desc_init_by_tag(&d->w_out, 4, dw, dnnl_f32, any), e);
	return 0;
}

/* Pass k of shape s into ps: F (src A in, dst B out, weights reordered
 * in), BD (diff_dst B in, diff_src A out) or BW (src A and diff_dst B in,
 * diff_weights reordered out). F comes first: its descriptor, kept in
 * *fpd, is the hint of the other two; threads as pass_make's. */
static int pass_create(DnnlLib *l, const ConvShape *s, int k, Pass *ps, const Descs *d,
		       dnnl_primitive_attr_t at, dnnl_primitive_desc_t *fpd, int threads, Err *e)
{
	static const char *what[P_COUNT] = { "convolution forward", "convolution backward data",
					     "convolution backward weights" };
	static const dnnl_query_t q_src[] = { dnnl_query_src_md }, q_ddst[] = { dnnl_query_diff_dst_md },
		q_both[] = { dnnl_query_src_md, dnnl_query_diff_dst_md };
	dnnl_dims_t st = { s->stride, s->stride }, pad = { s->pad, s->pad };
	dnnl_convolution_desc_t cd;
	dnnl_primitive_desc_t pd;
	dnnl_alg_kind_t alg = dnnl_convolution_direct;
	dnnl_status_t r;
	if (k == P_F)
		r = l->f.dnnl_convolution_forward_desc_init(&cd, dnnl_forward_training, alg, &d->a_in,
							     &d->w_in, NULL, &d->b_out, st, pad, pad);
	else if (k == P_BD)
		r = l->f.dnnl_convolution_backward_data_desc_init(&cd, alg, &d->a_out, &d->w_in,
								   &d->b_in, st, pad, pad);
	else
		r = l->f.dnnl_convolution_backward_weights_desc_init(&cd, alg, &d->a_in, &d->w_out,
								      NULL, &d->b_in, st, pad, pad);
	if (!r && k == P_F)
		r = l->f.dnnl_primitive_desc_create(fpd, &cd, at, l->eng, NULL);
	if (!r)
		r = l->f.dnnl_primitive_desc_create(&pd, &cd, at, l->eng, k == P_F ? NULL : *fpd);
	if (r)
		return fail(l, r, what[k], e);
	ps->w.plain = d->w;
	if (k == P_F) {
		ps->in[0].plain = d->a, ps->out.plain = d->b;
		return pass_make(l, ps, pd, 1, q_src, dnnl_query_dst_md, dnnl_query_weights_md, threads,
				 e);
	}
	if (k == P_BD) {
		ps->in[0].plain = d->b, ps->out.plain = d->a;
		return pass_make(l, ps, pd, 1, q_ddst, dnnl_query_diff_src_md, dnnl_query_weights_md,
				 threads, e);
	}
	ps->in[0].plain = d->a, ps->in[1].plain = d->b;
	return pass_make(l, ps, pd, 2, q_both, dnnl_query_undef, dnnl_query_diff_weights_md,
			 threads, e);
}

/* Passes of c examples, made on one thread (their work split is fixed
 * then, whatever thread runs them later): ps[k] for each k whose ps[k] is
 * not NULL; ps[P_F] is needed, its descriptor being the others' hint.
 * On failure the caller frees what was made. */
static int passes_make(DnnlConv *p, int c, Pass *ps[P_COUNT], Err *e)
{
	DnnlLib *l = p->lib;
	Descs d;
	if (descs_make(p, c, &d, e))
		return -1;
	int threads = omp_get_max_threads();
	omp_set_num_threads(1);
	dnnl_primitive_desc_t fpd = NULL;
	dnnl_primitive_attr_t at = user_attr(l);
	int rc = at ? 0 : fail(l, dnnl_out_of_memory, "dnnl_primitive_attr_create", e);
	for (int k = 0; k < P_COUNT && !rc; k++)
		if (ps[k])
			rc = pass_create(l, &p->s, k, ps[k], &d, at, &fpd, threads, e);
	if (fpd)
		l->f.dnnl_primitive_desc_destroy(fpd);
	if (at)
		l->f.dnnl_primitive_attr_destroy(at);
	omp_set_num_threads(threads);
	return rc;
}

/* The primitives of chunks of c examples (all three passes). */
static int entry_make(DnnlConv *p, int c, Err *e)
{
	Entry *en = &p->e[c];
	en->c = c;
	en->slots = p->lib->slots;
	Pass *ps[P_COUNT] = { &en->pass[P_F], &en->pass[P_BD], &en->pass[P_BW] };
	int rc = passes_make(p, c, ps, e);
	/* the reorders between a blocked side and plain, for conv2d.c's passes */
	for (int side = 0; side < 2 && !rc; side++) {
		int blk = side ? p->blk_b : p->blk_a, ch = side ? p->ob : p->ia;
		int h = side ? p->hb : p->ha, w = side ? p->wb : p->wa;
		dnnl_memory_desc_t md;
		if (blk)
			rc = md_user(p->lib, &en->cv[side].plain, c, ch, h, w, 0, e) ||
			     md_user(p->lib, &md, c, ch, h, w, blk, e) ||
			     view_make(p->lib, &en->cv[side], &md, 1, 1, e);
		/* side_convert gives them no scratchpad: oneDNN's plain <->
		 * nChw16c and nChw8c reorders need none */
		if (blk && !rc && (en->cv[side].to.sp_n || en->cv[side].from.sp_n))
			rc = err_set(e, EXIT_SYS, "oneDNN's nChw%dc reorder wants a scratchpad", blk);
	}
	if (rc)
		entry_free(p->lib, en);
	return rc;
}

/* The weight-gradient pass of calls of mb examples (bwk > 1), made now
 * if none is kept, in the slot after the last made (the one made longest
 * ago goes): which primitive a call runs depends on mb alone, so the bits
 * do not depend on what was kept. NULL on failure, kept in the lib. */
static Pass *bw_pass(DnnlConv *p, int mb)
{
	for (int i = 0; i < BW_CACHE; i++)
		if (p->bw[i].mb == mb)
			return &p->bw[i].ps;
	DnnlLib *l = p->lib;
	int slot = p->bw_next;
	p->bw_next = (slot + 1) % BW_CACHE;
	if (p->bw[slot].mb)
		pass_free(l, &p->bw[slot].ps);
	memset(&p->bw[slot], 0, sizeof p->bw[slot]);
	Err e;
	/* F is made for its descriptor, BW's hint, and not kept */
	Pass f = { 0 }, *ps[P_COUNT] = { &f, NULL, &p->bw[slot].ps };
	int rc = passes_make(p, mb, ps, &e);
	pass_free(l, &f);
	if (rc) {
		pass_free(l, &p->bw[slot].ps);
		memset(&p->bw[slot], 0, sizeof p->bw[slot]);
		return NULL;
	}
	p->bw[slot].mb = mb;
	return &p->bw[slot].ps;
}

/* Floats of a pass's chunk buffers on one thread: its views' blocked
 * copies (where they differ from plain) and the largest scratchpad. */
static size_t pass_unit(const Pass *ps)
{
	size_t n = 0, sp = ps->p.sp_n;
	const View *v[3] = { &ps->in[0], ps->nin > 1 ? &ps->in[1] : NULL, ps->nin > 1 ? NULL : &ps->out };
	for (int i = 0; i < 3; i++) {
		if (!v[i])
			continue;
		if (!v[i]->same)
			n += (v[i]->n + 15) & ~(size_t)15;
		sp = v[i]->to.sp_n > sp ? v[i]->to.sp_n : sp;
		sp = v[i]->from.sp_n > sp ? v[i]->from.sp_n : sp;
	}
	/* the weights' reorders run with slot 0's buffers as scratchpad too */
	sp = ps->w.to.sp_n > sp ? ps->w.to.sp_n : sp;
	sp = ps->w.from.sp_n > sp ? ps->w.from.sp_n : sp;
	return n + ((sp + 15) & ~(size_t)15);
}

static size_t wfloats(const View *w)
{
	return (w->n + 15) & ~(size_t)15;
}

/* Weight-gradient pieces for n examples: a power of two up to MAX_PIECES
 * and the chunks, with two blocked weight buffers each under PIECE_CAP. */
static int pieces_of(const DnnlConv *p, const Entry *en, int n)
{
	int ch = (n + DNNL_CHUNK - 1) / DNNL_CHUNK, k = 1;
	size_t wn = wfloats(&en->pass[P_BW].w);
	while (k * 2 <= MAX_PIECES && k * 2 <= ch && 2 * (size_t)(k * 2) * wn <= PIECE_CAP)
		k *= 2;
	return k;
}

/* Floats of the layer's input and output at batch n. */
static size_t in_floats(const DnnlConv *p, int n)
{
	return (size_t)n * (p->transposed ? (size_t)p->ob * p->hb * p->wb :
					    (size_t)p->ia * p->ha * p->wa);
}
static size_t out_floats(const DnnlConv *p, int n)
{
	return (size_t)n * (p->transposed ? (size_t)p->ia * p->ha * p->wa :
					    (size_t)p->ob * p->hb * p->wb);
}

/* Arena floats for batches of n with the entries of c = chunk and tail:
 * shared weights (F, BD layouts, BW's plain sum) then the per-thread (or
 * per-piece) chunk buffers. */
static size_t arena_need(const DnnlConv *p, int n, int slots)
{
	size_t shared = 0, unit = 0, bw = 0;
	for (int c = 1; c <= DNNL_CHUNK; c++) {
		const Entry *en = &p->e[c];
		if (!en->c)
			continue;
		size_t sh = 0;
		for (int i = P_F; i <= P_BD; i++) {
			sh += wfloats(&en->pass[i].w);
			size_t u = pass_unit(&en->pass[i]);
			unit = u > unit ? u : unit;
		}
		sh += (size_t)p->ob * p->ia * p->s.k * p->s.k + 16;
		shared = sh > shared ? sh : shared;
		size_t u = pass_unit(&en->pass[P_BW]) + 2 * wfloats(&en->pass[P_BW].w);
		bw = u > bw ? u : bw;
	}
	const Entry *full = p->e[DNNL_CHUNK].c ? &p->e[DNNL_CHUNK] : &p->e[n % DNNL_CHUNK];
	size_t a = unit * (size_t)slots, b = bw * (size_t)pieces_of(p, full, n);
	size_t need = shared + (a > b ? a : b);
	/* plain copies of blocked tensors for conv2d.c's passes (plain_scratch) */
	size_t conv = p->blk_a || p->blk_b ? in_floats(p, n) + out_floats(p, n) : 0;
	return need > conv ? need : conv;
}

int dnnlconv_plan(DnnlConv **out, DnnlLib *l, const ConvShape *s, int transposed, Err *e)
{
	*out = NULL;
	if (s->pad == 0 && (transposed ? s->h == 1 && s->w == 1 : s->h == s->k && s->w == s->k))
		return 0;
	DnnlConv *p = calloc(1, sizeof *p);
	if (!p)
		return err_set(e, EXIT_SYS, "out of memory");
	p->lib = l;
	p->s = *s;
	p->transposed = transposed;
	if (transposed) {
		p->ia = s->cout, p->ha = s->oh, p->wa = s->ow;
		p->ob = s->cin, p->hb = s->h, p->wb = s->w;
	} else {
		p->ia = s->cin, p->ha = s->h, p->wa = s->w;
		p->ob = s->cout, p->hb = s->oh, p->wb = s->ow;
	}
	p->use[P_F] = p->ob >= MIN_CHANNELS;
	p->use[P_BD] = p->ia >= MIN_CHANNELS;
	p->use[P_BW] = 1;
	p->bwk = 1;
	while (p->bwk * 2 <= MAX_MERGE && (size_t)p->bwk * DNNL_CHUNK * p->hb * p->wb < BW_WORK)
		p->bwk *= 2;
	int slots = omp_get_max_threads();
	slots = slots < 1 ? 1 : slots > MAX_SLOTS ? MAX_SLOTS : slots;
	int full = s->n < DNNL_CHUNK ? s->n : DNNL_CHUNK, tail = s->n % DNNL_CHUNK;
	if (lib_slots(l, slots > MAX_PIECES ? slots : MAX_PIECES, e) ||
	    entry_make(p, full, e) || (tail && !p->e[tail].c && entry_make(p, tail, e)) ||
	    lib_arena(l, arena_need(p, s->n, slots), e)) {
		dnnlconv_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* Whether the primitive's layout of a view is nChw<blk>c (for c examples
 * of ch channels of h x w). */
static int wants_blk(DnnlLib *l, const View *v, int c, int ch, int h, int w, int blk)
{
	dnnl_memory_desc_t md;
	Err e;
	return md_user(l, &md, c, ch, h, w, blk, &e) == 0 &&
	       l->f.dnnl_memory_desc_equal(&md, &v->blk);
}

/* Whether all of a side's passes on oneDNN want it in nChw<blk>c. */
static int side_wants(const DnnlConv *p, const Entry *en, int a_side, int c, int blk)
{
	DnnlLib *l = p->lib;
	const Pass *f = &en->pass[P_F], *bd = &en->pass[P_BD], *bw = &en->pass[P_BW];
	if ((a_side ? p->ia : p->ob) % blk)
		return 0;
	if (a_side)
		return (!p->use[P_F] || wants_blk(l, &f->in[0], c, p->ia, p->ha, p->wa, blk)) &&
		       (!p->use[P_BD] || wants_blk(l, &bd->out, c, p->ia, p->ha, p->wa, blk)) &&
		       wants_blk(l, &bw->in[0], c, p->ia, p->ha, p->wa, blk);
	return (!p->use[P_F] || wants_blk(l, &f->out, c, p->ob, p->hb, p->wb, blk)) &&
	       (!p->use[P_BD] || wants_blk(l, &bd->in[0], c, p->ob, p->hb, p->wb, blk)) &&
	       wants_blk(l, &bw->in[1], c, p->ob, p->hb, p->wb, blk);
}

int dnnlconv_blockable(const DnnlConv *p, int out_side)
{
	int a_side = p->transposed ? out_side : !out_side;
	int c = p->s.n < DNNL_CHUNK ? p->s.n : DNNL_CHUNK;
	const Entry *en = &p->e[c];
	if (lib_bf16(p->lib) || !en->c)
		return 0;
	/* only the layout oneDNN's kernels want too (AVX-512's: 16 channels a
	 * block; AVX2's: 8), which they then read and write without reorders */
	return side_wants(p, en, a_side, c, 16) ? 16 : side_wants(p, en, a_side, c, 8) ? 8 : 0;
}

int dnnlconv_layout(DnnlConv *p, int in_blk, int out_blk, Err *e)
{
	DnnlLib *l = p->lib;
	int a = p->transposed ? out_blk : in_blk, b = p->transposed ? in_blk : out_blk;
	if ((a && ((a != 8 && a != 16) || p->ia % a || lib_bf16(l))) ||
	    (b && ((b != 8 && b != 16) || p->ob % b || lib_bf16(l))))
		return err_set(e, EXIT_BAD, "a layout of %d or %d channel blocks for sides of %d "
			       "and %d channels", a, b, p->ia, p->ob);
	if (a == p->blk_a && b == p->blk_b)
		return 0;
	/* the primitives' views are made for the layouts: make them again */
	for (int c = 0; c <= DNNL_CHUNK; c++)
		if (p->e[c].c)
			entry_free(l, &p->e[c]);
	for (int i = 0; i < BW_CACHE; i++)
		if (p->bw[i].mb)
			pass_free(l, &p->bw[i].ps);
	memset(p->bw, 0, sizeof p->bw);
	p->bw_next = 0;
	p->blk_a = a, p->blk_b = b;
	int full = p->s.n < DNNL_CHUNK ? p->s.n : DNNL_CHUNK, tail = p->s.n % DNNL_CHUNK;
	if (entry_make(p, full, e) || (tail && !p->e[tail].c && entry_make(p, tail, e)))
		return -1;
	return lib_arena(l, arena_need(p, p->s.n, l->slots), e);
}

/* Runs pr on slot's stream with the na args (a NULL memory: its binding
 * failed) and its scratchpad at sp. */
static int run(DnnlLib *l, int slot, const Prim *pr, int na, dnnl_exec_arg_t *args, float *sp)
{
	if (pr->sp_n)
		args[na++] = (dnnl_exec_arg_t){ DNNL_ARG_SCRATCHPAD, bind(l, pr->spm, slot, sp) };
	for (int i = 0; i < na; i++)
		if (!args[i].memory)
			return fail(l, dnnl_runtime_error, "dnnl_memory_set_data_handle_v2", NULL);
	dnnl_status_t st = l->f.dnnl_primitive_execute(pr->p, l->stream[slot], na, args);
	return st == dnnl_success ? 0 : fail(l, st, "dnnl_primitive_execute", NULL);
}

/* dst (v->blk) = src (v->plain), or the other way when back; sp scratchpad. */
static int reorder(DnnlLib *l, int slot, const View *v, int back, const void *src, void *dst,
		   float *sp)
{
	dnnl_exec_arg_t a[3] = { { DNNL_ARG_FROM, bind(l, back ? v->bm : v->pm, slot, src) },
				 { DNNL_ARG_TO, bind(l, back ? v->pm : v->bm, slot, dst) } };
	return run(l, slot, back ? &v->from : &v->to, 2, a, sp);
}

/* The view's data in its blocked layout: plain itself, or reordered into buf. */
static const float *view_in(DnnlLib *l, int slot, const View *v, const float *plain, float *buf,
			    float *sp, int *rc)
{
	if (v->same)
		return plain;
	if (reorder(l, slot, v, 0, plain, buf, sp))
		*rc = -1;
	return buf;
}

/* Entry for chunk size c, made now if this batch is the first to need it. */
static Entry *entry_for(DnnlConv *p, int c)
{
	if (!p->e[c].c) {
		Err e;
		if (entry_make(p, c, &e) || lib_arena(p->lib, arena_need(p, p->s.n, p->lib->slots), &e))
			return NULL;
	}
	return &p->e[c];
}

/* A batch of n examples in chunks of DNNL_CHUNK (the last one shorter),
 * with the entries of the full chunks (ef) and of the last (et). */
typedef struct {
	int n, nch, full;
	Entry *ef, *et;
} Chunks;

/* ch for n examples, its entries made if this batch is the first to need
 * them; 0 or -1 (the failure kept in the lib). */
static int chunks_of(DnnlConv *p, int n, Chunks *ch)
{
	int tail = n % DNNL_CHUNK && n > DNNL_CHUNK ? n % DNNL_CHUNK : 0;
	ch->n = n;
	ch->nch = (n + DNNL_CHUNK - 1) / DNNL_CHUNK;
	ch->full = n < DNNL_CHUNK ? n : DNNL_CHUNK;
	ch->ef = entry_for(p, ch->full);
	ch->et = tail ? entry_for(p, tail) : ch->ef;
	return ch->ef && ch->et ? 0 : -1;
}

/* Pass k of chunk i, its examples in *c. */
static const Pass *chunk_pass(const Chunks *ch, int i, int k, int *c)
{
	*c = i * DNNL_CHUNK + ch->full <= ch->n ? ch->full : ch->n - i * DNNL_CHUNK;
	return *c == ch->full ? &ch->ef->pass[k] : &ch->et->pass[k];
}

/* Threads for `work` items: OpenMP's count, within both entries' slots. */
static int chunk_threads(const Chunks *ch, int work)
{
	int nt = omp_get_max_threads();
	nt = nt > ch->ef->slots ? ch->ef->slots : nt;
	nt = nt > ch->et->slots ? ch->et->slots : nt;
	return nt > work ? work : nt;
}

/* Floats of a slot's buffers for pass k: the larger of the two entries'. */
static size_t chunk_unit(const Chunks *ch, int k)
{
	size_t u = pass_unit(&ch->ef->pass[k]), v = pass_unit(&ch->et->pass[k]);
	return u > v ? u : v;
}

/* The buffer after buf's blocked copy of v (none where v is plain). */
static float *past(float *buf, const View *v)
{
	return buf + (v->same ? 0 : (v->n + 15) & ~(size_t)15);
}

/* The widest block of channels (nChw16c); the blocked loops below take the
 * width B (16 or 8) as a constant of their caller. */
#define BLK_MAX 16
#define BLOCK_FN static inline __attribute__((always_inline))

/* dst = src between plain NCHW and its blocked layout (to_blk: plain -> blocked) for
 * n examples of side 1 (B) or 0 (A), a chunk at a time on the threads,
 * through oneDNN's reorders (the entries' cv); 0 or -1 (the failure kept). */
static int side_convert(DnnlConv *p, int side, int n, const float *src, float *dst, int to_blk)
{
	Chunks ch;
	if (chunks_of(p, n, &ch))
		return -1;
	size_t sz = side ? (size_t)p->ob * p->hb * p->wb : (size_t)p->ia * p->ha * p->wa;
	int rc = 0, nt = chunk_threads(&ch, ch.nch);
	PAR_PRAGMA(omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1) reduction(|:rc))
	for (int i = 0; i < ch.nch; i++) {
		int c;
		chunk_pass(&ch, i, P_F, &c);
		const View *v = &(c == ch.full ? ch.ef : ch.et)->cv[side];
		size_t off = (size_t)i * DNNL_CHUNK * sz;
		rc |= reorder(p->lib, par_id(), v, !to_blk, src + off, dst + off, NULL);
	}
	return rc;
}

/* y (c examples of och channels of ohw floats in nChw<B>c) += bias[channel]. */
BLOCK_FN void add_bias_blk(float *y, const float *bias, int c, int och, int ohw, int B)
{
	size_t len = (size_t)ohw * B;
	for (int e = 0; e < c; e++)
		for (int cb = 0; cb < och / B; cb++) {
			float *o = y + ((size_t)e * (och / B) + cb) * len;
			const float *bb = bias + cb * B;
			for (size_t q = 0; q < len; q += B)
				PAR_SIMD
				for (int l = 0; l < B; l++)
					o[q + l] += bb[l];
		}
}

/* y (c examples of och planes of ohw floats) += bias[plane]. */
static void add_bias(float *y, const float *bias, int c, int och, int ohw)
{
	for (int e = 0; e < c; e++)
		for (int ci = 0; ci < och; ci++) {
			float *o = y + ((size_t)e * och + ci) * ohw;
			PAR_SIMD
			for (int j = 0; j < ohw; j++)
				o[j] += bias[ci];
		}
}

/* out (n examples of plain B or A) = pass k of in; w the plain weights. */
static int run_pass(DnnlConv *p, int k, float *out, const float *in, const float *w,
		    const float *bias, int n)
{
	DnnlLib *l = p->lib;
	Chunks ch;
	if (chunks_of(p, n, &ch))
		return -1;
	size_t asz = (size_t)p->ia * p->ha * p->wa, bsz = (size_t)p->ob * p->hb * p->wb;
	size_t isz = k == P_F ? asz : bsz, osz = k == P_F ? bsz : asz;
	int och = k == P_F ? p->ob : p->ia, ohw = k == P_F ? p->hb * p->wb : p->ha * p->wa;
	/* the weights in each entry's layout, once */
	float *wf = l->arena, *wt = wf + wfloats(&ch.ef->pass[k].w);
	float *slots = wt + wfloats(&ch.et->pass[k].w);
	int rc = 0;
	const float *wb[2] = { view_in(l, 0, &ch.ef->pass[k].w, w, wf, slots, &rc), NULL };
	wb[1] = ch.et == ch.ef ? wb[0] : view_in(l, 0, &ch.et->pass[k].w, w, wt, slots, &rc);
	size_t unit = chunk_unit(&ch, k);
	int nt = chunk_threads(&ch, ch.nch);
	PAR_PRAGMA(omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1 && !rc) reduction(|:rc))
	for (int i = 0; i < ch.nch; i++) {
		int slot = par_id(), c, r = 0;
		const Pass *ps = chunk_pass(&ch, i, k, &c);
		float *buf = slots + unit * (size_t)slot, *bo = past(buf, &ps->in[0]), *sp = past(bo, &ps->out);
		float *y = out + (size_t)i * DNNL_CHUNK * osz, *yb = ps->out.same ? y : bo;
		const float *xb = view_in(l, slot, &ps->in[0], in + (size_t)i * DNNL_CHUNK * isz, buf, sp, &r);
		dnnl_exec_arg_t a[4] = {
			{ k == P_F ? DNNL_ARG_SRC : DNNL_ARG_DIFF_DST, bind(l, ps->in[0].bm, slot, xb) },
			{ DNNL_ARG_WEIGHTS, bind(l, ps->w.bm, slot, wb[c != ch.full]) },
			{ k == P_F ? DNNL_ARG_DST : DNNL_ARG_DIFF_SRC, bind(l, ps->out.bm, slot, yb) },
		};
		if (!r)
			r = run(l, slot, &ps->p, 3, a, sp);
		if (!r && !ps->out.same)
			r = reorder(l, slot, &ps->out, 1, bo, y, sp);
		int ob = k == P_F ? p->blk_b : p->blk_a;
		if (!r && bias && ob == BLK_MAX)
			add_bias_blk(y, bias, c, och, ohw, BLK_MAX);
		else if (!r && bias && ob)
			add_bias_blk(y, bias, c, och, ohw, BLK_MAX / 2);
		else if (!r && bias)
			add_bias(y, bias, c, och, ohw);
		rc |= r;
	}
	return rc;
}

/* Ranges of the weights bw_finish's threads add. */
#define FINISH_PARTS 16

/* dw (plain) += the blocked sum of the np pieces at base (unit floats
 * apart, wn each, a second wn after each free), in piece order; tmp:
 * scratch for the reorder. Where the reorder needs no scratchpad, each
 * piece goes to plain on its own thread (into its free wn; a reorder only
 * moves values), then ranges of dw take the pieces' sums in piece order:
 * the same bits as summing blocked, then one reorder, on one thread. */
static int bw_finish(DnnlLib *l, const View *wv, float *dw, size_t wplain, float *base, int np,
		     size_t unit, size_t wn, float *sum, float *tmp)
{
	int nt = omp_get_max_threads();
	nt = nt > l->slots ? l->slots : nt;
	if (!wv->same && !wv->from.sp_n && np > 1 && nt > 1 && wplain >= PAR_GRAIN) {
		int rc = 0, nr = nt > np ? np : nt;
		PAR_PRAGMA(omp parallel for schedule(dynamic) num_threads(nr) reduction(|:rc))
		for (int j = 0; j < np; j++) {
			float *acc = base + unit * (size_t)j;
			rc |= reorder(l, par_id(), wv, 1, acc, acc + wn, NULL);
		}
		if (rc)
			return -1;
		PAR_PRAGMA(omp parallel for schedule(dynamic) num_threads(nt))
		for (int r = 0; r < FINISH_PARTS; r++) {
			size_t q0 = wplain * (size_t)r / FINISH_PARTS;
			size_t q1 = wplain * (size_t)(r + 1) / FINISH_PARTS;
			const float *p0 = base + wn;
			for (size_t q = q0; q < q1; q++) {
				float v = p0[q];
				for (int j = 1; j < np; j++)
					v += base[unit * (size_t)j + wn + q];
				dw[q] += v;
			}
		}
		return 0;
	}
	for (int j = 1; j < np; j++) {
		const float *pj = base + unit * (size_t)j;
		PAR_SIMD
		for (size_t q = 0; q < wn; q++)
			base[q] += pj[q];
	}
	const float *g = base;
	if (!wv->same) {
		if (reorder(l, 0, wv, 1, base, sum, tmp))
			return -1;
		g = sum;
	}
	PAR_SIMD
	for (size_t q = 0; q < wplain; q++)
		dw[q] += g[q];
	return 0;
}

/* One weight-gradient call of pass ps on slot's thread: a and b (plain A
 * and B of its examples) reordered into buf, the gradient written to dst
 * (blocked); 0 or -1. */
static int bw_run(DnnlLib *l, int slot, const Pass *ps, const float *a, const float *b,
		  float *buf, float *dst)
{
	int r = 0;
	float *b1 = past(buf, &ps->in[0]), *sp = past(b1, &ps->in[1]);
	const float *xa = view_in(l, slot, &ps->in[0], a, buf, sp, &r);
	const float *xb = view_in(l, slot, &ps->in[1], b, b1, sp, &r);
	dnnl_exec_arg_t arg[4] = { { DNNL_ARG_SRC, bind(l, ps->in[0].bm, slot, xa) },
				   { DNNL_ARG_DIFF_DST, bind(l, ps->in[1].bm, slot, xb) },
				   { DNNL_ARG_DIFF_WEIGHTS, bind(l, ps->w.bm, slot, dst) } };
	return r ? r : run(l, slot, &ps->p, 3, arg, sp);
}

/* acc (n) += tmp (n): a piece's running sum, in call order. */
static void bw_add(float *restrict acc, const float *restrict tmp, size_t n)
{
	PAR_SIMD
	for (size_t q = 0; q < n; q++)
		acc[q] += tmp[q];
}

/* The kept weight-gradient pass of calls of mb examples, or NULL. */
static const Pass *bw_find(const DnnlConv *p, int mb)
{
	for (int i = 0; i < BW_CACHE; i++)
		if (p->bw[i].mb == mb)
			return &p->bw[i].ps;
	return NULL;
}

/* The examples [*e0, *e1) of the weight-gradient call that starts at
 * chunk i of a piece ending before chunk hi: bwk chunks, fewer at the
 * piece's end, the batch's last chunk short where n is not a multiple. */
static void bw_call(const DnnlConv *p, int i, int hi, int n, int *e0, int *e1)
{
	int end = i + p->bwk < hi ? i + p->bwk : hi;
	*e0 = i * DNNL_CHUNK;
	*e1 = end * DNNL_CHUNK < n ? end * DNNL_CHUNK : n;
}

/* run_bw where bwk > 1: the same pieces, each summing calls of up to bwk
 * chunks in order. The passes of every call size of this batch are made
 * first (they share one diff_weights layout, or the sums could not be
 * taken blocked), then the arena is grown for the largest. */
static int run_bw_merged(DnnlConv *p, const Chunks *ch, int np, float *dw, const float *a,
			 const float *b, int n)
{
	DnnlLib *l = p->lib;
	size_t asz = (size_t)p->ia * p->ha * p->wa, bsz = (size_t)p->ob * p->hb * p->wb;
	size_t wplain = (size_t)p->ob * p->ia * p->s.k * p->s.k, unit = 0, wn = 0, fsp = 0;
	const Pass *first = NULL;
	for (int j = 0; j < np; j++) {
		int lo, hi, e0, e1;
		par_range(ch->nch, j, np, &lo, &hi);
		for (int i = lo; i < hi; i += p->bwk) {
			bw_call(p, i, hi, n, &e0, &e1);
			const Pass *ps = bw_pass(p, e1 - e0);
			if (!ps)
				return -1;
			size_t u = pass_unit(ps);
			unit = u > unit ? u : unit;
		}
	}
	/* bw_pass may have let a pass of this batch go only if it needed more
	 * than BW_CACHE sizes; bw_find below fails then */
	for (int j = 0; j < np; j++) {
		int lo, hi, e0, e1;
		par_range(ch->nch, j, np, &lo, &hi);
		for (int i = lo; i < hi; i += p->bwk) {
			bw_call(p, i, hi, n, &e0, &e1);
			const Pass *ps = bw_find(p, e1 - e0);
			if (!ps)
				return fail(l, dnnl_unimplemented, "weight-gradient call sizes kept", NULL);
			if (!first) {
				first = ps;
				wn = wfloats(&ps->w);
				fsp = ps->w.from.sp_n;
			} else if (!l->f.dnnl_memory_desc_equal(&first->w.blk, &ps->w.blk))
				return fail(l, dnnl_unimplemented, "weight layouts of two call sizes differ", NULL);
		}
	}
	unit += 2 * wn;
	size_t lead = (wplain + 15) & ~(size_t)15;
	Err e;
	if (lib_arena(l, lead + unit * (size_t)np + ((fsp + 15) & ~(size_t)15), &e))
		return fail(l, dnnl_out_of_memory, "the weight-gradient scratch allocation", NULL);
	float *sum = l->arena, *base = sum + lead;
	int rc = 0, nt = chunk_threads(ch, np);
	PAR_PRAGMA(omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1) reduction(|:rc))
	for (int j = 0; j < np; j++) {
		int lo, hi, slot = par_id(), r = 0;
		par_range(ch->nch, j, np, &lo, &hi);
		float *acc = base + unit * (size_t)j, *tmp = acc + wn, *buf = tmp + wn;
		for (int i = lo; i < hi && !r; i += p->bwk) {
			int e0, e1;
			bw_call(p, i, hi, n, &e0, &e1);
			r = bw_run(l, slot, bw_find(p, e1 - e0), a + (size_t)e0 * asz,
				   b + (size_t)e0 * bsz, buf, i == lo ? acc : tmp);
			if (!r && i > lo)
				bw_add(acc, tmp, wn);
		}
		rc |= r;
	}
	if (rc)
		return -1;
	return bw_finish(l, &first->w, dw, wplain, base, np, unit, wn, sum, base + unit * (size_t)np);
}

/* dw (plain, accumulated) += the weight gradient of n examples of a (plain
 * A) and b (plain B): each of np pieces sums its run of chunks in order
 * (calls of bwk chunks, see run_bw_merged), then the pieces are summed in
 * order. */
static int run_bw(DnnlConv *p, float *dw, const float *a, const float *b, int n)
{
	DnnlLib *l = p->lib;
	Chunks ch;
	if (chunks_of(p, n, &ch))
		return -1;
	size_t asz = (size_t)p->ia * p->ha * p->wa, bsz = (size_t)p->ob * p->hb * p->wb;
	size_t wn = wfloats(&ch.ef->pass[P_BW].w), wplain = (size_t)p->ob * p->ia * p->s.k * p->s.k;
	int np = pieces_of(p, ch.ef, n);
	if (p->bwk > 1) {
		/* pieces of at least bwk chunks where there are enough */
		while (np > 1 && np * p->bwk > ch.nch)
			np /= 2;
		return run_bw_merged(p, &ch, np, dw, a, b, n);
	}
	size_t unit = chunk_unit(&ch, P_BW) + 2 * wn;
	float *sum = l->arena, *base = sum + ((wplain + 15) & ~(size_t)15);
	/* the tail's diff_weights layout must match to be summed blocked */
	if (!l->f.dnnl_memory_desc_equal(&ch.ef->pass[P_BW].w.blk, &ch.et->pass[P_BW].w.blk))
		return fail(l, dnnl_unimplemented, "weight layouts of two chunk sizes differ", NULL);
	int rc = 0, nt = chunk_threads(&ch, np);
	PAR_PRAGMA(omp parallel for schedule(dynamic) num_threads(nt) if (nt > 1) reduction(|:rc))
	for (int j = 0; j < np; j++) {
		int lo, hi, slot = par_id(), r = 0;
		par_range(ch.nch, j, np, &lo, &hi);
		float *acc = base + unit * (size_t)j, *tmp = acc + wn, *buf = tmp + wn;
		for (int i = lo; i < hi && !r; i++) {
			int c;
			size_t e0 = (size_t)i * DNNL_CHUNK;
			r = bw_run(l, slot, chunk_pass(&ch, i, P_BW, &c), a + e0 * asz, b + e0 * bsz,
				   buf, i == lo ? acc : tmp);
			if (!r && i > lo)
				bw_add(acc, tmp, wn);
		}
		rc |= r;
	}
	if (rc)
		return -1;
	return bw_finish(l, &ch.ef->pass[P_BW].w, dw, wplain, base, np, unit, wn, sum,
			 base + unit * (size_t)np);
}

/* db (c) += sums of dout (n, c, hw) over n and hw: the bias gradients of
 * this path. Each plane (example, channel) is summed by one vector loop, in
 * an order the build fixes (not the threads), and a channel's plane sums
 * are added in example order; channels are split over the threads. Not
 * conv2d.c's bits, whose chains add one float at a time (its contract: the
 * OpenBLAS path's bits). */
static void bias_sums(float *db, const float *dout, int n, int c, int hw)
{
	PAR_FOR((size_t)n * c * hw >= PAR_GRAIN && c > 1)
	for (int j = 0; j < c; j++) {
		float acc = 0;
		for (int e = 0; e < n; e++) {
			const float *q = dout + ((size_t)e * c + j) * hw;
			float part = 0;
			PAR_PRAGMA(omp simd reduction(+:part))
			for (int i = 0; i < hw; i++)
				part += q[i];
			acc += part;
		}
		db[j] += acc;
	}
}

/* db (c) += sums of dout (n examples of c channels of hw in nChw<B>c), as
 * bias_sums: each channel's sum over examples in order, an example's part
 * summed in B lanes side by side. */
BLOCK_FN void bias_sums_blk(float *db, const float *dout, int n, int c, int hw, int B)
{
	int cbs = c / B;
	size_t len = (size_t)hw * B;
	PAR_FOR((size_t)n * c * hw >= PAR_GRAIN && cbs > 1)
	for (int cb = 0; cb < cbs; cb++) {
		float acc[BLK_MAX] = { 0 };
		for (int e = 0; e < n; e++) {
			const float *q = dout + ((size_t)e * cbs + cb) * len;
			float part[BLK_MAX] = { 0 };
			for (size_t i = 0; i < len; i += B)
				PAR_SIMD
				for (int l = 0; l < B; l++)
					part[l] += q[i + l];
			for (int l = 0; l < B; l++)
				acc[l] += part[l];
		}
		for (int l = 0; l < B; l++)
			db[cb * B + l] += acc[l];
	}
}

/* The layer's input and output sides: A, B for a conv2d, B, A for a convt2d. */
static int in_blk(const DnnlConv *p) { return p->transposed ? p->blk_b : p->blk_a; }
static int out_blk(const DnnlConv *p) { return p->transposed ? p->blk_a : p->blk_b; }

/* The plain copies of a blocked input and output for the passes that stay
 * on conv2d.c (arena_need counts them): nothing else uses the arena while
 * they live. */
static float *plain_scratch(DnnlConv *p)
{
	return p->lib->arena;
}

int dnnlconv_forward(DnnlConv *p, float *out, const float *in, const float *w,
		     const float *b, int n, float *ws)
{
	int k = p->transposed ? P_BD : P_F;
	ConvShape s = p->s;
	s.n = n;
	if (!p->use[k]) {
		/* conv2d.c reads and writes plain tensors */
		float *pin = plain_scratch(p), *pout = pin + in_floats(p, n);
		int ib = in_blk(p), ob = out_blk(p), is = p->transposed, os = !p->transposed;
		if (ib && side_convert(p, is, n, in, pin, 0))
			return -1;
		const float *x = ib ? pin : in;
		float *y = ob ? pout : out;
		if (p->transposed)
			convt2d_forward(y, x, w, b, &s, ws);
		else
			conv2d_forward(y, x, w, b, &s, ws);
		return ob ? side_convert(p, os, n, pout, out, 1) : 0;
	}
	return run_pass(p, k, out, in, w, b, n);
}

int dnnlconv_backward(DnnlConv *p, float *din, float *dw, float *db, const float *dout,
		      const float *in, const float *w, int n, float *ws)
{
	int k = p->transposed ? P_F : P_BD;
	ConvShape s = p->s;
	s.n = n;
	float *blas_din = p->use[k] ? NULL : din;
	if (db && out_blk(p) == BLK_MAX)
		bias_sums_blk(db, dout, n, s.cout, s.oh * s.ow, BLK_MAX);
	else if (db && out_blk(p))
		bias_sums_blk(db, dout, n, s.cout, s.oh * s.ow, BLK_MAX / 2);
	else if (db)
		bias_sums(db, dout, n, s.cout, s.oh * s.ow);
	/* an input gradient that stays on conv2d.c, which reads and writes
	 * plain tensors */
	if (blas_din) {
		float *pin = plain_scratch(p), *pout = pin + in_floats(p, n);
		int ib = in_blk(p), ob = out_blk(p), is = p->transposed, os = !p->transposed;
		if (ob && side_convert(p, os, n, dout, pout, 0))
			return -1;
		const float *g = ob ? pout : dout;
		float *d = ib ? pin : blas_din;
		if (p->transposed)
			convt2d_backward(d, NULL, NULL, g, in, w, &s, ws);
		else
			conv2d_backward(d, NULL, NULL, g, in, w, &s, ws);
		if (ib && side_convert(p, is, n, pin, blas_din, 1))
			return -1;
	}
	if (din && p->use[k] && run_pass(p, k, din, dout, w, NULL, n))
		return -1;
	if (dw && (p->transposed ? run_bw(p, dw, dout, in, n) : run_bw(p, dw, in, dout, n)))
		return -1;
	return 0;
}

#endif

/* Layers whose small side (a conv2d's output, a convt2d's input) has at
 * most MIN_POSITIONS positions (dcgan64's 4x4 layers, whose products on
 * conv2d.c are GEMMs of batch x 16 rows by 4096 while oneDNN's direct
 * kernels block over a row of 4 outputs) run on conv2d.c:
 * - where oneDNN's kernels are AVX2 or older, at any batch. Measured on an
 *   AMD EPYC Zen 3 (session 9, bench/layers, 2 threads, OpenBLAS's Zen
 *   kernels against oneDNN's avx2, forward + backward): D's 256->512 conv
 *   127.5 against 190.6 ms at batch 64 and 525 against 994 at 256; G's
 *   512->256 convt 138.0 against 217.3 and 551 against 1037.
 * - where OpenBLAS runs AVX-512 kernels on a Zen 5 or later
 *   (dnnlconv_blas_small), up to MAX_ROWS rows a batch (batch 128).
 *   Measured on an AMD EPYC Zen 5 (session 7, SkylakeX kernels against
 *   oneDNN's avx512): D's 256->512 conv 36.2 against 42.2 ms at batch 64,
 *   71.6 against 79.3 at 128, 175 against 155 at 256; G's 512->256 convt
 *   35.7 against 44.0, 68.0 against 80.5, 160 against 157. A whole dcgan64
 *   step at batch 64 ran 4.7 % and 6.3 % faster (bench/ab.sh, both
 *   orders), 7.6 % under OpenBLAS's own choice (Cooperlake); on an Intel
 *   Xeon the two were within noise. On an AMD EPYC Zen 4 (family 0x19,
 *   session 10, after session 8's blocked layouts) the other way round:
 *   bench/layers 64 2 dcgan64 onednn, D's conv 18.7-18.9 against 23.4-24.8
 *   ms forward and 42-45 against 48-51 backward, G's convt 18-23 against
 *   24 forward (backward within noise); a whole dcgan64 onednn step at
 *   batch 64 5.8 % faster on 2 threads (bench/ab.sh, 6 rounds, 1.7-7.8 %;
 *   CPU time 5.9 %) and 9.1 % on one (4 rounds, 8.4-12.0 %). Zen 5 was
 *   measured before the blocked layouts, which favour oneDNN: measure it
 *   again there.
 * Where OpenBLAS runs AVX2 kernels on an AVX-512 CPU (OPENBLAS_CORETYPE=
 * Haswell), oneDNN's AVX-512 ones are the faster (the step 15 % slower on
 * conv2d.c), and under --precision bf16 every layer stays on oneDNN (its
 * bf16 kernels run at twice its f32 rate). */
#define MIN_POSITIONS 16
#define MAX_ROWS 2048

int dnnlconv_wanted(const DnnlLib *l, const ConvShape *s, int transposed)
{
	int small = transposed ? s->h * s->w : s->oh * s->ow;
	if (small > MIN_POSITIONS || lib_bf16(l))
		return 1;
	if (!lib_avx512(l))
		return 0;
	return (long)s->n * small > MAX_ROWS || !gemm_avx512() || !dnnlconv_blas_small();
}

int dnnlconv_blas_small(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	if (!__get_cpuid(0, &a, &b, &c, &d) || b != 0x68747541u)   /* "Auth"enticAMD */
		return 0;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	unsigned family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	return family >= 0x1a;
#else
	return 0;
#endif
}
