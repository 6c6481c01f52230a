/* conv2d.cu - 2-D convolution and transposed convolution on the GPU (twin
 * of libcommon/nn/conv2d.c) with cuDNN: one cuDNN convolution per layer, whose
 * forward, backward-data and backward-filter serve both layer kinds in
 * swapped roles; algorithms picked once per batch size and cached in the plan. */
#include <string.h>

#include "gpu_ops.h"

/* The math type to ask cuDNN for, and whether a returned one is allowed. */
static cudnnMathType_t math_request(int flags)
{
	return (flags & GPU_CONV_TF32) ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

static int math_allowed(int flags, cudnnMathType_t m)
{
	return (flags & GPU_CONV_TF32) || m == CUDNN_FMA_MATH || m == CUDNN_DEFAULT_MATH;
}

/* What a chosen algorithm runs with: FMA only unless TF32 is allowed. */
static cudnnMathType_t math_run(int flags, cudnnMathType_t m)
{
	return (flags & GPU_CONV_TF32) ? m : CUDNN_FMA_MATH;
}

/* First usable entry of a cudnnGet*_v7 list (best first): status success,
 * an allowed math type, deterministic if asked, workspace within `cap`.
 * 1 with algo, math, ws set; 0 if none. */
template <typename Perf, typename Algo>
static int pick(const Perf *perf, int cnt, int flags, size_t cap, Algo *algo,
		cudnnMathType_t *math, size_t *ws)
{
	for (int i = 0; i < cnt; i++) {
		if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > cap ||
		    !math_allowed(flags, perf[i].mathType) ||
		    ((flags & GPU_CONV_DETERMINISTIC) && perf[i].determinism != CUDNN_DETERMINISTIC))
			continue;
		*algo = perf[i].algo;
		*math = math_run(flags, perf[i].mathType);
		*ws = perf[i].memory;
		return 1;
	}
	return 0;
}

/* Points xd and yd at batch n (host-only descriptor updates). */
static int set_batch(GpuConvPlan *p, int n, Err *e)
{
	const ConvShape *s = &p->s;
	int xc = p->transposed ? s->cout : s->cin, xh = p->transposed ? s->oh : s->h;
	int xw = p->transposed ? s->ow : s->w;
	int yc = p->transposed ? s->cin : s->cout, yh = p->transposed ? s->h : s->oh;
	int yw = p->transposed ? s->w : s->ow;
	if (p->cur == n)
		return 0;
	CUDNN_CHECK(e, cudnnSetTensor4dDescriptor(p->xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
						  n, xc, xh, xw));
	CUDNN_CHECK(e, cudnnSetTensor4dDescriptor(p->yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
						  n, yc, yh, yw));
	p->cur = n;
	return 0;
}

/* Picks the three algorithms for the batch the descriptors hold, each
 * needing at most `cap` bytes of workspace. */
static int choose(GpuCtx *g, GpuConvPlan *p, size_t cap, GpuConvAlgo *a, Err *e)
{
	cudnnConvolutionFwdAlgoPerf_t pf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
	cudnnConvolutionBwdDataAlgoPerf_t pd[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
	cudnnConvolutionBwdFilterAlgoPerf_t pw[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
	int nf = 0, nd = 0, nw = 0;
	size_t wf = 0, wd = 0, ww = 0;
	memset(a, 0, sizeof *a);
	CUDNN_CHECK(e, cudnnSetConvolutionMathType(p->cd, math_request(p->flags)));
	CUDNN_CHECK(e, cudnnGetConvolutionForwardAlgorithm_v7(g->dnn, p->xd, p->wd, p->cd,
		p->yd, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &nf, pf));
	CUDNN_CHECK(e, cudnnGetConvolutionBackwardDataAlgorithm_v7(g->dnn, p->wd, p->yd, p->cd,
		p->xd, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &nd, pd));
	CUDNN_CHECK(e, cudnnGetConvolutionBackwardFilterAlgorithm_v7(g->dnn, p->xd, p->yd,
		p->cd, p->wd, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &nw, pw));
	int ff = pick(pf, nf, p->flags, cap, &a->fwd, &a->m_fwd, &wf);
	int fd = pick(pd, nd, p->flags, cap, &a->bwd_data, &a->m_data, &wd);
	int fw = pick(pw, nw, p->flags, cap, &a->bwd_filter, &a->m_filter, &ww);
	if (!ff || !fd || !fw)
		return err_set(e, EXIT_SYS, "cuDNN offers no %s convolution algorithm for "
			       "%dx%dx%dx%d k%d s%d p%d within %zu bytes of workspace",
			       !ff ? "forward" : !fd ? "backward-data" : "backward-filter",
			       p->cur, p->s.cin, p->s.h, p->s.w, p->s.k, p->s.stride, p->s.pad, cap);
	a->n = p->cur;
	a->ws = wf > wd ? wf : wd;
	a->ws = a->ws > ww ? a->ws : ww;
	return 0;
}

/* The cached algorithms for batch n, chosen on first sight of n within the
 * workspace already there (so nothing is allocated after set-up), or, if no
 * algorithm fits, within the limit and the workspace grown once. */
static int algo_for(GpuCtx *g, GpuConvPlan *p, int n, const GpuConvAlgo **out, Err *e)
{
	if (n < 1 || n > p->s.n)
		return err_set(e, EXIT_BAD, "gpu conv: batch %d outside 1 .. %d", n, p->s.n);
	if (set_batch(p, n, e))
		return -1;
	for (int i = 0; i < p->nalgo; i++)
		if (p->algo[i].n == n) {
			*out = &p->algo[i];
			return 0;
		}
	int slot = p->nalgo < GPU_CONV_CACHE ? p->nalgo : GPU_CONV_CACHE - 1;
	GpuConvAlgo *a = &p->algo[slot];
	Err quiet;
	if (choose(g, p, g->ws_bytes, a, &quiet) &&
	    (choose(g, p, g->ws_limit, a, e) || gpu_ws_reserve(g, a->ws, e)))
		return -1;
	if (slot == p->nalgo)
		p->nalgo++;
	*out = a;
	return 0;
}

/* The layer's shape, checked and completed by libcommon's own rules. */
static int plan_shape(GpuConvPlan *p, const ConvShape *s, int transposed, Err *e)
{
	ConvShape c = *s;
	int bad = transposed ? convt2d_shape(&c) : conv2d_shape(&c);
	if (bad || ((s->oh || s->ow) && (s->oh != c.oh || s->ow != c.ow)))
		return err_set(e, EXIT_BAD, "gpu conv: bad shape n %d cin %d %dx%d cout %d "
			       "k %d s %d p %d", s->n, s->cin, s->h, s->w, s->cout, s->k,
			       s->stride, s->pad);
	p->s = c;
	return 0;
}

static int plan_descriptors(GpuConvPlan *p, Err *e)
{
	const ConvShape *s = &p->s;
	CUDNN_CHECK(e, cudnnCreateTensorDescriptor(&p->xd));
	CUDNN_CHECK(e, cudnnCreateTensorDescriptor(&p->yd));
	CUDNN_CHECK(e, cudnnCreateTensorDescriptor(&p->bd));
	CUDNN_CHECK(e, cudnnCreateFilterDescriptor(&p->wd));
	CUDNN_CHECK(e, cudnnCreateConvolutionDescriptor(&p->cd));
	CUDNN_CHECK(e, cudnnSetTensor4dDescriptor(p->bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
						  1, s->cout, 1, 1));
	/* conv: K = cout, C = cin; convt: the conv from its output back to its
	 * input, K = cin, C = cout, so (cin, cout, k, k) is PyTorch's layout. */
	CUDNN_CHECK(e, cudnnSetFilter4dDescriptor(p->wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
		p->transposed ? s->cin : s->cout, p->transposed ? s->cout : s->cin, s->k, s->k));
	CUDNN_CHECK(e, cudnnSetConvolution2dDescriptor(p->cd, s->pad, s->pad, s->stride,
		s->stride, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
	return set_batch(p, s->n, e);
}

/* Checks that cuDNN's output size of the described conv is the y we expect. */
static int plan_check_dims(GpuConvPlan *p, Err *e)
{
	int dn, dc, dh, dw;
	const ConvShape *s = &p->s;
	CUDNN_CHECK(e, cudnnGetConvolution2dForwardOutputDim(p->cd, p->xd, p->wd,
							     &dn, &dc, &dh, &dw));
	int ec = p->transposed ? s->cin : s->cout, eh = p->transposed ? s->h : s->oh;
	int ew = p->transposed ? s->w : s->ow;
	if (dn != s->n || dc != ec || dh != eh || dw != ew)
		return err_set(e, EXIT_SYS, "gpu conv: cuDNN output %dx%dx%dx%d, expected "
			       "%dx%dx%dx%d", dn, dc, dh, dw, s->n, ec, eh, ew);
	return 0;
}

int gpu_conv_plan_init(GpuConvPlan *p, GpuCtx *g, const ConvShape *s, int transposed,
		       int flags, Err *e)
{
	memset(p, 0, sizeof *p);
	p->transposed = !!transposed;
	p->flags = flags;
	if (plan_shape(p, s, transposed, e))
		return -1;
	if (plan_descriptors(p, e) || plan_check_dims(p, e) ||
	    choose(g, p, g->ws_limit, &p->algo[0], e) ||
	    gpu_ws_reserve(g, p->algo[0].ws, e)) {
		gpu_conv_plan_free(p);
		return -1;
	}
	p->nalgo = 1;
	return 0;
}

void gpu_conv_plan_free(GpuConvPlan *p)
{
	if (p->xd)
		(void)cudnnDestroyTensorDescriptor(p->xd);
	if (p->yd)
		(void)cudnnDestroyTensorDescriptor(p->yd);
	if (p->bd)
		(void)cudnnDestroyTensorDescriptor(p->bd);
	if (p->wd)
		(void)cudnnDestroyFilterDescriptor(p->wd);
	if (p->cd)
		(void)cudnnDestroyConvolutionDescriptor(p->cd);
	memset(p, 0, sizeof *p);
}

/* y = conv(x, w), overwriting y. */
static int run_fwd(GpuCtx *g, GpuConvPlan *p, const GpuConvAlgo *a, float *y,
		   const float *x, const float *w, Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	CUDNN_CHECK(e, cudnnSetConvolutionMathType(p->cd, a->m_fwd));
	CUDNN_CHECK(e, cudnnConvolutionForward(g->dnn, &one, p->xd, x, p->wd, w, p->cd, a->fwd,
					       g->ws, g->ws_bytes, &zero, p->yd, y));
	return 0;
}

/* dx = conv^T(dy, w), overwriting dx. */
static int run_data(GpuCtx *g, GpuConvPlan *p, const GpuConvAlgo *a, float *dx,
		    const float *dy, const float *w, Err *e)
{
	const float one = 1.0f, zero = 0.0f;
	CUDNN_CHECK(e, cudnnSetConvolutionMathType(p->cd, a->m_data));
	CUDNN_CHECK(e, cudnnConvolutionBackwardData(g->dnn, &one, p->wd, w, p->yd, dy, p->cd,
		a->bwd_data, g->ws, g->ws_bytes, &zero, p->xd, dx));
	return 0;
}

/* dw += the filter gradient of y = conv(x, w) given dy. */
static int run_filter(GpuCtx *g, GpuConvPlan *p, const GpuConvAlgo *a, float *dw,
		      const float *x, const float *dy, Err *e)
{
	const float one = 1.0f;
	CUDNN_CHECK(e, cudnnSetConvolutionMathType(p->cd, a->m_filter));
	CUDNN_CHECK(e, cudnnConvolutionBackwardFilter(g->dnn, &one, p->xd, x, p->yd, dy, p->cd,
		a->bwd_filter, g->ws, g->ws_bytes, &one, p->wd, dw));
	return 0;
}

/* t (described by td: the layer output) += b (cout) per channel. */
static int add_bias(GpuCtx *g, GpuConvPlan *p, cudnnTensorDescriptor_t td, float *t,
		    const float *b, Err *e)
{
	const float one = 1.0f;
	CUDNN_CHECK(e, cudnnAddTensor(g->dnn, &one, p->bd, b, &one, td, t));
	return 0;
}

/* db (cout) += channel sums of dout (described by td: the layer output). */
static int bias_grad(GpuCtx *g, GpuConvPlan *p, cudnnTensorDescriptor_t td,
		     const float *dout, float *db, Err *e)
{
	const float one = 1.0f;
	CUDNN_CHECK(e, cudnnConvolutionBackwardBias(g->dnn, &one, td, dout, &one, p->bd, db));
	return 0;
}

static int kind_ok(const GpuConvPlan *p, int transposed, Err *e)
{
	if (p->transposed != transposed)
		return err_set(e, EXIT_BAD, "gpu conv: plan made for %s used for %s",
			       p->transposed ? "convt2d" : "conv2d",
			       transposed ? "convt2d" : "conv2d");
	return 0;
}

int gpu_conv2d_forward(GpuCtx *g, GpuConvPlan *p, float *out, const float *in,
		       const float *w, const float *b, int n, Err *e)
{
	const GpuConvAlgo *a;
	if (kind_ok(p, 0, e) || algo_for(g, p, n, &a, e) || run_fwd(g, p, a, out, in, w, e))
		return -1;
	return b ? add_bias(g, p, p->yd, out, b, e) : 0;
}

int gpu_conv2d_backward(GpuCtx *g, GpuConvPlan *p, float *din, float *dw, float *db,
			const float *dout, const float *in, const float *w, int n, Err *e)
{
	const GpuConvAlgo *a;
	if (kind_ok(p, 0, e) || algo_for(g, p, n, &a, e))
		return -1;
	if (db && bias_grad(g, p, p->yd, dout, db, e))
		return -1;
	if (dw && run_filter(g, p, a, dw, in, dout, e))
		return -1;
	return din ? run_data(g, p, a, din, dout, w, e) : 0;
}

int gpu_convt2d_forward(GpuCtx *g, GpuConvPlan *p, float *out, const float *in,
			const float *w, const float *b, int n, Err *e)
{
	const GpuConvAlgo *a;
	if (kind_ok(p, 1, e) || algo_for(g, p, n, &a, e) || run_data(g, p, a, out, in, w, e))
		return -1;
	return b ? add_bias(g, p, p->xd, out, b, e) : 0;
}

int gpu_convt2d_backward(GpuCtx *g, GpuConvPlan *p, float *din, float *dw, float *db,
			 const float *dout, const float *in, const float *w, int n, Err *e)
{
	const GpuConvAlgo *a;
	if (kind_ok(p, 1, e) || algo_for(g, p, n, &a, e))
		return -1;
	if (db && bias_grad(g, p, p->xd, dout, db, e))
		return -1;
	if (dw && run_filter(g, p, a, dw, dout, in, e))
		return -1;
	return din ? run_fwd(g, p, a, din, dout, w, e) : 0;
}
