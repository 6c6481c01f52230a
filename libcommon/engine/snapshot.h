/* snapshot.h - gan-step's snapshots: a checkpoint every N epochs or steps
 * beside the output, "runs/ckpt.st" -> "runs/ckpt-epoch-007.st" or
 * "runs/ckpt-step-000300.st", each written atomically, the oldest pruned. */
#ifndef GAN_SNAPSHOT_H
#define GAN_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "train.h"

/* The name of snapshot k of output out: out less a ".st" or ".safetensors"
 * suffix, "-epoch-" and k in 3 digits (by_step: "-step-" and 6 digits, more
 * when k needs them), then the suffix (".st" when out had none). 0, or -1
 * with e when it does not fit n bytes. */
int snapshot_path(const char *out, int by_step, int64_t k, char *buf, size_t n, Err *e);
/* Writes t atomically as snapshot k (t->epoch, or t->step when by_step) of
 * out; then, when keep > 0, removes the oldest snapshots of out of the same
 * kind (by their number) so that keep remain. 0 or -1 with e. */
int snapshot_save(const Trainer *t, const char *out, int by_step, int keep, Err *e);
/* Removes the snapshots of out of one kind but the keep of highest number;
 * only names snapshot_path makes (digits between prefix and suffix) are
 * touched. 0 or -1 with e (a folder that cannot be read, a failed unlink). */
int snapshot_prune(const char *out, int by_step, int keep, Err *e);

#endif
