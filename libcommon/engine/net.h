/* net.h - a Sequential network built from a NetSpec, and the one walk over
 * its layers for every backend (backend.h): parameters, gradients, Adam
 * moments and buffers in one block, activations and scratch in another,
 * both sized once for a maximum batch (netsize.h), so forward and backward
 * never allocate. Names follow PyTorch's state_dict. */
#ifndef GAN_NET_H
#define GAN_NET_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "bnsync.h"
#include "err.h"
#include "mbdisc.h"
#include "model.h"
#include "netsize.h"
#include "rng.h"

typedef struct {
	LayerSpec spec;
	int64_t in_n, out_n;       /* floats per example in and out */
	int64_t w_off, b_off;      /* into params/grads/m/v; -1 if none */
	int64_t w_n, b_n;
	int64_t rm_off, rv_off;    /* into bufs; -1 if none */
	int64_t nbt;               /* BN num_batches_tracked */
	const float *y;            /* output of the last forward, on the net's backend */
} Layer;

/* One named tensor of a network, for checkpoints and lookups. */
typedef struct {
	char name[48];             /* "G.0.weight" */
	int ndim;
	int64_t shape[4];
	int64_t numel;
	int is_buf;                /* running stats (in bufs) vs parameter */
	int is_nbt;                /* num_batches_tracked (I64 scalar) */
	int layer;
	int64_t off;               /* offset into params or bufs */
} NetTensor;

/* Told by net_backward, after each layer with parameters whose gradients it
 * wrote, that the gradients from offset lo to the end of grads are final
 * (layers keep their parameters in order, so the walk backwards completes
 * them from the end); data-parallel runs start their sums there. */
typedef struct GradHook {
	void (*ready)(void *ctx, int64_t lo);
	void *ctx;
} GradHook;

typedef struct {
	char prefix;               /* 'G' or 'D' */
	int nl;
	Layer *l;
	int max_batch;
	int64_t np, nb;            /* parameter and buffer floats */
	/* The state on the host, as checkpoints read and write it. While the
	 * network sits on a backend without host memory, these are current
	 * after net_sync_host (and net_place back to the CPU) only. */
	float *params, *grads, *m, *v, *bufs;
	NetSize *size;             /* the layout of both blocks */
	void *state, *work;        /* the host blocks (state: params .. bufs) */
	Backend be;                /* where the network runs: the CPU unless placed */
	float *on_state, *on_work; /* the blocks on be (the host ones on the CPU) */
	float *io;                 /* staging of net_forward_host's input, or NULL */
	LayerOp *op;               /* per layer: its arrays on be, for the backend */
	int first;                 /* first layer that is not a reshape, or -1 */
	int nt;
	NetTensor *t;              /* state_dict order */
	const float *in;           /* input of the last forward (borrowed) */
	int batch;                 /* batch of the last forward */
	BnSync *bn_sync;           /* batch norm's statistics across processes
				    * (--sync-bn, bnsync.h), handed by the walk to
				    * every BN layer's operation; else NULL */
	MbdSync *mbd_sync;         /* minibatch discrimination over every process's
				    * examples (data-parallel runs, mbdisc.h); else NULL */
	GradHook *grad_hook;       /* told of final gradients by net_backward, or NULL */
} Net;

/* Allocates everything for batches up to max_batch on the CPU, in the two
 * blocks of netsize.h (the caller has checked the bytes: trainer_bytes,
 * net_size), and loads OpenBLAS when a layer will need it. 0 or -1 with e. */
int net_init(Net *n, const NetSpec *s, char prefix, int max_batch, Err *e);
/* Only the layers and the names, shapes and offsets of the tensors (n->l,
 * n->t, n->np, n->nb), nothing that grows with the model: what a reader
 * checks a file against before net_init. Free with net_free. 0 or -1. */
int net_layout(Net *n, const NetSpec *s, char prefix, int max_batch, Err *e);
void net_free(Net *n);
/* Initialises parameters and buffers per the model's init (and per-layer
 * overrides), drawing from r in state_dict order; host arrays, before the
 * network is placed elsewhere. */
void net_init_params(Net *n, const Model *m, Rng *r);

/* Moves n to backend to: its state is brought to the host from where it is,
 * then copied to to's memory beside new activations and per-layer plans
 * (a host-memory backend uses the host blocks in place). A layer to does
 * not support is refused (EXIT_BAD, "network D, layer 2: minibatch
 * discrimination (mbdisc) has no cuda implementation"). On failure n is
 * back on the CPU with the state it had. 0 or -1 with e. */
int net_place(Net *n, Backend to, Err *e);
/* Back to the CPU without bringing the state home (after a failure). */
void net_drop(Net *n);
/* Brings the state (params, grads, m, v, bufs) to the host arrays. 0 or -1
 * with e (a backend failure). */
int net_sync_host(Net *n, Err *e);

/* The walk. in (batch, in_n) -> returns out (batch, out_n), valid until the
 * next forward; in and out are the backend's memory. train: batch
 * statistics (and running-stat updates) in BN, over every process's slice
 * when n->bn_sync is set. batch in 1 .. max_batch.
 * NULL after a backend failure (backend_error tells). */
const float *net_forward(Net *n, const float *in, int batch, int train);
/* dout (batch, out_n) of the last forward. Accumulates parameter gradients
 * when param_grads; writes din (batch, in_n) unless NULL. 0 or -1 as above. */
int net_backward(Net *n, const float *dout, float *din, int param_grads);
int net_zero_grads(Net *n);
/* One update of every parameter: Adam when adam is not NULL (step t >= 1),
 * else SGD with lr. */
int net_opt_step(Net *n, const AdamCfg *adam, double lr, int64_t t);
/* net_forward from host memory to host memory on n's backend:
 * out (batch, out_n). 0 or -1 with e. */
int net_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e);
/* 1 if every parameter and buffer is finite, and with moments the Adam
 * moments too; 0 also after a backend failure. */
int net_finite(const Net *n, int moments);

/* Lookup by checkpoint name; NULL if absent. */
const NetTensor *net_tensor(const Net *n, const char *name);
/* Float data of a tensor on the host (params or bufs); NULL for
 * num_batches_tracked. */
float *net_tensor_data(Net *n, const NetTensor *t);

#endif
