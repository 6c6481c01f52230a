/* gemm.h - the one matrix-multiply entry point of the CPU path (OpenBLAS).
 * Row-major: C (m x n) = alpha * op(A) * op(B) + beta * C. */
#ifndef GAN_GEMM_H
#define GAN_GEMM_H

#include "err.h"

/* Loads OpenBLAS (dlopen, once per process; later calls return at once).
 * Products that gemm_is_tiny() accepts never need it; any other product
 * loads it on first use and ends the process if it cannot, so code that
 * plans such products calls this first to fail with a message instead. */
int gemm_load(Err *e);
/* 1 when a product of this size runs on our own loops, not OpenBLAS
 * (k <= 8 and m*n*k <= 128, or k <= 64 and m*n*k <= 4096); such products
 * give the same bits whatever kernels OpenBLAS would pick. */
int gemm_is_tiny(int m, int n, int k);

/* ta/tb: 0 = as stored, 1 = transposed. lda/ldb/ldc are row strides of the
 * stored matrices. Uses all threads when called outside a parallel region
 * and the product is large enough: in slabs of the larger of m and n that
 * depend on the sizes only, so the result does not depend on the thread
 * count (with OpenMP; without it OpenBLAS's threads split the product). */
void gemm(int ta, int tb, int m, int n, int k, float alpha,
	  const float *a, int lda, const float *b, int ldb,
	  float beta, float *c, int ldc);
/* The same on the calling thread only: for use inside the layers' own
 * parallel regions (see par.h). */
void gemm_serial(int ta, int tb, int m, int n, int k, float alpha,
		 const float *a, int lda, const float *b, int ldb,
		 float beta, float *c, int ldc);
/* Thread id's share (of count) of the same product, a slab of C's columns
 * (n >= m) or rows; the shares of ids 0..count-1 make up the whole. */
void gemm_share(int id, int count, int ta, int tb, int m, int n, int k, float alpha,
		const float *a, int lda, const float *b, int ldb,
		float beta, float *c, int ldc);
/* Sets the CPU path's thread count (>= 1): OpenMP's when built with it
 * (OpenBLAS then stays single-threaded under our own split), else OpenBLAS's. */
void gemm_set_threads(int n);
/* The thread count gemm_set_threads set (or the default). */
int gemm_threads(void);
/* Name of the OpenBLAS kernel set in use (e.g. "Haswell", "SkylakeX");
 * loads the library ("none" if it cannot). */
const char *gemm_core(void);
/* 1 if that kernel set is one of AVX-512 (SkylakeX, Cooperlake,
 * SapphireRapids); loads the library. */
int gemm_avx512(void);

#endif
