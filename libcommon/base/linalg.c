/* linalg.c - dsyevd and dgemm for the quality figures, looked up with dlsym
 * in the OpenBLAS of gemm.c (Debian's libopenblas.so.0 exports LAPACK; the
 * environment's GAN_OPENBLAS names another), falling back to liblapack.so.3
 * for the eigensolver. Loaded once, process-wide, read-only afterwards. */
#include "linalg.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "gemm.h"

#ifndef GAN_OPENBLAS
#define GAN_OPENBLAS "libopenblas.so.0"
#endif

/* LAPACK's Fortran interface (gfortran: hidden lengths of the character
 * arguments at the end). */
typedef void Dsyevd(const char *jobz, const char *uplo, const int *n, double *a,
		    const int *lda, double *w, double *work, const int *lwork, int *iwork,
		    const int *liwork, int *info, size_t ljobz, size_t luplo);

typedef struct {
	Dsyevd *syevd;
	__typeof__(cblas_dgemm) *dgemm;
	char error[240];
} Lapack;

static Lapack lp;
static pthread_once_t lp_once = PTHREAD_ONCE_INIT;

static void lp_load(void)
{
	const char *lib = getenv("GAN_OPENBLAS");
	if (!lib || !*lib)
		lib = GAN_OPENBLAS;
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (h) {
		*(void **)&lp.dgemm = dlsym(h, "cblas_dgemm");
		*(void **)&lp.syevd = dlsym(h, "dsyevd_");
	}
	if (!lp.syevd) {
		void *l = dlopen("liblapack.so.3", RTLD_NOW | RTLD_LOCAL);
		if (l)
			*(void **)&lp.syevd = dlsym(l, "dsyevd_");
	}
	if (!lp.dgemm || !lp.syevd)
		snprintf(lp.error, sizeof lp.error, "%s%s%s", !h ? lib : "",
			 !h ? " not found; " : "",
			 !lp.dgemm ? "no cblas_dgemm in OpenBLAS" : "no dsyevd_ in OpenBLAS or "
			 "liblapack.so.3");
}

int linalg_load(Err *e)
{
	if (gemm_load(e))
		return -1;
	pthread_once(&lp_once, lp_load);
	if (lp.dgemm && lp.syevd)
		return 0;
	return err_set(e, EXIT_SYS, "cannot load LAPACK: %s", lp.error);
}

/* Row-major a with its lower triangle read is column-major with the upper
 * one: LAPACK sees uplo 'U'. Its column-major eigenvectors are then our rows. */
int linalg_syev(int n, double *a, double *w, int vectors, Err *e)
{
	if (linalg_load(e))
		return -1;
	const char *jobz = vectors ? "V" : "N";
	int lwork = -1, liwork = -1, info = 0, iw = 0;
	double wq = 0;
	lp.syevd(jobz, "U", &n, a, &n, w, &wq, &lwork, &iw, &liwork, &info, 1, 1);
	if (info != 0)
		return err_set(e, EXIT_SYS, "dsyevd workspace query failed (info %d)", info);
	lwork = (int)wq + 1;
	liwork = iw > 0 ? iw : 1;
	double *work = malloc((size_t)lwork * sizeof *work);
	int *iwork = malloc((size_t)liwork * sizeof *iwork);
	if (!work || !iwork) {
		free(work);
		free(iwork);
		return err_set(e, EXIT_SYS, "out of memory (eigensolver, n = %d)", n);
	}
	lp.syevd(jobz, "U", &n, a, &n, w, work, &lwork, iwork, &liwork, &info, 1, 1);
	free(work);
	free(iwork);
	if (info != 0)
		return err_set(e, EXIT_SYS, "dsyevd failed (info %d, n = %d)", info, n);
	return 0;
}

void linalg_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a,
		  int lda, const double *b, int ldb, double beta, double *c, int ldc)
{
	if (m <= 0 || n <= 0)
		return;
	Err e;
	if (linalg_load(&e))
		die_err("gantools", &e);
	lp.dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		 m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
