/* pr.h - precision and recall of Kynkäänniemi et al. 2019 (k-nearest-
 * neighbour manifolds of the real and of the generated features) and the
 * density and coverage of Naeem et al. 2020, as the prdc package computes
 * them: Euclidean distances, a sample counts as inside a ball when its
 * distance is strictly below the ball's radius. */
#ifndef GAN_PR_H
#define GAN_PR_H

#include <stdint.h>
#include "err.h"

typedef struct {
	double precision;         /* share of fake inside some real ball */
	double recall;            /* share of real inside some fake ball */
	double density;           /* real balls containing a fake, per fake, / k */
	double coverage;          /* share of real balls containing a fake */
} Prdc;

/* real (n, d), fake (m, d), n and m > k >= 1. The radius of a sample's ball
 * is the distance to its k-th nearest neighbour in its own set (the sample
 * itself excluded; duplicates count as neighbours at distance 0). Blocked
 * dgemm in double, rows spread over threads (results do not depend on the
 * thread count). 0 or -1 with e. */
int prdc(const float *real, int64_t n, const float *fake, int64_t m, int d, int k, Prdc *r,
	 Err *e);

#endif
