/* gemm.c - the one matrix-multiply entry point of the CPU path: unrolled
 * loops for tiny products, else a row-major wrapper over OpenBLAS's
 * cblas_sgemm, split over our own threads in slabs fixed by the sizes; the
 * thread setting; OpenBLAS loaded on first need (dlopen), with the best
 * kernel set for the CPU. */
#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "par.h"

/* m*n*k below which a product is not worth splitting over threads. */
#define GEMM_PAR_MIN (1 << 21)
/* Slabs of a product that large (the same on any thread count). */
#define GEMM_PIECES 8
/* 1 when our threads (OpenMP) split products, 0 when OpenBLAS's do. */
#ifdef _OPENMP
#define GEMM_OWN_THREADS 1
#else
#define GEMM_OWN_THREADS 0
#endif
/* Split points are multiples of this (the micro-kernels' panel widths). */
#define GEMM_SPLIT_ALIGN 16
/* m*n*k at or below which (with k <= 8) unrolled loops beat OpenBLAS, whose
 * fixed cost (argument checks, buffer lock, packing) is ~0.1 us a call:
 * the Gaussian GANs' layers at batch 8 (measured on Zen 3: 1.5-4x faster up
 * to m*n*k ~ 160, slower beyond). */
#define GEMM_TINY_MAX 128
/* Products up to this size (m*n*k, with k <= GEMM_OWN_K) run on our own dot
 * loops too, not unrolled: their results are then the same bits whatever
 * kernels OpenBLAS picks (the Gaussian GANs never reach it, so they train
 * alike on every x86-64 CPU of one build), and at these sizes the loops cost
 * no more than OpenBLAS's fixed overhead (gaussian1d: 12x8x8, 8x8x12). */
#define GEMM_OWN_MAX 4096
#define GEMM_OWN_K 64
/* The library's run-time name (Debian: the alternatives link of
 * libopenblas0-pthread or -openmp); the environment's GAN_OPENBLAS, when
 * set, names another (a path or a soname). */
#ifndef GAN_OPENBLAS
#define GAN_OPENBLAS "libopenblas.so.0"
#endif

/* OpenBLAS's entry points once loaded. Loading costs ~2 ms (a 30 MB library,
 * its threads and buffers), so it waits for the first product that needs
 * it: a run of the Gaussian GANs never loads it. Process-wide, as the
 * library's own state is: written once under pthread_once, then read-only. */
typedef struct {
	__typeof__(cblas_sgemm) *sgemm;
	__typeof__(openblas_set_num_threads) *set_threads;
	__typeof__(openblas_get_corename) *corename;
	void (*dyn_init)(void), (*dyn_quit)(void);   /* DYNAMIC_ARCH builds only */
	char error[200];                             /* why loading failed */
} Blas;

static Blas blas;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static atomic_int blas_loaded;                   /* set last by blas_load */
/* gemm_set_threads' count before the library is loaded (0: its default). */
static atomic_int blas_want_threads;

/* Whether OpenBLAS's kernel set `core` (openblas_get_corename) is one of its
 * AVX-512 ones. */
static int core_avx512(const char *core)
{
	return core && (!strcmp(core, "SkylakeX") || !strcmp(core, "Cooperlake") ||
			!strcmp(core, "SapphireRapids"));
}

/* OpenBLAS 0.3.21 picks its AVX2 (Haswell) kernels on AMD Zen 4/5, which
 * have AVX-512; its SkylakeX kernels run there at nearly twice the rate. The
 * choice is made from OPENBLAS_CORETYPE when the library loads, so we redo
 * it: forget the kernel set, name SkylakeX, select again. Skipped when the
 * user set OPENBLAS_CORETYPE, when the CPU lacks AVX-512 (checked with OS
 * support) or the build is not DYNAMIC_ARCH. */
static void pick_avx512_kernels(void)
{
	if (getenv("OPENBLAS_CORETYPE") || !blas.dyn_init || !blas.dyn_quit)
		return;
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
	    !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
		return;
	if (core_avx512(blas.corename()))
		return;
	if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1))
		return;
	blas.dyn_quit();
	blas.dyn_init();
	unsetenv("OPENBLAS_CORETYPE");
}

static void threads_apply(int n);

static void blas_load(void)
{
	const char *lib = getenv("GAN_OPENBLAS");
	if (!lib || !*lib)
		lib = GAN_OPENBLAS;
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(blas.error, sizeof blas.error, "%s", why ? why : lib);
		return;
	}
	*(void **)&blas.sgemm = dlsym(h, "cblas_sgemm");
	*(void **)&blas.set_threads = dlsym(h, "openblas_set_num_threads");
	*(void **)&blas.corename = dlsym(h, "openblas_get_corename");
	*(void **)&blas.dyn_init = dlsym(h, "gotoblas_dynamic_init");
	*(void **)&blas.dyn_quit = dlsym(h, "gotoblas_dynamic_quit");
	if (!blas.sgemm || !blas.set_threads || !blas.corename) {
		snprintf(blas.error, sizeof blas.error, "%.120s lacks cblas_sgemm or "
			 "openblas_set_num_threads", lib);
		blas.sgemm = NULL;
		return;
	}
	pick_avx512_kernels();
	threads_apply(atomic_load(&blas_want_threads));
	atomic_store(&blas_loaded, 1);
}

int gemm_load(Err *e)
{
	pthread_once(&blas_once, blas_load);
	if (blas.sgemm)
		return 0;
	return err_set(e, EXIT_SYS, "cannot load OpenBLAS: %s", blas.error);
}

int gemm_is_tiny(int m, int n, int k)
{
	double mnk = (double)m * n * k;
	return (k <= 8 && mnk <= GEMM_TINY_MAX) || (k <= GEMM_OWN_K && mnk <= GEMM_OWN_MAX);
}

/* C (m x n) = alpha op(A) op(B) + beta C by dot products of length K, a
 * compile-time constant, the p loop unrolled (gcc left it a counted loop);
 * ai/ap and bj/bp are the element strides of A along i/p and of B along j/p.
 * beta 0 sets C (NaNs there do not survive); its test is out of the loops.
 * Every entry is 0 + a0 b0 + a1 b1 + ... in p order, whatever the loop. */
#define GEMM_DOT_ROWS(K, STORE)                                                  \
	for (int i = 0; i < m; i++) {                                            \
		const float *arow = a + i * ai;                                  \
		float *ci = c + (size_t)i * ldc;                                 \
		for (int j = 0; j < n; j++) {                                    \
			const float *bcol = b + j * bj;                          \
			float s = 0;                                             \
			PAR_PRAGMA(GCC unroll 8)                                 \
			for (int p = 0; p < (K); p++)                            \
				s += arow[p * ap] * bcol[p * bp];                \
			ci[j] = (STORE);                                         \
		}                                                                \
	}
#define GEMM_DOT_LOOPS(K)                                                        \
	if (beta == 0) {                                                         \
		GEMM_DOT_ROWS(K, alpha * s)                                      \
	} else {                                                                 \
		GEMM_DOT_ROWS(K, alpha * s + beta * ci[j])                       \
	}

/* gemm_serial for tiny products (m, n >= 1, 1 <= k <= 8, m*n*k <= 128; C
 * overlaps neither A nor B, as BLAS requires): dot products unrolled for
 * each k. */
static void gemm_tiny(int ta, int tb, int m, int n, int k, float alpha,
		      const float *restrict a, int lda, const float *restrict b, int ldb,
		      float beta, float *restrict c, int ldc)
{
	size_t ai = ta ? 1 : (size_t)lda, ap = ta ? (size_t)lda : 1;
	size_t bj = tb ? (size_t)ldb : 1, bp = tb ? 1 : (size_t)ldb;
	switch (k) {
	case 1: GEMM_DOT_LOOPS(1) break;
	case 2: GEMM_DOT_LOOPS(2) break;
	case 3: GEMM_DOT_LOOPS(3) break;
	case 4: GEMM_DOT_LOOPS(4) break;
	case 5: GEMM_DOT_LOOPS(5) break;
	case 6: GEMM_DOT_LOOPS(6) break;
	case 7: GEMM_DOT_LOOPS(7) break;
	default: GEMM_DOT_LOOPS(8) break;
	}
}

/* gemm_serial for the larger products gemm_is_tiny accepts (k > 8 or
 * m*n*k > 128, m*n*k <= GEMM_OWN_MAX): op(B) copied into a k x n block, then
 * each row of C accumulated across j (so the loop vectorises) but, for every
 * entry, over p in order from 0: the same bits as GEMM_DOT_LOOPS. */
static void gemm_small(int ta, int tb, int m, int n, int k, float alpha,
		       const float *restrict a, int lda, const float *restrict b, int ldb,
		       float beta, float *restrict c, int ldc)
{
	float bt[GEMM_OWN_MAX], acc[GEMM_OWN_MAX];
	for (int p = 0; p < k; p++)
		for (int j = 0; j < n; j++)
			bt[p * n + j] = tb ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
	for (int i = 0; i < m; i++) {
		float *ci = c + (size_t)i * ldc;
		for (int j = 0; j < n; j++)
			acc[j] = 0;
		for (int p = 0; p < k; p++) {
			float av = ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
			const float *bp = bt + p * n;
			for (int j = 0; j < n; j++)
				acc[j] += av * bp[j];
		}
		for (int j = 0; j < n; j++)
			ci[j] = beta == 0 ? alpha * acc[j] : alpha * acc[j] + beta * ci[j];
	}
}

/* C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, row-major,
 * on the calling thread. Empty products (m or n zero) are no-ops; k = 0
 * only scales C by beta. */
void gemm_serial(int ta, int tb, int m, int n, int k, float alpha,
		 const float *a, int lda, const float *b, int ldb,
		 float beta, float *c, int ldc)
{
	if (m <= 0 || n <= 0)
		return;
	if (k <= 0) {
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++)
				c[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * c[(size_t)i * ldc + j];
		return;
	}
	if (gemm_is_tiny(m, n, k)) {
		if (k <= 8 && (double)m * n * k <= GEMM_TINY_MAX)
			gemm_tiny(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		else
			gemm_small(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	/* Callers load it first (net_init); this is the safety net. */
	Err e;
	if (gemm_load(&e))
		die_err("gantools", &e);
	blas.sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		    tb ? CblasTrans : CblasNoTrans, m, n, k, alpha,
		    a, lda, b, ldb, beta, c, ldc);
}

/* Thread id's share (of count) of the product as gemm_serial computes it: a
 * slab of C's columns when n >= m, else of its rows (A's rows: columns of
 * the stored A when ta); slab edges are multiples of GEMM_SPLIT_ALIGN. */
void gemm_share(int id, int count, int ta, int tb, int m, int n, int k, float alpha,
		const float *a, int lda, const float *b, int ldb,
		float beta, float *c, int ldc)
{
	int by_col = n >= m, len = by_col ? n : m, lo, hi;
	par_range((len + GEMM_SPLIT_ALIGN - 1) / GEMM_SPLIT_ALIGN, id, count, &lo, &hi);
	lo *= GEMM_SPLIT_ALIGN;
	hi = hi * GEMM_SPLIT_ALIGN < len ? hi * GEMM_SPLIT_ALIGN : len;
	if (hi <= lo)
		return;
	if (by_col)
		gemm_serial(ta, tb, m, hi - lo, k, alpha, a, lda,
			    b + (size_t)lo * (tb ? (size_t)ldb : 1), ldb, beta, c + lo, ldc);
	else
		gemm_serial(ta, tb, hi - lo, n, k, alpha, a + (size_t)lo * (ta ? 1 : (size_t)lda),
			    lda, b, ldb, beta, c + (size_t)lo * ldc, ldc);
}

/* As gemm_serial, in GEMM_PIECES slabs (gemm_share) when worth it, which
 * the threads take one at a time: the slabs depend on the sizes alone, so
 * the result is the same on any number of threads. */
void gemm(int ta, int tb, int m, int n, int k, float alpha,
	  const float *a, int lda, const float *b, int ldb,
	  float beta, float *c, int ldc)
{
	int small = (double)m * (double)n * (double)(k > 0 ? k : 1) < GEMM_PAR_MIN;
	if (small || m <= 0 || n <= 0) {
		gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	if (!GEMM_OWN_THREADS) {
		/* OpenBLAS's own threads split the product. */
		gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	if (gemm_threads() < 2 || par_inside()) {
		for (int j = 0; j < GEMM_PIECES; j++)
			gemm_share(j, GEMM_PIECES, ta, tb, m, n, k, alpha, a, lda, b, ldb,
				   beta, c, ldc);
		return;
	}
	PAR_FOR(1)
	for (int j = 0; j < GEMM_PIECES; j++)
		gemm_share(j, GEMM_PIECES, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#ifdef _OPENMP
/* With OpenMP, one OpenBLAS thread (we split the work ourselves). */
static void threads_apply(int n)
{
	(void)n;
	blas.set_threads(1);
}

/* OpenMP's count, taken from OPENBLAS_NUM_THREADS when only that is set. */
__attribute__((constructor)) static void threads_setup(void)
{
	const char *ob = getenv("OPENBLAS_NUM_THREADS");
	if (ob && !getenv("OMP_NUM_THREADS") && atoi(ob) >= 1)
		omp_set_num_threads(atoi(ob));
}

void gemm_set_threads(int n)
{
	omp_set_num_threads(n < 1 ? 1 : n);
}

int gemm_threads(void)
{
	return omp_get_max_threads();
}
#else
/* Without OpenMP, OpenBLAS's own threads do the splitting; a count set
 * before the library loads is applied when it does (tools set it once, at
 * start, before any thread of theirs runs). */
static void threads_apply(int n)
{
	if (n >= 1)
		blas.set_threads(n);
}

void gemm_set_threads(int n)
{
	atomic_store(&blas_want_threads, n < 1 ? 1 : n);
	if (atomic_load(&blas_loaded))
		threads_apply(n < 1 ? 1 : n);
}

int gemm_threads(void)
{
	return 1;
}
#endif

const char *gemm_core(void)
{
	Err e;
	return gemm_load(&e) ? "none" : blas.corename();
}

int gemm_avx512(void)
{
	return core_avx512(gemm_core());
}
