/* backend_cuda.h - the context of the CUDA backend (backend_cuda.cu): the
 * GpuCtx its operations run on, the sticky first error, and the device
 * flags of the finiteness check. */
#ifndef GAN_BACKEND_CUDA_H
#define GAN_BACKEND_CUDA_H

#include "gpu_ops.h"

#ifdef __cplusplus
extern "C" {
#endif
#include "cuda_lib.h"
#ifdef __cplusplus
}
#endif

/* Arrays one nonfinite call checks at most. */
#define CUDA_MAX_CHECKS 8

typedef struct {
	GpuCtx g;
	Err err;        /* the first failure of a run-time call; later calls do nothing */
	int failed;
	int *flags;     /* (CUDA_MAX_CHECKS) device ints for nonfinite */
	int conv_flags; /* GpuConvFlags of every convolution plan (CUDA_OPEN_TF32) */
} CudaCtx;

/* One layer's plans (LayerOp.plan): cuDNN for convolutions and batch norm. */
typedef struct {
	GpuConvPlan conv;
	GpuBnPlan bn;
	int has_conv, has_bn;
} CudaPlan;

#endif
