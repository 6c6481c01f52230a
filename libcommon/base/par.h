/* par.h - the CPU path's threading: OpenMP regions whose work items are fixed
 * (results never depend on timing) when built with -fopenmp, serial loops
 * otherwise. The thread count is gemm_set_threads()'s (see gemm.h). */
#ifndef GAN_PAR_H
#define GAN_PAR_H

#define PAR_PRAGMA(x) _Pragma(#x)

#ifdef _OPENMP
#include <omp.h>
/* A parallel loop over its following for statement, taken when cond holds;
 * iterations are handed out one at a time (a thread that the system holds
 * back takes fewer), so they must not depend on which thread runs them.
 * A false cond still enters libgomp, which sets up a team of one (a few
 * microseconds, with malloc and futex calls): code called per step on small
 * sizes (activations, Adam) tests its threshold first and runs serially. */
#define PAR_FOR(cond) PAR_PRAGMA(omp parallel for schedule(dynamic) if (cond))
/* The same inside a PAR_REGION: its threads share the loop, then wait. */
#define PAR_SHARE PAR_PRAGMA(omp for schedule(dynamic))
/* A parallel block (run by every thread), taken when cond holds. */
#define PAR_REGION(cond) PAR_PRAGMA(omp parallel if (cond))
#define PAR_BARRIER PAR_PRAGMA(omp barrier)
static inline int par_id(void) { return omp_get_thread_num(); }
static inline int par_count(void) { return omp_get_num_threads(); }
static inline int par_inside(void) { return omp_in_parallel(); }
#else
#define PAR_FOR(cond) (void)(cond);
#define PAR_REGION(cond) (void)(cond);
#define PAR_SHARE
#define PAR_BARRIER
static inline int par_id(void) { return 0; }
static inline int par_count(void) { return 1; }
static inline int par_inside(void) { return 0; }
#endif

/* The next loop's iterations are independent: vectorise it (with or
 * without OpenMP: config.mk builds with -fopenmp-simd). */
#define PAR_SIMD PAR_PRAGMA(omp simd)

/* Elements at or above which a loop of cheap element work is worth splitting
 * (a split costs a wake-up of every thread, and on a busy machine a wait). */
#define PAR_GRAIN (1 << 17)

/* [*lo, *hi): share id of count of n items, in order, sizes differing by <= 1. */
static inline void par_range(int n, int id, int count, int *lo, int *hi)
{
	int q = n / count, r = n % count;
	*lo = id * q + (id < r ? id : r);
	*hi = *lo + q + (id < r);
}

#endif
