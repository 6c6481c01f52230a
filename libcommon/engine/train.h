/* train.h - the GAN trainer: its state (both networks, noise, counters),
 * the D/G step in the peers' exact order and gan-intro's D pre-training.
 * The whole state fits in a checkpoint (ckpt.h); epochs over a data set are
 * in epoch.h. */
#ifndef GAN_TRAIN_H
#define GAN_TRAIN_H

#include <stdint.h>
#include "device.h"
#include "ema.h"
#include "err.h"
#include "model.h"
#include "net.h"
#include "rng.h"
#include "tensor.h"

/* One step's values: losses as the batch's reduced loss (what PyTorch's loss
 * tensor holds), probabilities averaged over the batch at the D step. */
typedef struct { double loss_d, loss_g, d_x, d_g_z; } StepStats;

struct TrainGpu;
struct DataPar;

typedef struct Trainer {
	Model m;
	Net g, d;
	int max_batch;
	uint64_t seed;
	Rng noise;                /* latent noise stream ("rng" in checkpoints) */
	int64_t step, epoch, epoch_step;  /* steps done; epochs done; batches done in this epoch */
	int64_t opt_t_g, opt_t_d; /* optimizer steps done */
	double lr_d, lr_g;
	int batch;
	int d_pretrained;
	float *fixed;             /* fixed_samples x latent */
	float *z, *zg, *xb;       /* max_batch x latent (twice), max_batch x data */
	float *dlog, *dfake;      /* max_batch; max_batch x data */
	float *dl, *df;           /* the same two on the training device: dlog and dfake,
				   * or device buffers while t->gpu is set */
	Device device;            /* where trainer_run trains (DEV_CPU by default) */
	struct TrainGpu *gpu;     /* device state during a DEV_CUDA trainer_run (netgpu.h) */
	struct DataPar *dp;       /* data-parallel across processes (datapar.h), else NULL */
	char bad[64];             /* what went non-finite: "loss_D", "D weights" */
	Ema ema;                  /* the EMA of G when the model sets ema (ema.h) */
} Trainer;

/* Independent Philox keys derived from one seed (splitmix64): parameter
 * init, fixed noise, the latent noise stream, sampling, and the shuffle of
 * epoch k (SEED_SHUFFLE + k). */
enum { SEED_INIT = 1, SEED_FIXED = 2, SEED_NOISE = 3, SEED_SAMPLE = 4, SEED_SHUFFLE = 16 };
uint64_t seed_stream(uint64_t seed, uint64_t stream);

/* Allocates everything for batches up to max_batch and initialises the
 * parameters per the model from seed; draws the fixed sample noise.
 * Learning rates and batch come from the model. 0 or -1 with e. */
int trainer_init(Trainer *t, const Model *m, int max_batch, uint64_t seed, Err *e);
void trainer_free(Trainer *t);
/* Param or buffer by checkpoint name; NULL if none (or num_batches_tracked). */
float *trainer_tensor(Trainer *t, const char *name, int64_t *numel);
/* Its gradient as left by the last step (D's from the D step, G's from the
 * G step); NULL for buffers. */
float *trainer_grad(Trainer *t, const char *name, int64_t *numel);

/* One D step and one G step on x (n x data, floats) and z (n x latent);
 * z_g is the G step's latent when g_step = fresh (else NULL). Advances the
 * optimizer step counts and t->step. 0, or -1 when a loss or a weight is
 * non-finite (t->bad names it). n <= max_batch. While t->gpu is set, x, z
 * and z_g are device memory, and a -1 may be a GPU failure instead
 * (netgpu_train_error tells). */
int trainer_step_with(Trainer *t, const float *x, int n, const float *z,
		      const float *z_g, StepStats *st);

/* Draws n latent vectors per the model's noise kind from r into z. */
void trainer_noise(const Model *m, Rng *r, float *z, int n);
/* gan-intro's D pre-training: m->d_pretrain SGD steps of MSE against
 * N(pre_mean, pre_std) densities at U(pre_lo, pre_hi) points drawn from
 * t->noise; sets d_pretrained. 0 or -1 when non-finite. */
int trainer_pretrain(Trainer *t);

#endif
