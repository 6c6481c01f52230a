/* gpu.h - the GPU context passed explicitly to every GPU operation (stream,
 * cuBLAS and cuDNN handles, one shared workspace), device memory helpers, and
 * the CUDA_CHECK / CUBLAS_CHECK / CUDNN_CHECK macros that fill an Err. */
#ifndef GAN_GPU_H
#define GAN_GPU_H

#include <stddef.h>
#include <stdint.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

/* err.h is C11 (_Noreturn, no extern "C"); the .cu files are C++. */
#if defined(__cplusplus) && !defined(_Noreturn)
#define _Noreturn [[noreturn]]
#endif
#ifdef __cplusplus
extern "C" {
#endif

#include "err.h"

/* Everything one thread needs to run operations on one device. All work is
 * queued on `stream`; nothing here is global. Not shareable across threads. */
typedef struct {
	int device;
	cudaStream_t stream;
	cublasHandle_t blas;
	cudnnHandle_t dnn;
	void *ws;             /* scratch shared by the operations (cuDNN) */
	size_t ws_bytes;
	size_t ws_limit;      /* the most gpu_ws_reserve may allocate */
	double *red;          /* GPU_RED_DOUBLES doubles for device reductions */
} GpuCtx;

#define GPU_RED_DOUBLES 8
#define GPU_WS_LIMIT_DEFAULT ((size_t)512 << 20)

/* Number of usable CUDA devices; 0 without a driver or device, never fails. */
int gpu_available(void);
/* Selects `device`, creates the stream and handles (cuBLAS in its default,
 * non-TF32 math as PyTorch's default for matmul). 0, or -1 with e (and g
 * left empty). */
int gpu_init(GpuCtx *g, int device, Err *e);
/* Releases everything gpu_init and gpu_ws_reserve made; safe on a zeroed
 * or half-initialised context. */
void gpu_free(GpuCtx *g);
/* Grows the shared workspace to at least `bytes` (set-up time: it
 * synchronises and allocates). -1 with e beyond ws_limit or out of memory. */
int gpu_ws_reserve(GpuCtx *g, size_t bytes, Err *e);
/* Waits for the stream; reports any error of queued work. */
int gpu_sync(GpuCtx *g, Err *e);

/* Device memory: gpu_malloc zero-fills on g's stream (0 bytes gives a
 * 1-byte block); gpu_mfree(NULL) does nothing. */
int gpu_malloc(GpuCtx *g, void **p, size_t bytes, Err *e);
void gpu_mfree(void *p);
/* Copies on the context's stream, then waits (so host buffers may be reused). */
int gpu_upload(GpuCtx *g, void *dst, const void *src, size_t bytes, Err *e);
int gpu_download(GpuCtx *g, void *dst, const void *src, size_t bytes, Err *e);

/* Fill e with "file:line: call: reason" (EXIT_SYS) and return -1. */
int gpu_err_cuda(Err *e, cudaError_t st, const char *call, const char *file, int line);
int gpu_err_cublas(Err *e, cublasStatus_t st, const char *call, const char *file, int line);
int gpu_err_cudnn(Err *e, cudnnStatus_t st, const char *call, const char *file, int line);

/* Inside a function returning int with an `Err *e` in scope: on failure
 * fill e and return -1. */
#define CUDA_CHECK(e, call) do { cudaError_t st_ = (call); \
	if (st_ != cudaSuccess) return gpu_err_cuda((e), st_, #call, __FILE__, __LINE__); } while (0)
#define CUBLAS_CHECK(e, call) do { cublasStatus_t st_ = (call); \
	if (st_ != CUBLAS_STATUS_SUCCESS) return gpu_err_cublas((e), st_, #call, __FILE__, __LINE__); } while (0)
#define CUDNN_CHECK(e, call) do { cudnnStatus_t st_ = (call); \
	if (st_ != CUDNN_STATUS_SUCCESS) return gpu_err_cudnn((e), st_, #call, __FILE__, __LINE__); } while (0)
/* After a kernel launch: reports a bad launch configuration at once. */
#define CUDA_CHECK_LAUNCH(e) CUDA_CHECK((e), cudaGetLastError())

/* Blocks of GPU_THREADS threads covering n elements, capped for grid-stride loops. */
#define GPU_THREADS 256
static inline unsigned gpu_blocks(size_t n)
{
	size_t b = (n + GPU_THREADS - 1) / GPU_THREADS;
	return (unsigned)(b < 1 ? 1 : b > 65535 ? 65535 : b);
}

#ifdef __cplusplus
}
#endif

#endif
