/* netgpu_api.h - the boundary between the tools and the GPU engine loaded at
 * run time: libgantools-gpu.so exports one function, netgpu_api, returning a
 * table of the netgpu.h calls; libcommon/engine/netgpu_dl.c finds, loads and forwards. */
#ifndef GAN_NETGPU_API_H
#define GAN_NETGPU_API_H

#include <stddef.h>
#include "netgpu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever the table or a structure passed across it changes. */
#define NETGPU_ABI 1
#define NETGPU_API_SYMBOL "netgpu_api"
#define NETGPU_LIB_NAME "libgantools-gpu.so"

struct Trainer;

/* The netgpu.h calls of the engine, with the sizes of the structures that
 * cross the boundary, so a library from another build is refused. */
typedef struct NetGpuApi {
	int abi;                  /* NETGPU_ABI */
	size_t err_size, net_size, trainer_size;
	int (*devices)(void);
	int (*open)(NetGpuDev **dev, Err *e);
	void (*close)(NetGpuDev *dev);
	int (*error)(const NetGpuDev *dev, Err *e);
	int (*attach)(Net *n, NetGpuDev *dev, Err *e);
	int (*download)(Net *n, Err *e);
	void (*detach)(Net *n);
	const float *(*forward)(Net *n, const float *in, int batch, int train);
	void (*backward)(Net *n, const float *dout, float *din, int param_grads);
	void (*zero_grads)(Net *n);
	int (*finite)(const Net *n);
	void (*opt_step)(Net *n, const AdamCfg *adam, double lr, int64_t t);
	int (*forward_host)(Net *n, const float *in, int batch, int train, float *out,
			    Err *e);
	int (*train_open)(struct Trainer *t, const void *x, DType dt, int64_t rows,
			  int64_t ex, Err *e);
	int (*train_close)(struct Trainer *t, int download, Err *e);
	void (*train_batch)(struct Trainer *t, const int64_t *idx, int bs, const float **x,
			    const float **z, const float **zg);
	double (*train_loss)(struct Trainer *t, const float *y, float target, int n,
			     float scale, double *prob);
	int (*train_error)(const struct Trainer *t, Err *e);
} NetGpuApi;

/* The engine's table (libcommon/engine/netgpu_api.c, linked into the .so only). */
typedef const NetGpuApi *(*NetGpuApiFn)(void);
const NetGpuApi *netgpu_api(void);

#ifdef __cplusplus
}
#endif

#endif
