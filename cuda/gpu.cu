/* gpu.cu - the GPU context: device discovery that never crashes without a
 * driver, stream and library handles, the shared workspace, device memory
 * helpers, and the error formatters behind the *_CHECK macros. */
#include <string.h>

#include "gpu.h"

int gpu_err_cuda(Err *e, cudaError_t st, const char *call, const char *file, int line)
{
	return err_set(e, EXIT_SYS, "%s:%d: %s: %s (%s)", file, line, call,
		       cudaGetErrorString(st), cudaGetErrorName(st));
}

int gpu_err_cublas(Err *e, cublasStatus_t st, const char *call, const char *file, int line)
{
	return err_set(e, EXIT_SYS, "%s:%d: %s: cuBLAS status %d (%s)", file, line, call,
		       (int)st, cublasGetStatusString(st));
}

int gpu_err_cudnn(Err *e, cudnnStatus_t st, const char *call, const char *file, int line)
{
	return err_set(e, EXIT_SYS, "%s:%d: %s: %s", file, line, call, cudnnGetErrorString(st));
}

/* cudaGetDeviceCount fails cleanly (no driver, no device, driver too old);
 * the error it records is cleared so that later checks start clean. */
int gpu_available(void)
{
	int n = 0;
	cudaError_t st = cudaGetDeviceCount(&n);
	if (st != cudaSuccess) {
		(void)cudaGetLastError();
		return 0;
	}
	return n > 0 ? n : 0;
}

/* Creates the handles in order; on failure gpu_free undoes the part made. */
static int ctx_create(GpuCtx *g, int device, Err *e)
{
	CUDA_CHECK(e, cudaSetDevice(device));
	CUDA_CHECK(e, cudaStreamCreateWithFlags(&g->stream, cudaStreamNonBlocking));
	CUBLAS_CHECK(e, cublasCreate(&g->blas));
	CUBLAS_CHECK(e, cublasSetStream(g->blas, g->stream));
	CUBLAS_CHECK(e, cublasSetMathMode(g->blas, CUBLAS_DEFAULT_MATH));
	CUBLAS_CHECK(e, cublasSetPointerMode(g->blas, CUBLAS_POINTER_MODE_HOST));
	CUDNN_CHECK(e, cudnnCreate(&g->dnn));
	CUDNN_CHECK(e, cudnnSetStream(g->dnn, g->stream));
	CUDA_CHECK(e, cudaMalloc((void **)&g->red, GPU_RED_DOUBLES * sizeof(double)));
	return 0;
}

int gpu_init(GpuCtx *g, int device, Err *e)
{
	memset(g, 0, sizeof *g);
	int n = gpu_available();
	if (n == 0)
		return err_set(e, EXIT_SYS, "no CUDA device available");
	if (device < 0 || device >= n)
		return err_set(e, EXIT_BAD, "CUDA device %d out of range (0 to %d)", device, n - 1);
	g->device = device;
	g->ws_limit = GPU_WS_LIMIT_DEFAULT;
	if (ctx_create(g, device, e)) {
		gpu_free(g);
		return -1;
	}
	return 0;
}

void gpu_free(GpuCtx *g)
{
	if (g->stream)
		(void)cudaStreamSynchronize(g->stream);
	if (g->ws)
		(void)cudaFree(g->ws);
	if (g->red)
		(void)cudaFree(g->red);
	if (g->dnn)
		(void)cudnnDestroy(g->dnn);
	if (g->blas)
		(void)cublasDestroy(g->blas);
	if (g->stream)
		(void)cudaStreamDestroy(g->stream);
	memset(g, 0, sizeof *g);
}

int gpu_ws_reserve(GpuCtx *g, size_t bytes, Err *e)
{
	if (bytes <= g->ws_bytes)
		return 0;
	if (bytes > g->ws_limit)
		return err_set(e, EXIT_SYS, "GPU workspace of %zu bytes exceeds the limit of %zu",
			       bytes, g->ws_limit);
	CUDA_CHECK(e, cudaStreamSynchronize(g->stream));
	if (g->ws) {
		CUDA_CHECK(e, cudaFree(g->ws));
		g->ws = NULL;
		g->ws_bytes = 0;
	}
	CUDA_CHECK(e, cudaMalloc(&g->ws, bytes));
	g->ws_bytes = bytes;
	return 0;
}

int gpu_sync(GpuCtx *g, Err *e)
{
	CUDA_CHECK(e, cudaStreamSynchronize(g->stream));
	CUDA_CHECK(e, cudaGetLastError());
	return 0;
}

int gpu_malloc(GpuCtx *g, void **p, size_t bytes, Err *e)
{
	*p = NULL;
	if (bytes == 0)
		bytes = 1;
	CUDA_CHECK(e, cudaMalloc(p, bytes));
	cudaError_t st = cudaMemsetAsync(*p, 0, bytes, g->stream);
	if (st != cudaSuccess) {
		(void)cudaFree(*p);
		*p = NULL;
		return gpu_err_cuda(e, st, "cudaMemset", __FILE__, __LINE__);
	}
	return 0;
}

void gpu_mfree(void *p)
{
	if (p)
		(void)cudaFree(p);
}

int gpu_upload(GpuCtx *g, void *dst, const void *src, size_t bytes, Err *e)
{
	if (bytes == 0)
		return 0;
	CUDA_CHECK(e, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, g->stream));
	CUDA_CHECK(e, cudaStreamSynchronize(g->stream));
	return 0;
}

int gpu_download(GpuCtx *g, void *dst, const void *src, size_t bytes, Err *e)
{
	if (bytes == 0)
		return 0;
	CUDA_CHECK(e, cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, g->stream));
	CUDA_CHECK(e, cudaStreamSynchronize(g->stream));
	return 0;
}
