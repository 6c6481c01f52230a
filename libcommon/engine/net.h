/* net.h - a Sequential network built from a NetSpec: parameters, gradients
 * and Adam moments each in one float allocation, batch-norm running stats as
 * buffers, activations and workspace sized once for a maximum batch, so
 * forward and backward never allocate. Names follow PyTorch's state_dict. */
#ifndef GAN_NET_H
#define GAN_NET_H

#include <stddef.h>
#include <stdint.h>
#include "batchnorm.h"
#include "bnsync.h"
#include "conv2d.h"
#include "err.h"
#include "model.h"
#include "rng.h"

typedef struct {
	LayerSpec spec;
	int64_t in_n, out_n;       /* floats per example in and out */
	int64_t w_off, b_off;      /* into params/grads/m/v; -1 if none */
	int64_t w_n, b_n;
	int64_t rm_off, rv_off;    /* into bufs; -1 if none */
	int64_t nbt;               /* BN num_batches_tracked */
	float *out;                /* activation (max_batch x out_n); NULL for reshapes */
	int inplace;               /* out is the previous layer's out (see net.c) */
	float *save;               /* BN mean then rstd (2c), mbdisc act (n k d) */
	const float *y;            /* output of the last forward */
	ConvShape cs;
	BnShape bs;
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

struct NetGpu;

typedef struct {
	char prefix;               /* 'G' or 'D' */
	int nl;
	Layer *l;
	int max_batch;
	int64_t np;                /* parameter count */
	float *params, *grads, *m, *v;
	int64_t nb;
	float *bufs;
	float *ws, *s0, *s1;       /* workspace, backward ping-pong buffers */
	int nt;
	NetTensor *t;              /* state_dict order */
	const float *in;           /* input of the last forward (borrowed) */
	int batch;                 /* batch of the last forward */
	struct NetGpu *gpu;        /* device state (netgpu.h) when the network runs on a
				    * GPU, else NULL; the host arrays are then stale until
				    * netgpu_download */
	BnSync *bn_sync;           /* batch norm's statistics across processes
				    * (--sync-bn, bnsync.h; CPU only), else NULL */
} Net;

/* Allocates everything for batches up to max_batch. *planned holds the bytes
 * the caller has planned already (other networks, batches); net_init adds its
 * own and refuses, before allocating, a total that exceeds the available
 * memory (memcheck.h). 0 or -1 with e. */
int net_init(Net *n, const NetSpec *s, char prefix, int max_batch, size_t *planned, Err *e);
/* Only the layers and the names, shapes and offsets of the tensors (n->l,
 * n->t, n->np, n->nb), nothing that grows with the model: what a reader
 * checks a file against before net_init. Free with net_free. 0 or -1. */
int net_layout(Net *n, const NetSpec *s, char prefix, int max_batch, Err *e);
void net_free(Net *n);
/* Initialises parameters and buffers per the model's init (and per-layer
 * overrides), drawing from r in state_dict order. */
void net_init_params(Net *n, const Model *m, Rng *r);

/* in (batch, in_n) -> returns out (batch, out_n), valid until the next
 * forward. train: batch statistics (and running-stat updates) in BN.
 * The functions below run on the GPU when n->gpu is set (netgpu.h): their
 * pointers are device memory then. */
const float *net_forward(Net *n, const float *in, int batch, int train);
/* dout (batch, out_n) of the last forward. Accumulates parameter gradients
 * when param_grads; writes din (batch, in_n) unless NULL. */
void net_backward(Net *n, const float *dout, float *din, int param_grads);
void net_zero_grads(Net *n);
/* net_forward from host memory to host memory on either device:
 * out (batch, out_n). 0 or -1 with e (a GPU failure). */
int net_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e);

/* Lookup by checkpoint name; NULL if absent. */
const NetTensor *net_tensor(const Net *n, const char *name);
/* Float data of a tensor (params or bufs); NULL for num_batches_tracked. */
float *net_tensor_data(Net *n, const NetTensor *t);
/* 1 if every parameter and buffer is finite (0 after a GPU failure). */
int net_finite(const Net *n);

#endif
