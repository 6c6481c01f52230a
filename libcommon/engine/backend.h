/* backend.h - the table every backend implements (ggml's compute_forward):
 * memory, the per-layer forward and backward, and the few whole-array
 * operations a training step needs. net.c walks a network once for all
 * backends; the CPU is one implementation (backend_cpu.c), CUDA another
 * (cuda/backend_cuda.cu, loaded at run time: cuda_lib.h). Each answers
 * which layers it runs (ggml's supports_op). */
#ifndef GAN_BACKEND_H
#define GAN_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "batchnorm.h"
#include "bnsync.h"
#include "conv2d.h"
#include "err.h"
#include "loss.h"
#include "mbdisc.h"
#include "model.h"
#include "optim.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One layer as a backend sees it: its spec and shapes, its arrays in the
 * backend's memory (fixed while the network stays on the backend), and the
 * arguments of the current call, which the walk sets. */
typedef struct {
	const LayerSpec *spec;
	char net;                 /* 'G' or 'D', and index: for messages */
	int index;
	int max_batch;
	int64_t in_n, out_n;      /* floats per example in and out */
	ConvShape cs;             /* convolutions; cs.n is the call's batch */
	BnShape bs;               /* batch norm; bs.n is the call's batch */
	const float *w, *b;       /* parameters, or NULL */
	float *gw, *gb;           /* where their gradients accumulate, or NULL */
	float *rm, *rv;           /* BN running mean and variance, or NULL */
	float *out;               /* activation (max_batch, out_n); an in-place
				   * activation's is its input (netsize.h) */
	float *save;              /* BN mean then rstd (2c), mbdisc act (n k d), or NULL */
	float *ws;                /* workspace shared by the network's layers */
	void *plan;               /* the backend's own state of this layer */
	/* The call. Forward: x (batch, in_n) -> out, batch statistics when
	 * train. Backward: dy (batch, out_n) of the last forward of x; dx
	 * (batch, in_n) overwritten unless NULL; dw, db accumulated unless
	 * NULL (the walk sets them to gw, gb or NULL). */
	int batch, train;
	BnSync *sync;             /* BN layers of a data-parallel run with --sync-bn:
				   * statistics over every process's slice (bnsync.h);
				   * else NULL. A backend that cannot reduce across
				   * processes fails the call. */
	MbdSync *mbd;             /* minibatch discrimination of a data-parallel run:
				   * over every process's slice (mbdisc.h); else NULL,
				   * and likewise */
	const float *x, *dy;
	float *dx, *dw, *db;
} LayerOp;

/* The operations. ctx is the backend's own state (NULL for the CPU). Set-up
 * calls (alloc, layer_init) report through e. Run-time calls return 0 or
 * -1 and keep their first failure in ctx: later calls do nothing and fail,
 * and error() reports it, so a step checks once at its end. The CPU's never
 * fail. Pointers are the backend's memory unless "host". */
typedef struct BackendOps {
	const char *name;         /* "cpu", "cuda" */
	int host_memory;          /* 1: its memory is host memory, so a host
				   * array can be used in place (backend_twin) */
	/* 1 if the backend runs this layer (ggml's supports_op); net_place asks
	 * before anything is allocated, device_pick before a device is chosen. */
	int (*supports)(const LayerSpec *s);
	/* Zero-filled memory (at least 1 byte, 64-byte aligned); free(NULL) is a no-op. */
	int (*alloc)(void *ctx, size_t bytes, void **p, Err *e);
	void (*free)(void *ctx, void *p);
	/* Copies host <-> backend; download waits until the data is there. */
	int (*upload)(void *ctx, void *dst, const void *host, size_t bytes);
	int (*download)(void *ctx, void *host, const void *src, size_t bytes);
	int (*zero)(void *ctx, void *p, size_t bytes);
	int (*copy)(void *ctx, void *dst, const void *src, size_t bytes);
	/* Makes op->plan for batches up to op->max_batch (NULL when the backend
	 * needs none) of a supported layer; layer_free releases it. */
	int (*layer_init)(void *ctx, LayerOp *op, Err *e);
	void (*layer_free)(void *ctx, LayerOp *op);
	int (*forward)(void *ctx, const LayerOp *op);
	int (*backward)(void *ctx, const LayerOp *op);
	/* bad[i] (host) = 1 if p[i] (n[i] floats) holds a non-finite value, else 0. */
	int (*nonfinite)(void *ctx, int k, const float *const *p, const int64_t *n, int *bad);
	/* As adam_step (step t >= 1) and sgd_step of optim.h, bit for bit. */
	int (*adam)(void *ctx, float *p, const float *g, float *m, float *v, size_t n,
		    const AdamCfg *c, int64_t t);
	int (*sgd)(void *ctx, float *p, const float *g, size_t n, float lr);
	/* As loss_bce on x (n) against target y: res (host) [0] = the loss sum,
	 * [1] = loss_prob_sum when want_prob (else NaN); dx = scale * dl/dx. */
	int (*bce)(void *ctx, LossKind k, float *dx, const float *x, float y, int n, float scale,
		   int want_prob, double *res);
	/* dst (bs, ex) = rows idx[0..bs) of src (rows x ex): u8 scaled as
	 * x/255*2-1, or f32 copied; idx (bs) int64 in the backend's memory. */
	int (*gather)(void *ctx, float *dst, const void *src, DType dt, int64_t rows, size_t ex,
		      const int64_t *idx, int bs);
	/* The first failure of a run-time call: 0 if none, else -1 with e. */
	int (*error)(void *ctx, Err *e);
	/* Releases ctx once nothing is placed on it (device_close). */
	void (*close)(void *ctx);
	/* After layer_init of every layer of a network (ops[0..n)), where not
	 * NULL: the backend may choose the layouts its layers hand each other
	 * (plain: the layers' plain layouts only, for batch norm across
	 * processes or minibatch discrimination). 0 or -1 with e. */
	int (*plan_net)(void *ctx, LayerOp *ops, int n, int plain, Err *e);
	/* 1: a batch norm applies the ReLU or LeakyReLU in place after it when
	 * the walk sets its bs.act (batchnorm.h), and the walk skips that
	 * activation's passes (net.c); 0: every layer runs its own. */
	int fuses_bn_act;
} BackendOps;

/* A backend instance: its table and its state. A value: copy it freely;
 * whoever opened it (device_open) closes it. */
typedef struct {
	const BackendOps *ops;
	void *ctx;
} Backend;

/* What a layer kind is, for the messages of a layer a backend does not
 * run: "minibatch discrimination (mbdisc)". */
const char *layer_kind_desc(LayerKind k);

/* The CPU backend: the layers of nn/ on host memory (backend_cpu.c). */
Backend backend_cpu(void);
/* The CPU with its convolutions on oneDNN (--kernels onednn, dnnlconv.h),
 * their products in bf16 when bf16 (dnnl_lib_bf16): a new instance, closed
 * with its close op; 0 or -1 with e (*be the CPU's). */
int backend_onednn(Backend *be, int bf16, Err *e);
/* 1 if a and b are the same instance. */
int backend_same(Backend a, Backend b);

/* Backend memory standing for the host array host (bytes): host itself on a
 * backend with host memory, else a new zero-filled block (contents copied
 * with backend_put when wanted). backend_untwin releases what backend_twin
 * made. 0 or -1 with e. */
int backend_twin(Backend b, void *host, size_t bytes, void **p, Err *e);
void backend_untwin(Backend b, void *p, const void *host);
/* Backend memory to stage host data in: NULL where host memory serves
 * directly, else a new block. Released with backend_untwin(b, p, NULL). */
int backend_staging(Backend b, size_t bytes, void **p, Err *e);
/* upload and download that do nothing when both pointers are the same
 * memory (a twin on a host-memory backend). */
int backend_put(Backend b, void *dst, const void *host, size_t bytes);
int backend_get(Backend b, void *host, const void *src, size_t bytes);
/* The backend's sticky error: 0 if none, else -1 with e. */
int backend_error(Backend b, Err *e);

#ifdef __cplusplus
}
#endif

#endif
