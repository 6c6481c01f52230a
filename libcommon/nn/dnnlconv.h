/* dnnlconv.h - the convolutions of conv2d.h through oneDNN's JIT direct
 * kernels (`--kernels onednn`), the OpenBLAS path (conv2d.c) staying the
 * reference. libdnnl.so.2 is loaded at run time (dlopen) the first time a
 * plan is made, so nothing else pays for it; a build without <dnnl.h> has
 * the functions and they fail with "oneDNN support not built".
 *
 * Results do not depend on the thread count, as on the OpenBLAS path: the
 * batch is cut into chunks of at most DNNL_CHUNK examples (a fact of the
 * shape), each run by a primitive made for one thread; a weight gradient is
 * the sum, in chunk order, of per-piece sums whose pieces also follow from
 * the shape alone (layers of few output positions sum calls of up to 4
 * chunks, see dnnlconv.c). Activations stay NCHW between layers; each chunk is
 * reordered into and out of oneDNN's blocked layouts around the kernel. */
#ifndef GAN_DNNLCONV_H
#define GAN_DNNLCONV_H

#include <stddef.h>

#include "conv2d.h"
#include "err.h"

/* Examples per primitive call: measured best (or within 2 %) for every
 * dcgan64 and dcgan-mnist layer at 4-8 on one Xeon thread (bench/layers). */
#define DNNL_CHUNK 8

/* The loaded library, its CPU engine and the scratch arena every plan made
 * from it shares (its calls must not overlap). */
typedef struct DnnlLib DnnlLib;
/* A layer: conv2d (transposed 0) or convt2d of shape s, s->n the largest batch. */
typedef struct DnnlConv DnnlConv;

/* Loads libdnnl.so.2 and makes the engine; 0 or -1 with e. */
int dnnl_lib_open(DnnlLib **lib, Err *e);
void dnnl_lib_close(DnnlLib *lib);
/* oneDNN's name of its ISA for messages ("avx512_core", ...); "" if unknown. */
const char *dnnl_lib_isa(const DnnlLib *lib);
/* Plans made from now on take bf16 products (--precision bf16): each
 * pass's inputs and the weights are rounded to bfloat16 as they are
 * reordered into oneDNN's layouts, the products accumulate in f32 and the
 * results (outputs, both gradients) are f32, as are the weights kept.
 * Refused (-1 with e) where the CPU has no AVX512_BF16. */
int dnnl_lib_bf16(DnnlLib *l, Err *e);
/* The first failure of a run-time call since open: 0, or -1 with e. */
int dnnl_lib_error(const DnnlLib *lib, Err *e);

/* The plan for a conv2d / convt2d layer of shape s (after conv2d_shape or
 * convt2d_shape), or *out = NULL where oneDNN would not be the faster path
 * (the dense cases of conv2d.c, which are products already). The primitives
 * of full chunks and of the last chunk of s->n are made here; those of
 * another remainder the first time a batch needs them. 0 or -1 with e. */
int dnnlconv_plan(DnnlConv **out, DnnlLib *lib, const ConvShape *s, int transposed, Err *e);
/* 1 if a layer of shape s (s->n its largest batch) should run on oneDNN at
 * all: 0 for those whose small side (a conv2d's output, a convt2d's input)
 * has at most 16 positions where lib runs f32 and either its kernels are
 * AVX2 or older, or OpenBLAS runs AVX-512 kernels on a CPU of
 * dnnlconv_blas_small and the batch has at most 2048 such positions;
 * conv2d.c runs those faster (dnnlconv.c says where measured).
 * gan-step asks it before dnnlconv_plan; the plan itself serves any shape. */
int dnnlconv_wanted(const DnnlLib *lib, const ConvShape *s, int transposed);
/* 1 on the CPUs where OpenBLAS's AVX-512 kernels ran dcgan64's 4x4 layers
 * faster than oneDNN's at batch 64: AMD's of family 0x1A (Zen 5) and later
 * (cpuid); 0 elsewhere (a Zen 4 ran them 6-9 % slower, an Intel Xeon
 * alike within noise). */
int dnnlconv_blas_small(void);
void dnnlconv_free(DnnlConv *p);
/* 16 or 8 if the layer's output (out_side 1) or input (0) may be held in
 * oneDNN's nChw16c or nChw8c layout (batchnorm.h's BnShape.blk), the one
 * its oneDNN passes want (AVX-512's kernels: 16, AVX2's: 8): its channels a
 * multiple of that and the products f32; else 0. */
int dnnlconv_blockable(const DnnlConv *p, int out_side);
/* The layouts the layer's input and output are held in from now on: plain
 * NCHW (0), nChw16c (16) or nChw8c (8; where dnnlconv_blockable). The
 * passes then read and write them so, without their reorders where
 * oneDNN's kernels want that layout too; the passes that stay on conv2d.c
 * convert to and from plain copies. The primitives are made again. 0 or
 * -1 with e. */
int dnnlconv_layout(DnnlConv *p, int in_blk, int out_blk, Err *e);

/* As conv2d_forward / convt2d_forward and conv2d_backward /
 * convt2d_backward for batch n <= s->n (same arguments; ws is the layer's
 * conv2d.c workspace, for the passes that stay there: those whose result
 * has fewer than 16 channels, where oneDNN's kernels are slower). 0, or -1
 * with the failure kept in the lib. */
int dnnlconv_forward(DnnlConv *p, float *out, const float *in, const float *w,
		     const float *b, int n, float *ws);
int dnnlconv_backward(DnnlConv *p, float *din, float *dw, float *db, const float *dout,
		      const float *in, const float *w, int n, float *ws);

#endif
