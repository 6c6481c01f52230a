/* dist.h - distances between two sets of points (the Gaussian workloads'
 * samples against their data): in 1-D the Wasserstein-1 distance and the
 * Kolmogorov-Smirnov statistic of the empirical distributions, in any
 * dimension the energy distance. Each equals its scipy.stats namesake. */
#ifndef GAN_DIST_H
#define GAN_DIST_H

#include <stdint.h>
#include "err.h"

/* 1-D samples x (n) and y (m), n, m >= 1: *w1 = integral |F_x - F_y|
 * (scipy.stats.wasserstein_distance), *ks = sup |F_x - F_y|
 * (scipy.stats.ks_2samp's statistic). 0 or -1 with e (no memory). */
int dist_1d(const float *x, int64_t n, const float *y, int64_t m, double *w1, double *ks,
	    Err *e);

/* x (n, d) and y (m, d): sqrt(2 E|X-Y| - E|X-X'| - E|Y-Y'|) with Euclidean
 * norms over all pairs of the samples (V-statistics), which in 1-D is
 * scipy.stats.energy_distance, sqrt(2 integral (F_x - F_y)^2). Rows spread
 * over threads (results do not depend on the thread count). 0 or -1. */
int dist_energy(const float *x, int64_t n, const float *y, int64_t m, int d, double *energy,
		Err *e);

#endif
