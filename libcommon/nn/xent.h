/* xent.h - softmax cross-entropy over K classes (nn.CrossEntropyLoss), the
 * loss of the feature classifier that gan-eval's figures use. */
#ifndef GAN_XENT_H
#define GAN_XENT_H

#include <stdint.h>

/* logits (n, k), labels (n) in 0 .. k-1. Returns the summed loss
 * sum_i [log sum_j exp(x_ij) - x_i,y_i] in double (max-subtracted, so any
 * finite logits are safe); dx (n, k) = scale * (softmax(x_i) - onehot(y_i))
 * unless NULL (scale 1/n for the mean, as reduction='mean'). *correct (unless
 * NULL) counts the rows whose first largest logit is at the label. A label
 * outside 0 .. k-1 gives NaN (PyTorch raises). */
double xent_loss(float *dx, const float *x, const int64_t *labels, int n, int k, float scale,
		 int *correct);

/* The index of the first largest of x (k values): argmax as torch.argmax. */
int xent_argmax(const float *x, int k);

#endif
