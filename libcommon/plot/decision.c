/* decision.c - D evaluated along a 1-D range. */
#include "decision.h"

#include "loss.h"

int decision_boundary(Trainer *t, const char *name, const float *x, int n, float *prob,
		      Err *e)
{
	if (t->m.data.ndim != 1 || t->m.data.c != 1)
		return err_set(e, EXIT_BAD, "%s: D of model %s does not take 1-D points",
			       name, t->m.name);
	int chunk = t->max_batch;
	for (int i = 0; i < n; i += chunk) {
		int b = n - i < chunk ? n - i : chunk;
		const float *out = net_forward(&t->d, x + i, b, 0);
		for (int j = 0; j < b; j++)
			prob[i + j] = loss_prob(t->m.loss, out[j]);
	}
	return 0;
}
