/* ckpt.h - checkpoints: a Trainer (model text, G and D parameters and
 * buffers, Adam moments, fixed noise, RNG and step counters) to and from a
 * safetensors file, named as PyTorch's state_dict. */
#ifndef GAN_CKPT_H
#define GAN_CKPT_H

#include <stdio.h>
#include "err.h"
#include "train.h"

#define CKPT_FORMAT "gantools-checkpoint-1"

/* Writes t to f (name for messages). 0 or -1 with e. */
int ckpt_write(const Trainer *t, FILE *f, const char *name, Err *e);
/* Reads and validates a checkpoint, then builds t (trainer_init_with,
 * nothing drawn) for batches up to max_batch (0: the checkpoint's batch)
 * and loads it: every tensor the trainer holds must be in the file.
 * Messages: "ck.st: tensor 'D.0.weight': shape [5, 2], model expects [5, 3]".
 * 0 or -1 with e (t is left freed on error). */
int ckpt_read(Trainer *t, FILE *f, const char *name, int max_batch, Err *e);

#endif
