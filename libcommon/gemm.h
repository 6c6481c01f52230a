/* gemm.h - the one matrix-multiply entry point of the CPU path (OpenBLAS).
 * Row-major: C (m x n) = alpha * op(A) * op(B) + beta * C. */
#ifndef GAN_GEMM_H
#define GAN_GEMM_H

/* ta/tb: 0 = as stored, 1 = transposed. lda/ldb/ldc are row strides of the
 * stored matrices. */
void gemm(int ta, int tb, int m, int n, int k, float alpha,
	  const float *a, int lda, const float *b, int ldb,
	  float beta, float *c, int ldc);
/* Sets OpenBLAS's thread count (>= 1). */
void gemm_set_threads(int n);

#endif
