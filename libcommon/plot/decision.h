/* decision.h - D's output probability at given points: the decision
 * boundary of gan-plot density (gan-intro's picture). */
#ifndef GAN_DECISION_H
#define GAN_DECISION_H

#include "err.h"
#include "train.h"

/* Evaluates t's D in eval mode on x (n points of a model whose data is 1
 * value per example), in chunks of t->max_batch (for a checkpoint read with
 * max_batch 0, the model's training batch, as gan-intro does, so minibatch
 * discrimination sees batches of the size it was trained on). prob (n) gets
 * D's probability. name is the checkpoint's, for messages. 0, or -1 with e
 * ("ck.st: D of model gaussian2d does not take 1-D points"). */
int decision_boundary(Trainer *t, const char *name, const float *x, int n, float *prob,
		      Err *e);

#endif
