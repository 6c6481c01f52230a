/* epoch.h - training runs over a data set: epochs or steps from the
 * checkpoint's position with per-epoch shuffles keyed by (seed, epoch), so a
 * run resumes at the exact batch, and the statistics of each log line. */
#ifndef GAN_EPOCH_H
#define GAN_EPOCH_H

#include <stdint.h>
#include "backend.h"
#include "err.h"
#include "train.h"
#include "trainset.h"

/* What a run reports per log line: sums since the last line, as averages. */
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
	int threads;              /* > 0: the CPU threads of the layers and the BLAS
				   * (gemm_set_threads); 0: as they are */
	const Backend *backend;   /* where to train (device_open); NULL: the CPU */
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
/* Trains: pre-training first if due (on the CPU), then steps or epochs on
 * o->backend: the networks, the batch buffers and the data set move there
 * for the run (trainer_place) and the state comes back to the host at its
 * end, so checkpoints are device-independent. A data-parallel run (t->dp)
 * needs a backend with host memory. -1 with e: EXIT_NONFINITE "step 37:
 * loss_D is nan", EXIT_SYS for a backend failure. */
int trainer_run(Trainer *t, const TrainSet *d, const RunOpts *o, Err *e);

#endif
