/* train.h - the GAN trainer: its state (both networks, noise, counters),
 * the D/G step in the peers' exact order and gan-intro's D pre-training.
 * The whole state fits in a checkpoint (ckpt.h); epochs over a data set are
 * in epoch.h. */
#ifndef GAN_TRAIN_H
#define GAN_TRAIN_H

#include <stdint.h>
#include "backend.h"
#include "ema.h"
#include "err.h"
#include "model.h"
#include "net.h"
#include "rng.h"
#include "tensor.h"

/* One step's values: losses as the batch's reduced loss (what PyTorch's loss
 * tensor holds), probabilities averaged over the batch at the D step. */
typedef struct { double loss_d, loss_g, d_x, d_g_z; } StepStats;

/* The batch buffers of a step on the trainer's backend. */
typedef struct {
	float *x, *z, *zg;        /* max_batch x data, max_batch x latent (twice) */
	float *dl, *df;           /* D's output gradient (max_batch), G's (max_batch x data) */
} StepBufs;

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
	float *z, *zg, *xb;       /* host: max_batch x latent (twice), max_batch x data */
	float *dlog, *dfake;      /* host: max_batch; max_batch x data */
	Backend be;               /* where the steps run: the CPU unless trainer_place */
	StepBufs on;              /* the batch buffers on be: the host ones on the CPU */
	struct DataPar *dp;       /* data-parallel across processes (datapar.h), else NULL */
	char bad[64];             /* what went non-finite: "loss_D", "D weights" */
	Ema ema;                  /* the EMA of G when the model sets ema (ema.h) */
} Trainer;

/* Independent Philox keys derived from one seed (splitmix64): parameter
 * init, fixed noise, the latent noise stream, sampling, and the shuffle of
 * epoch k (SEED_SHUFFLE + k). */
enum { SEED_INIT = 1, SEED_FIXED = 2, SEED_NOISE = 3, SEED_SAMPLE = 4, SEED_SHUFFLE = 16 };
uint64_t seed_stream(uint64_t seed, uint64_t stream);

/* Allocates everything for batches up to max_batch on the CPU, after
 * refusing a total (trainer_bytes, netsize.h) beyond the available memory
 * ("the model at batch 64 needs 3.1 GiB of memory but 2.0 GiB is
 * available"), and initialises the parameters per the model from seed;
 * draws the fixed sample noise. Learning rates and batch come from the
 * model. 0 or -1 with e. */
int trainer_init(Trainer *t, const Model *m, int max_batch, uint64_t seed, Err *e);
/* trainer_init, or with draw 0 the same trainer with nothing drawn: the
 * parameters, buffers, moments and fixed noise zero (and the EMA a copy),
 * for a caller that overwrites them all, as ckpt_read does; the normal
 * draws of dcgan64's 6.4 M initial weights took 0.1 s of every tool that
 * reads its checkpoints. */
int trainer_init_with(Trainer *t, const Model *m, int max_batch, uint64_t seed, int draw,
		      Err *e);
void trainer_free(Trainer *t);
/* Moves both networks (net_place) and the batch buffers to backend to; the
 * CPU brings the state home. On failure t is back on the CPU with the state
 * it had. 0 or -1 with e. */
int trainer_place(Trainer *t, Backend to, Err *e);
/* Back to the CPU without bringing the state home (after a failure). */
void trainer_drop(Trainer *t);
/* Param or buffer by checkpoint name, in the host arrays (current while the
 * trainer is on the CPU, as after trainer_run); NULL if none (or
 * num_batches_tracked). */
float *trainer_tensor(Trainer *t, const char *name, int64_t *numel);
/* Its gradient as left by the last step (D's from the D step, G's from the
 * G step); NULL for buffers. */
float *trainer_grad(Trainer *t, const char *name, int64_t *numel);

/* One D step and one G step on x (n x data, floats) and z (n x latent);
 * z_g is the G step's latent when g_step = fresh (else NULL). Advances the
 * optimizer step counts and t->step. 0, or -1 when a loss or a weight is
 * non-finite (t->bad names it). n <= max_batch. x, z and z_g are in the
 * memory of t's backend (t->on holds buffers for them), and a -1 may be a
 * backend failure instead (backend_error tells). */
int trainer_step_with(Trainer *t, const float *x, int n, const float *z,
		      const float *z_g, StepStats *st);

/* The decay of G's EMA at G update t = 1, 2, ... (the count after it): 0 (a
 * copy) during ema_start, then m->ema, or less while ema_rampup holds the
 * half-life to ema_rampup x (t - 1) updates. */
float ema_decay_at(const Model *m, int64_t t);

/* Draws n latent vectors per the model's noise kind from r into z. */
void trainer_noise(const Model *m, Rng *r, float *z, int n);
/* gan-intro's D pre-training: m->d_pretrain SGD steps of MSE against
 * N(pre_mean, pre_std) densities at U(pre_lo, pre_hi) points drawn from
 * t->noise; sets d_pretrained. On the CPU (trainer_run pre-trains before it
 * places the trainer). 0 or -1 when non-finite. */
int trainer_pretrain(Trainer *t);

#endif
