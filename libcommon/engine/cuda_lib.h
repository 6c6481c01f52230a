/* cuda_lib.h - the boundary between the tools and the CUDA backend, which
 * lives in libgantools-gpu.so (cuda/backend_cuda.cu) and is loaded at run
 * time: the library exports one function, gantools_cuda, returning a CudaLib
 * (its backend table and how to open a context); cuda_load.c finds and loads
 * it for the tools, cuda_none.c stands in for it in the unit tests. */
#ifndef GAN_CUDA_LIB_H
#define GAN_CUDA_LIB_H

#include <stddef.h>
#include "backend.h"
#include "err.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever the table or a structure passed across it changes. */
#define CUDA_LIB_ABI 3
#define CUDA_LIB_SYMBOL "gantools_cuda"
#define CUDA_LIB_NAME "libgantools-gpu.so"
/* open's flags: the convolutions may use TF32 tensor cores (cuDNN's
 * default math, as PyTorch's torch.backends.cudnn.allow_tf32); without it
 * they run FP32 FMA algorithms only. The linear layers stay FP32 (cuBLAS
 * without TF32, as torch.matmul's default) either way. */
#define CUDA_OPEN_TF32 1

/* The layers the CUDA backend runs: every kind but minibatch
 * discrimination. One answer for both sides of the boundary: device_pick
 * asks it before anything is loaded, and it is the library's supports. */
static inline int cuda_supports(const LayerSpec *s)
{
	return s->kind != LAYER_MBDISC;
}

/* What the library exports, with the sizes of the structures that cross the
 * boundary, so that a library from another build is refused. */
typedef struct CudaLib {
	int abi;                  /* CUDA_LIB_ABI */
	size_t err_size, op_size, ops_size;   /* sizeof Err, LayerOp, BackendOps */
	/* Usable devices (0 without a driver; never fails). */
	int (*devices)(void);
	/* A context on device 0 (stream, cuBLAS, cuDNN) for ops, with
	 * CUDA_OPEN_* flags; closed by ops->close. 0 or -1 with e. */
	int (*open)(void **ctx, int flags, Err *e);
	const BackendOps *ops;
} CudaLib;

typedef const CudaLib *(*CudaLibFn)(void);
/* The library's one export (cuda/backend_cuda.cu). */
const CudaLib *gantools_cuda(void);

/* The tools' side. 1 when CUDA support is there (without a device node:
 * when the library file is; with one: when it loaded); usable devices.
 * Neither loads the library unless an NVIDIA device node exists. */
int cuda_built(void);
int cuda_devices(void);
/* *be = a backend on a new context on device 0, with CUDA_OPEN_* flags.
 * 0 or -1 with e: "CUDA support not built", "--device cuda: no CUDA device
 * found". */
int cuda_open(Backend *be, int flags, Err *e);

#ifdef __cplusplus
}
#endif

#endif
