/* gpu_ops.h - the operations of libcommon on the GPU, one section per .cu
 * file: same shapes, layouts and semantics as the CPU functions they mirror
 * (linear.h, conv2d.h, batchnorm.h, activation.h, loss.h, optim.h). */
#ifndef GAN_GPU_OPS_H
#define GAN_GPU_OPS_H

#include "gpu.h"

#ifdef __cplusplus
extern "C" {
#endif

#include "activation.h"
#include "batchnorm.h"
#include "conv2d.h"
#include "loss.h"
#include "optim.h"

/* Conventions: every pointer argument is device memory unless it says
 * "host"; work is queued on g->stream and nothing waits unless said so;
 * each function returns 0, or -1 with e (EXIT_BAD for a bad argument,
 * EXIT_SYS for a CUDA, cuBLAS or cuDNN failure). */

/* ---- linear.cu (cuBLAS, FP32 without TF32, as torch.matmul's default) */

/* out (n, out_dim) = in (n, in_dim) . w^T + b; w (out_dim, in_dim); b (out_dim) or NULL. */
int gpu_linear_forward(GpuCtx *g, float *out, const float *in, const float *w,
		       const float *b, int n, int in_dim, int out_dim, Err *e);
/* Accumulates dw (out_dim, in_dim) and db (out_dim) (NULL to skip);
 * overwrites din (n, in_dim) unless NULL. */
int gpu_linear_backward(GpuCtx *g, float *din, float *dw, float *db, const float *dout,
			const float *in, const float *w, int n, int in_dim, int out_dim,
			Err *e);

/* ---- conv2d.cu (cuDNN; convt2d as the swapped roles of a conv2d) */

enum {
	GPU_CONV_TF32 = 1,           /* allow TF32 tensor cores (PyTorch's cuDNN default) */
	GPU_CONV_DETERMINISTIC = 2,  /* only deterministic algorithms */
};

/* Algorithms and math types chosen for one batch size. */
typedef struct {
	int n;
	cudnnConvolutionFwdAlgo_t fwd;
	cudnnConvolutionBwdDataAlgo_t bwd_data;
	cudnnConvolutionBwdFilterAlgo_t bwd_filter;
	cudnnMathType_t m_fwd, m_data, m_filter;
	size_t ws;                   /* bytes of g->ws the three need at most */
} GpuConvAlgo;

#define GPU_CONV_CACHE 4

/* One convolution layer's plan. The cuDNN convolution it describes maps x
 * to y: for conv2d x = the layer input (n, cin, h, w) and y = its output
 * (n, cout, oh, ow), filter (cout, cin, k, k); for convt2d x = the layer
 * output, y = its input, filter (cin, cout, k, k) - PyTorch's layouts both.
 * Algorithms are picked per batch size with cudnnGet*_v7 and cached here. */
typedef struct {
	ConvShape s;                 /* as planned; s.n is the largest batch */
	int transposed, flags;
	cudnnTensorDescriptor_t xd, yd, bd;
	cudnnFilterDescriptor_t wd;
	cudnnConvolutionDescriptor_t cd;
	GpuConvAlgo algo[GPU_CONV_CACHE];
	int nalgo;                   /* cached entries; algo[0] is for s.n */
	int cur;                     /* the batch xd and yd describe now */
} GpuConvPlan;

/* Validates s (as conv2d_shape / convt2d_shape do: oh, ow are recomputed
 * and must match when already set), creates the descriptors, picks the
 * algorithms for s->n and grows g's workspace to fit them. */
int gpu_conv_plan_init(GpuConvPlan *p, GpuCtx *g, const ConvShape *s, int transposed,
		       int flags, Err *e);
void gpu_conv_plan_free(GpuConvPlan *p);

/* n (1 .. plan's s.n) examples. conv2d: out (n, cout, oh, ow) from
 * in (n, cin, h, w), w (cout, cin, k, k), b (cout) or NULL. */
int gpu_conv2d_forward(GpuCtx *g, GpuConvPlan *p, float *out, const float *in,
		       const float *w, const float *b, int n, Err *e);
/* Accumulates dw, db (NULL to skip); overwrites din (NULL to skip). */
int gpu_conv2d_backward(GpuCtx *g, GpuConvPlan *p, float *din, float *dw, float *db,
			const float *dout, const float *in, const float *w, int n, Err *e);
/* convt2d: out (n, cout, oh, ow) from in (n, cin, h, w), w (cin, cout, k, k). */
int gpu_convt2d_forward(GpuCtx *g, GpuConvPlan *p, float *out, const float *in,
			const float *w, const float *b, int n, Err *e);
int gpu_convt2d_backward(GpuCtx *g, GpuConvPlan *p, float *din, float *dw, float *db,
			 const float *dout, const float *in, const float *w, int n, Err *e);

/* ---- batchnorm.cu (cuDNN spatial batch norm on (n, c, hw, 1)) */

/* Descriptors and constants of one BN layer; s.n is the largest batch. */
typedef struct {
	BnShape s;
	int cur;                     /* the batch xd describes now */
	cudnnTensorDescriptor_t xd, pd;
	float *ones, *zeros;         /* (c): gamma, beta for affine=False */
	float *dscratch;             /* (2c): dgamma, dbeta nobody asked for */
} GpuBnPlan;

int gpu_bn_plan_init(GpuBnPlan *p, GpuCtx *g, const BnShape *s, Err *e);
void gpu_bn_plan_free(GpuBnPlan *p);
/* As batchnorm_forward_train for n (1 .. s.n) examples, n*hw >= 2:
 * out, in (n, c, hw); mean, rstd (c) saved; run_mean, run_var (c) updated
 * with momentum (both or neither NULL); gamma, beta NULL mean 1, 0. */
int gpu_bn_forward_train(GpuCtx *g, GpuBnPlan *p, float *out, float *mean, float *rstd,
			 float *run_mean, float *run_var, const float *in,
			 const float *gamma, const float *beta, int n, Err *e);
int gpu_bn_forward_eval(GpuCtx *g, GpuBnPlan *p, float *out, const float *in,
			const float *gamma, const float *beta, const float *run_mean,
			const float *run_var, int n, Err *e);
/* Accumulates dgamma, dbeta (NULL to skip); overwrites din (not aliasing dout). */
int gpu_bn_backward(GpuCtx *g, GpuBnPlan *p, float *din, float *dgamma, float *dbeta,
		    const float *dout, const float *in, const float *mean,
		    const float *rstd, const float *gamma, int n, Err *e);

/* ---- activation.cu (own kernels, the CPU formulas) */

/* out = f(in), n elements; out may alias in. */
int gpu_act_forward(GpuCtx *g, ActKind k, float alpha, float *out, const float *in,
		    size_t n, Err *e);
/* din = dout * f'(x) from in (x) and out (f(x)); din may alias dout. */
int gpu_act_backward(GpuCtx *g, ActKind k, float alpha, float *din, const float *dout,
		     const float *in, const float *out, size_t n, Err *e);

/* ---- loss.cu (per-element terms in double, one deterministic reduction) */

/* As loss_bce: res[0] = sum_i l(x_i, y), res[1] = sum_i loss_prob(x_i)
 * (for D(x) and D(G(z))), both written to the device doubles res (2);
 * dx (n) = scale * dl/dx unless NULL. y outside [0, 1]: res[0] = NaN and
 * res[1] = NaN, dx untouched, as the CPU. */
int gpu_loss_bce(GpuCtx *g, LossKind k, float *dx, const float *x, float y, int n,
		 float scale, double *res, Err *e);
/* As loss_mse: res[0] = sum (x - y)^2; dx = scale * 2 (x - y) unless NULL. */
int gpu_loss_mse(GpuCtx *g, float *dx, const float *x, const float *y, int n, float scale,
		 double *res, Err *e);

/* ---- optim.cu (element-wise; bit-exact with the CPU update) */

/* As adam_step: p, g, m, v (n); t >= 1; scalars formed on the host in double. */
int gpu_adam_step(GpuCtx *g, float *p, const float *grad, float *m, float *v, size_t n,
		  const AdamCfg *c, int64_t t, Err *e);
/* p -= lr grad. */
int gpu_sgd_step(GpuCtx *g, float *p, const float *grad, size_t n, float lr, Err *e);

/* ---- scale.cu (batches from a data set kept on the device) */

/* dst (n) = src / 255 * 2 - 1, in float as the CPU. */
int gpu_u8_to_float(GpuCtx *g, float *dst, const uint8_t *src, size_t n, Err *e);
/* dst (bs, ex) = rows idx[0..bs) of src (rows of ex): u8 scaled as above,
 * or f32 copied; idx (bs) device int64, each in [0, rows) (checked on the
 * device: a bad index gives NaN rows, never a wild read). */
int gpu_gather_u8(GpuCtx *g, float *dst, const uint8_t *src, int64_t rows,
		  const int64_t *idx, int bs, size_t ex, Err *e);
int gpu_gather_f32(GpuCtx *g, float *dst, const float *src, int64_t rows,
		   const int64_t *idx, int bs, size_t ex, Err *e);

#ifdef __cplusplus
}
#endif

#endif
