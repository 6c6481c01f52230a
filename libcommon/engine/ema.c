/* ema.c - the moving average of G: one copy of the network's parameter
 * and buffer arrays, updated after each G step with torch.lerp's formula. */
#include "ema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"

int ema_init(Ema *a, const Net *n, Err *e)
{
	memset(a, 0, sizeof *a);
	a->np = n->np;
	a->nb = n->nb;
	a->nl = n->nl;
	a->params = malloc((size_t)(n->np + 1) * sizeof(float));
	a->bufs = malloc((size_t)(n->nb + 1) * sizeof(float));
	a->nbt = calloc((size_t)n->nl + 1, sizeof(int64_t));
	if (!a->params || !a->bufs || !a->nbt) {
		ema_free(a);
		return err_set(e, EXIT_SYS, "out of memory for the EMA of %c", n->prefix);
	}
	ema_update(a, n, 0);
	return 0;
}

void ema_free(Ema *a)
{
	free(a->params);
	free(a->bufs);
	free(a->nbt);
	memset(a, 0, sizeof *a);
}

/* avg (n) = lerp(x, avg, w): torch's vectorised kernel for w >= 0.5 is
 * fmadd(w - 1, avg - x, avg); below 0.5, fmadd(w, avg - x, x). */
static void lerp(float *avg, const float *x, int64_t n, float w)
{
	float c = w < 0.5f ? w : w - 1.0f;
	if (w < 0.5f) {
		PAR_SIMD
		for (int64_t i = 0; i < n; i++)
			avg[i] = fmaf(c, avg[i] - x[i], x[i]);
	} else {
		PAR_SIMD
		for (int64_t i = 0; i < n; i++)
			avg[i] = fmaf(c, avg[i] - x[i], avg[i]);
	}
}

void ema_update(Ema *a, const Net *n, float decay)
{
	if (decay == 0) {
		memcpy(a->params, n->params, (size_t)n->np * sizeof(float));
		memcpy(a->bufs, n->bufs, (size_t)n->nb * sizeof(float));
	} else {
		lerp(a->params, n->params, n->np, decay);
		lerp(a->bufs, n->bufs, n->nb, decay);
	}
	for (int i = 0; i < n->nl; i++)
		a->nbt[i] = n->l[i].nbt;
}

void ema_apply(const Ema *a, Net *n)
{
	memcpy(n->params, a->params, (size_t)n->np * sizeof(float));
	memcpy(n->bufs, a->bufs, (size_t)n->nb * sizeof(float));
	for (int i = 0; i < n->nl; i++)
		n->l[i].nbt = a->nbt[i];
}
