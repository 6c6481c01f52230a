/* decision.h - D's output probability at given points, read from a
 * checkpoint: the decision boundary of gan-plot density (gan-intro's
 * picture). */
#ifndef GAN_DECISION_H
#define GAN_DECISION_H

#include "err.h"

/* Loads the checkpoint at path ("-" = stdin) and evaluates D in eval mode on
 * x (n points of a model whose data is 1 value per example), in chunks of the
 * model's training batch as gan-intro does (so minibatch discrimination sees
 * batches of the size it was trained on). prob (n) gets D's probability.
 * 0, or -1 with e ("ck.st: model data is 1x28x28, not 1-D"). */
int decision_boundary(const char *path, const float *x, int n, float *prob, Err *e);

#endif
