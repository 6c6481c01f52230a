/* kid.h - the kernel distance (KID, Binkowski et al. 2018) between two sets
 * of feature vectors as torch-fidelity computes it: the unbiased MMD^2 with
 * the polynomial kernel (gamma <x, y> + coef0)^degree, averaged over random
 * subsets drawn exactly as torch-fidelity draws them (numpy's legacy
 * RandomState(seed).choice without replacement: MT19937). */
#ifndef GAN_KID_H
#define GAN_KID_H

#include <stdint.h>
#include "err.h"

typedef struct {
	int subsets;              /* torch-fidelity: 100 */
	int subset_size;          /* 1000; min(n, m) / 2 when either set is smaller */
	int degree;               /* 3 */
	double gamma;             /* <= 0: 1 / d */
	double coef0;             /* 1 */
	uint32_t seed;            /* 2020 */
} KidOpts;

/* torch-fidelity's defaults. */
KidOpts kid_defaults(void);

/* x (n, d) and y (m, d): torch-fidelity's features_1 and features_2 (its
 * input1 and input2; each subset draws from x first). Writes the mean and
 * the population standard deviation (np.std) of the per-subset MMD^2 and
 * the subset size used. Subsets run in parallel (results do not depend on
 * the thread count). 0 or -1 with e. */
int kid(const float *x, int64_t n, const float *y, int64_t m, int d, const KidOpts *o,
	double *mean, double *std, int *subset_size, Err *e);

/* numpy's legacy MT19937 (RandomState(seed)): state and draws, for kid and
 * its tests. */
typedef struct {
	uint32_t mt[624];
	int pos;
} Mt19937;

void mt_seed(Mt19937 *r, uint32_t seed);
uint32_t mt_next(Mt19937 *r);
/* RandomState.choice(n, size, replace=False) = permutation(n)[:size]:
 * Fisher-Yates from the top with numpy's masked rejection (random_interval).
 * perm is scratch (n); out gets size indices. */
void mt_choice(Mt19937 *r, int64_t n, int64_t size, int64_t *perm, int64_t *out);

#endif
