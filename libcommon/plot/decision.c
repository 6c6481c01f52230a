/* decision.c - D evaluated along a 1-D range, from a checkpoint. */
#include "decision.h"

#include "ckpt.h"
#include "loss.h"
#include "infile.h"

int decision_boundary(const char *path, const float *x, int n, float *prob, Err *e)
{
	const char *name = infile_name(path);
	FILE *f = infile_open(path, 1, e);
	if (!f)
		return -1;
	Trainer t;
	int rc = ckpt_read(&t, f, name, 0, e);
	infile_close(f);
	if (rc < 0)
		return -1;
	if (t.m.data.ndim != 1 || t.m.data.c != 1) {
		trainer_free(&t);
		return err_set(e, EXIT_BAD, "%s: D of model %s does not take 1-D points",
			       name, t.m.name);
	}
	int chunk = t.max_batch;
	for (int i = 0; i < n; i += chunk) {
		int b = n - i < chunk ? n - i : chunk;
		const float *out = net_forward(&t.d, x + i, b, 0);
		for (int j = 0; j < b; j++)
			prob[i + j] = loss_prob(t.m.loss, out[j]);
	}
	trainer_free(&t);
	return 0;
}
