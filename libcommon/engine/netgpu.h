/* netgpu.h - the networks and the training step on a CUDA device, behind the
 * one dispatch point of net.c and train.c (`if (n->gpu)`). cuda/net_gpu.cu and
 * cuda/train_gpu.cu implement it in libgantools-gpu.so, which the tools load
 * through netgpu_dl.c (netgpu_api.h); the unit tests link netgpu_none.c. */
#ifndef GAN_NETGPU_H
#define GAN_NETGPU_H

#include <stdint.h>
#include "err.h"
#include "net.h"
#include "optim.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One device context shared by the networks and data on it. Errors of the
 * void and pointer-returning calls below are sticky in it: the first one is
 * kept, later calls do nothing, and netgpu_error reports it. */
typedef struct NetGpuDev NetGpuDev;
struct Trainer;

/* 1 when CUDA support is built in; usable devices (0 without, never fails).
 * In the tools, neither loads the engine unless an NVIDIA device node exists. */
int netgpu_built(void);
int netgpu_devices(void);
/* Opens device 0 (stream, cuBLAS, cuDNN). 0 or -1 with e. */
int netgpu_open(NetGpuDev **dev, Err *e);
void netgpu_close(NetGpuDev *dev);
/* The sticky error of dev: 0 if none, else -1 with e. */
int netgpu_error(const NetGpuDev *dev, Err *e);

/* Puts n on dev: device copies of params, grads, m, v and bufs at the host
 * offsets (uploaded), activations and plans for n->max_batch; sets n->gpu.
 * Minibatch discrimination is refused (EXIT_BAD). 0 or -1 with e. */
int netgpu_attach(Net *n, NetGpuDev *dev, Err *e);
/* Copies params, grads, m, v and bufs back to the host arrays. */
int netgpu_download(Net *n, Err *e);
/* Frees n's device state (no download); n->gpu becomes NULL. */
void netgpu_detach(Net *n);

/* The net_* functions on the device: pointers are device memory, shapes as
 * net.h. netgpu_forward returns NULL after an error. */
const float *netgpu_forward(Net *n, const float *in, int batch, int train);
void netgpu_backward(Net *n, const float *dout, float *din, int param_grads);
void netgpu_zero_grads(Net *n);
/* 1 if params and bufs are finite; 0 also after an error. */
int netgpu_finite(const Net *n);
/* One update of every parameter: Adam when adam is not NULL (step t >= 1),
 * else SGD with lr. Bit-exact with adam_step / sgd_step. */
void netgpu_opt_step(Net *n, const AdamCfg *adam, double lr, int64_t t);
/* in (batch, in_n) and out (batch, out_n) in host memory. 0 or -1 with e. */
int netgpu_forward_host(Net *n, const float *in, int batch, int train, float *out,
			Err *e);

/* Moves a trainer's networks to a new device context with the data set x
 * (rows x ex, u8 or f32; uploaded once) and the batch buffers; points
 * t->dl, t->df at device memory. 0 or -1 with e (t left on the host). */
int netgpu_train_open(struct Trainer *t, const void *x, DType dt, int64_t rows, int64_t ex,
		      Err *e);
/* Downloads the networks' state to the host when download, then frees the
 * device state and points t->dl, t->df back at the host buffers. 0, or -1
 * with e when the download (or an earlier sticky error) failed. */
int netgpu_train_close(struct Trainer *t, int download, Err *e);
/* The device batch: rows idx[0..bs) of the data set gathered and scaled
 * on the device into *x; z and zg (bs x latent, host; zg may be NULL)
 * uploaded into *z and *zg. */
void netgpu_train_batch(struct Trainer *t, const int64_t *idx, int bs, const float **x,
			const float **z, const float **zg);
/* As loss_bce on D's outputs y (n, device) against target, the gradient
 * into t->dl; returns the loss sum and sets *prob (unless NULL) to the mean
 * probability, both downloaded. NaN after an error. */
double netgpu_train_loss(struct Trainer *t, const float *y, float target, int n,
			 float scale, double *prob);
/* The sticky error of t's device context: 0 if none, else -1 with e. */
int netgpu_train_error(const struct Trainer *t, Err *e);

#ifdef __cplusplus
}
#endif

#endif
