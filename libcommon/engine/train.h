/* train.h - GAN training: the D/G step in the peers' exact order, gan-intro's
 * D pre-training, epochs over a data set with a resumable shuffle position,
 * and per-epoch statistics. The whole state fits in a checkpoint (ckpt.h). */
#ifndef GAN_TRAIN_H
#define GAN_TRAIN_H

#include <stdint.h>
#include "device.h"
#include "err.h"
#include "model.h"
#include "net.h"
#include "rng.h"
#include "tensor.h"

/* One step's values: losses as the batch's reduced loss (what PyTorch's loss
 * tensor holds), probabilities averaged over the batch at the D step. */
typedef struct { double loss_d, loss_g, d_x, d_g_z; } StepStats;

struct TrainGpu;

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
	char bad[64];             /* what went non-finite: "loss_D", "D weights" */
} Trainer;

/* Independent Philox keys derived from one seed (splitmix64): parameter
 * init, fixed noise, the latent noise stream, sampling, and the shuffle of
 * epoch k (SEED_SHUFFLE + k). */
enum { SEED_INIT = 1, SEED_FIXED = 2, SEED_NOISE = 3, SEED_SAMPLE = 4, SEED_SHUFFLE = 16 };
uint64_t seed_stream(uint64_t seed, uint64_t stream);

/* Parse model text (see model.h). */
int model_load(Model *m, const char *text, const char *name_for_messages, Err *e);
int model_load_preset(Model *m, const char *preset, Err *e);

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

/* A data set in memory: u8 (scaled as x/255*2-1) or f32, n examples. */
typedef struct {
	const void *x;
	DType dtype;
	int64_t n;
	int64_t ex;               /* elements per example */
} Dataset;

typedef struct {
	int64_t step, epoch;      /* after the last step logged; epoch is 1-based */
	int64_t examples;
	double loss_d, loss_g, d_x, d_g_z;   /* per example / averages */
	double ex_per_s;
} LogLine;

typedef struct {
	int64_t steps;            /* > 0: this many more steps */
	int64_t epochs;           /* else this many more epochs */
	int64_t log_every;        /* 0: a line per epoch (and at the end) */
	void (*log)(void *ctx, const LogLine *l);
	/* After each step: steps done of total, and the running losses and
	 * probabilities (an exponential moving average, weight 0.1 per step). */
	void (*progress)(void *ctx, int64_t done, int64_t total, const StepStats *running);
	/* save_every > 0: save(ctx, t, e) after every save_every-th epoch (by
	 * t->epoch) or, when steps > 0, step (by t->step), with t's host state
	 * current; a -1 from it ends the run with its e. */
	int64_t save_every;
	int (*save)(void *ctx, const struct Trainer *t, Err *e);
	void *ctx;
} RunOpts;

/* Batches per epoch for n examples: ceil(n / batch), less a final batch of
 * one when the model has batch norm. */
int64_t trainer_batches(const Trainer *t, int64_t n);
/* Checks that x (u8 or f32, N x data shape; f32 finite) fits the model and
 * has at least one batch, and fills d (borrowing x's data). name is the data
 * file's name for messages: "d.npy: x has shape 1x28x28 per example, model
 * gaussian2d expects 2". 0 or -1 with e. */
int trainer_check_data(const Trainer *t, const Tensor *x, const char *name, Dataset *d,
		       Err *e);
/* Trains: pre-training first if due (on the CPU), then steps or epochs on
 * t->device: for DEV_CUDA the networks and the data set move to the GPU for
 * the run and the state comes back to the host at its end, so checkpoints
 * are device-independent. -1 with e: EXIT_NONFINITE "step 37: loss_D is
 * nan", EXIT_SYS for a GPU failure. */
int trainer_run(Trainer *t, const Dataset *d, const RunOpts *o, Err *e);

#endif
