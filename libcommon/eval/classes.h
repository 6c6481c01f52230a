/* classes.h - the classifier's class histogram of a set of samples, the
 * mode-collapse signal of gan-eval: the share of each class, the largest
 * share and the entropy of the shares. */
#ifndef GAN_CLASSES_H
#define GAN_CLASSES_H

#include <stdint.h>

/* logits (n, k), n >= 1: share[c] (k) = the fraction of rows whose first
 * largest logit is c; *max_share their largest; *entropy = -sum s ln s in
 * nats (ln k for a uniform histogram, 0 when every sample is one class). */
void class_histogram(const float *logits, int64_t n, int k, double *share, double *max_share,
		     double *entropy);

#endif
