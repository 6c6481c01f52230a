/* linear.cu - the fully connected layer on the GPU (twin of
 * libcommon/nn/linear.c): cuBLAS SGEMMs on row-major PyTorch layouts, read by
 * cuBLAS as their column-major transposes; bias kernels of our own. */
#include "gpu_ops.h"

/* out (n, o) += b (o) broadcast over rows. */
static __global__ void add_row_bias(float *out, const float *b, int n, int o)
{
	size_t total = (size_t)n * o;
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
	     i += (size_t)gridDim.x * blockDim.x)
		out[i] += b[i % o];
}

/* db (o) += column sums of dout (n, o); one thread per column, rows summed
 * in order, so the result does not depend on the launch. */
static __global__ void col_sums(float *db, const float *dout, int n, int o)
{
	for (int j = blockIdx.x * blockDim.x + threadIdx.x; j < o; j += gridDim.x * blockDim.x) {
		float acc = 0;
		for (int i = 0; i < n; i++)
			acc += dout[(size_t)i * o + j];
		db[j] += acc;
	}
}

static int dims_ok(int n, int in_dim, int out_dim, Err *e)
{
	if (n < 1 || in_dim < 1 || out_dim < 1)
		return err_set(e, EXIT_BAD, "gpu linear: bad shape n %d in %d out %d",
			       n, in_dim, out_dim);
	return 0;
}

/* Row-major out (n, o) is column-major out^T (o, n) = w (o, i) . in^T (i, n):
 * w seen column-major is w^T (i, o), hence op T; in seen column-major is in^T. */
int gpu_linear_forward(GpuCtx *g, float *out, const float *in, const float *w,
		       const float *b, int n, int in_dim, int out_dim, Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	if (dims_ok(n, in_dim, out_dim, e))
		return -1;
	CUBLAS_CHECK(e, cublasSgemm(g->blas, CUBLAS_OP_T, CUBLAS_OP_N, out_dim, n, in_dim,
				    &one, w, in_dim, in, in_dim, &zero, out, out_dim));
	if (b) {
		add_row_bias<<<gpu_blocks((size_t)n * out_dim), GPU_THREADS, 0, g->stream>>>(
			out, b, n, out_dim);
		CUDA_CHECK_LAUNCH(e);
	}
	return 0;
}

/* Column-major views: dw^T (i, o) += in^T (i, n) . dout (n, o), with dout
 * seen as dout^T (o, n), hence op T; din^T (i, n) = w^T (i, o) . dout^T (o, n). */
int gpu_linear_backward(GpuCtx *g, float *din, float *dw, float *db, const float *dout,
			const float *in, const float *w, int n, int in_dim, int out_dim,
			Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	if (dims_ok(n, in_dim, out_dim, e))
		return -1;
	if (dw)
		CUBLAS_CHECK(e, cublasSgemm(g->blas, CUBLAS_OP_N, CUBLAS_OP_T, in_dim, out_dim, n,
					    &one, in, in_dim, dout, out_dim, &one, dw, in_dim));
	if (db) {
		col_sums<<<gpu_blocks((size_t)out_dim), GPU_THREADS, 0, g->stream>>>(
			db, dout, n, out_dim);
		CUDA_CHECK_LAUNCH(e);
	}
	if (din)
		CUBLAS_CHECK(e, cublasSgemm(g->blas, CUBLAS_OP_N, CUBLAS_OP_N, in_dim, n, out_dim,
					    &one, w, in_dim, dout, out_dim, &zero, din, in_dim));
	return 0;
}
