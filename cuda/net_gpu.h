/* net_gpu.h - the device context behind netgpu.h, shared by net_gpu.cu and
 * train_gpu.cu: the GpuCtx, the sticky first error, and the helpers that
 * turn a failed operation into that error. */
#ifndef GAN_NET_GPU_H
#define GAN_NET_GPU_H

#include "gpu_ops.h"

#ifdef __cplusplus
extern "C" {
#endif
#include "netgpu.h"
#ifdef __cplusplus
}
#endif

struct NetGpuDev {
	GpuCtx g;
	Err err;        /* the first failure; later calls do nothing */
	int failed;
	int *flags;     /* (2) device ints for the finiteness checks */
};

/* rc of an operation that filled d->err: -1 marks d failed. */
static inline int netgpu_note(NetGpuDev *d, int rc)
{
	if (rc)
		d->failed = 1;
	return rc;
}

/* Device floats, zero-filled: n elements (at least one). */
static inline int netgpu_falloc(NetGpuDev *d, float **p, size_t n, Err *e)
{
	return gpu_malloc(&d->g, (void **)p, (n ? n : 1) * sizeof(float), e);
}

#endif
