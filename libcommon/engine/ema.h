/* ema.h - an exponential moving average of a network's parameters and
 * batch-norm statistics: StudioGAN's apply_g_ema, which samples from the
 * average of G over the last ~1/(1-decay) steps instead of G itself. */
#ifndef GAN_EMA_H
#define GAN_EMA_H

#include <stdint.h>
#include "err.h"
#include "net.h"

typedef struct {
	float *params, *bufs;     /* as the network's arrays (np, nb) */
	int64_t *nbt;             /* num_batches_tracked per layer (nl) */
	int64_t np, nb;
	int nl;
} Ema;

/* An average that starts as a copy of n's host arrays. 0 or -1 with e. */
int ema_init(Ema *a, const Net *n, Err *e);
void ema_free(Ema *a);
/* After an update of n: avg = lerp(n, avg, decay) for every parameter and
 * running statistic, as torch.lerp(p, p_ema, decay) forms it for
 * decay >= 0.5 (p_ema + (decay - 1) (p_ema - p), fused), and
 * num_batches_tracked copied, as StudioGAN's Ema.update; decay 0 copies. */
void ema_update(Ema *a, const Net *n, float decay);
/* Puts the average into n's host arrays (to sample from it). */
void ema_apply(const Ema *a, Net *n);

#endif
