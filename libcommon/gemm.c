/* gemm.c - the one matrix-multiply entry point of the CPU path: a thin
 * row-major wrapper over OpenBLAS's cblas_sgemm, plus its thread setting. */
#include <cblas.h>

#include "gemm.h"

/* C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, row-major.
 * Empty products (m or n zero) are no-ops; k = 0 only scales C by beta. */
void gemm(int ta, int tb, int m, int n, int k, float alpha,
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

/* Sets OpenBLAS's thread count; values below 1 mean 1. */
void gemm_set_threads(int n)
{
	openblas_set_num_threads(n < 1 ? 1 : n);
}
