/* datapar.h - data-parallel training over the processes of comm.h: each of
 * K processes takes its slice of the global batch (the same shuffled order
 * and noise everywhere), and the gradients of G and D, the losses and D's
 * probabilities are summed across processes before every optimizer step,
 * so K processes follow the schedule of one (gan-step(1), mpirun). */
#ifndef GAN_DATAPAR_H
#define GAN_DATAPAR_H

#include <stddef.h>
#include <stdint.h>
#include "bnsync.h"
#include "comm.h"
#include "err.h"
#include "net.h"
#include "train.h"

/* Most sums of one backward in flight at once; a bucket is started once it
 * holds at least DATAPAR_BUCKET floats (1 MiB), or at the first layer. */
#define DATAPAR_REQS 32
#define DATAPAR_BUCKET (1 << 18)

/* The overlapped sum of one network's gradients (datapar_overlap). */
typedef struct {
	Net *net;                 /* the network whose backward is watched, or NULL */
	int64_t hi;               /* grads [hi, np) are started */
	int nreq;
	CommReq req[DATAPAR_REQS];
	int failed;               /* a start, test or wait failed (in err) */
} GradSum;

typedef struct DataPar {
	Comm *comm;
	int sync_bn;              /* batch norm over the global batch (bnsync.h) */
	int overlap;              /* sum gradients during backward (datapar_overlap) */
	GradSum gs;
	GradHook hook;            /* net_backward's side of gs */
	int n_global;             /* examples of the current step, all processes */
	BnSync bn;                /* the BN layers' reduction (when sync_bn) */
	MbdSync mbd;              /* minibatch discrimination's gather (when D or G has it) */
	Err err;                  /* the first failed reduction */
} DataPar;

/* Checks that t can train on n_examples across c's processes and attaches
 * p to t (t->dp, the BN layers' hook on the walk, Net.bn_sync, when
 * sync_bn, and minibatch discrimination's, Net.mbd_sync, always: it
 * compares the examples of the whole batch); trainer_run then refuses a
 * backend without host memory:
 *   - the batch is a multiple of c->size (each takes batch / size);
 *   - without sync_bn, batch norm gets at least 2 examples per process;
 *   - the short last batch of an epoch leaves every process examples;
 *   - no D pre-training still due with synchronised batch norm.
 * name is the data file's, for messages. 0 or -1 with e (EXIT_BAD). */
int datapar_init(DataPar *p, Comm *c, Trainer *t, int sync_bn, int64_t n_examples,
		 const char *name, Err *e);
/* Detaches p from t and frees its scratch. */
void datapar_free(DataPar *p, Trainer *t);

/* This process's part [*off, *off + *cnt) of a global batch of bs examples
 * (rank r of K: bs r / K to bs (r + 1) / K); remembers bs as n_global. */
void datapar_slice(DataPar *p, int bs, int *off, int *cnt);

/* Before the last backward of net in a step (the one that completes its
 * gradients), when p->overlap: the gradients are summed while the backward
 * goes on, in buckets of layers started as each completes (the last layers
 * first) and advanced after every later layer, and datapar_sum(p, net, ...)
 * then only waits for them. No-op without overlap or with one process. */
void datapar_overlap(DataPar *p, Net *net);

/* Sums across processes, in place: net's gradients (net may be NULL; those
 * of a datapar_overlap backward are finished instead) and the doubles
 * stats[0..ns). 0, or -1 with the failure in bad (cap bytes) and p->err; a
 * failed BN reduction of the step is reported here too. */
int datapar_sum(DataPar *p, Net *net, double *stats, int ns, char *bad, size_t cap);

#endif
