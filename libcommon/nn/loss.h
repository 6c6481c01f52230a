/* loss.h - GAN losses against a constant target (1 real, 0 fake). */
#ifndef GAN_LOSS_H
#define GAN_LOSS_H

typedef enum {
	LOSS_BCE_LOGITS,  /* nn.BCEWithLogitsLoss on raw logits */
	LOSS_BCE,         /* nn.BCELoss on probabilities, log clamped at -100 */
} LossKind;

/* Returns sum_i l(x_i, y) in double; if dx != NULL writes
 * dx[i] = scale * dl/dx_i (scale = 1 for sum, 1/n for mean reduction).
 * Logits: max(x,0) - x y + log1p(exp(-|x|)), dl/dx = sigmoid(x) - y.
 * Probabilities: dl/dp = (p - y) / max((1 - p) p, 1e-12) as PyTorch; a p
 * outside [0, 1], or y outside [0, 1], gives NaN (PyTorch raises). */
double loss_bce(LossKind k, float *dx, const float *x, float y, int n, float scale);
/* Mean-squared error against per-element targets: sum_i (x_i - y_i)^2;
 * dx[i] = scale * 2 (x_i - y_i). (gan-intro's D pre-training.) */
double loss_mse(float *dx, const float *x, const float *y, int n, float scale);
/* D's probability for an output: sigmoid(x) for logits, x for BCE. */
float loss_prob(LossKind k, float x);
/* Sum of loss_prob over x (n), in double (vectorised). */
double loss_prob_sum(LossKind k, const float *x, int n);

#endif
