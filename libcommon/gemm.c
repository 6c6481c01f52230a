/* gemm.c - the one matrix-multiply entry point of the CPU path: a row-major
 * wrapper over OpenBLAS's cblas_sgemm, split over our own threads, the thread
 * setting, and the choice of OpenBLAS's kernel set at program start. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "par.h"

/* m*n*k below which a product is not worth splitting over threads. */
#define GEMM_PAR_MIN (1 << 21)
/* Split points are multiples of this (the micro-kernels' panel widths). */
#define GEMM_SPLIT_ALIGN 16

/* Only in DYNAMIC_ARCH builds of OpenBLAS (Debian's): weak, so other builds
 * link and simply keep their kernels. */
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

/* OpenBLAS 0.3.21 picks its AVX2 (Haswell) kernels on AMD Zen 4/5, which
 * have AVX-512; its SkylakeX kernels run there at nearly twice the rate. The
 * choice is made from OPENBLAS_CORETYPE when the library loads, before any
 * code of ours runs, so we redo it: forget the kernel set, name SkylakeX,
 * select again. Skipped when the user set OPENBLAS_CORETYPE, when the CPU
 * lacks AVX-512 (checked with OS support) or the build is not DYNAMIC_ARCH. */
static void pick_avx512_kernels(void)
{
	if (getenv("OPENBLAS_CORETYPE") || !gotoblas_dynamic_init || !gotoblas_dynamic_quit)
		return;
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
	    !__builtin_cpu_supports("avx512dq") || !__builtin_cpu_supports("avx512vl"))
		return;
	const char *core = openblas_get_corename();
	if (core && (!strcmp(core, "SkylakeX") || !strcmp(core, "Cooperlake")))
		return;
	if (setenv("OPENBLAS_CORETYPE", "SkylakeX", 1))
		return;
	gotoblas_dynamic_quit();
	gotoblas_dynamic_init();
	unsetenv("OPENBLAS_CORETYPE");
}

static void threads_setup(void);

/* Runs once at program start, after OpenBLAS's own initialisation. */
__attribute__((constructor)) static void gemm_library_setup(void)
{
	pick_avx512_kernels();
	threads_setup();
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
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
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

/* As gemm_serial, split over all threads by gemm_share when worth it. */
void gemm(int ta, int tb, int m, int n, int k, float alpha,
	  const float *a, int lda, const float *b, int ldb,
	  float beta, float *c, int ldc)
{
	int small = (double)m * (double)n * (double)(k > 0 ? k : 1) < GEMM_PAR_MIN;
	if (gemm_threads() < 2 || small || par_inside() || m <= 0 || n <= 0) {
		gemm_serial(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
		return;
	}
	PAR_REGION(1)
	gemm_share(par_id(), par_count(), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

#ifdef _OPENMP
/* With OpenMP, one OpenBLAS thread (we split the work ourselves); OpenMP's
 * count taken from OPENBLAS_NUM_THREADS when only that is set. */
static void threads_setup(void)
{
	const char *ob = getenv("OPENBLAS_NUM_THREADS");
	if (ob && !getenv("OMP_NUM_THREADS") && atoi(ob) >= 1)
		omp_set_num_threads(atoi(ob));
	openblas_set_num_threads(1);
}

void gemm_set_threads(int n)
{
	omp_set_num_threads(n < 1 ? 1 : n);
	openblas_set_num_threads(1);
}

int gemm_threads(void)
{
	return omp_get_max_threads();
}
#else
/* Without OpenMP, OpenBLAS's own threads do the splitting. */
static void threads_setup(void)
{
}

void gemm_set_threads(int n)
{
	openblas_set_num_threads(n < 1 ? 1 : n);
}

int gemm_threads(void)
{
	return 1;
}
#endif

const char *gemm_core(void)
{
	return openblas_get_corename();
}
