/* linalg.h - double-precision linear algebra for the quality figures
 * (gan-eval): LAPACK's symmetric eigensolver dsyevd and BLAS dgemm, from the
 * OpenBLAS that gemm.c loads (it exports LAPACK), else liblapack.so.3. */
#ifndef GAN_LINALG_H
#define GAN_LINALG_H

#include "err.h"

/* Loads the library (once per process; after gemm_load, so the thread
 * policy of gemm.h holds). 0 or -1 with e ("cannot load LAPACK: ..."). */
int linalg_load(Err *e);

/* Eigen-decomposition of the symmetric a (n x n, row-major; only the lower
 * triangle in row-major terms is read): eigenvalues ascending into w (n),
 * and, when vectors, a overwritten by the eigenvectors as its rows
 * (a[i*n + j] is component j of vector i). LAPACK dsyevd ("divide and
 * conquer"). 0, or -1 with e (EXIT_SYS: no convergence, no memory). */
int linalg_syev(int n, double *a, double *w, int vectors, Err *e);

/* C (m x n) = alpha op(A) op(B) + beta C, row-major, as gemm() but double
 * and on the calling thread's OpenBLAS (callers split the work). */
void linalg_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a,
		  int lda, const double *b, int ldb, double beta, double *c, int ldc);

#endif
