/* netsize.h - the memory of a network from its spec alone, computed once
 * (llm.c's fill_in_parameter_sizes): where each array sits in the network's
 * two blocks (the state: parameters, gradients, Adam moments and buffers; the
 * work: activations, saved values, workspace and the backward ping-pong
 * buffers) and the bytes of each, so that one allocation per block holds every
 * array and a caller knows a network's need before allocating anything. */
#ifndef GAN_NETSIZE_H
#define GAN_NETSIZE_H

#include <stddef.h>
#include <stdint.h>
#include "batchnorm.h"
#include "conv2d.h"
#include "err.h"
#include "model.h"

/* Every array starts at a multiple of this many floats (64 bytes). */
#define NETSIZE_ALIGN 16

/* Offsets in floats into the state or the work block; -1 where absent. */
typedef struct {
	int64_t np, nb;            /* parameter floats; buffer floats (BN running stats) */
	int64_t params, grads, m, v, bufs;      /* offsets into the state */
	int64_t state;             /* floats of the state block */
	struct {
		int64_t w, b;          /* parameters, at the same offsets in grads, m, v */
		int64_t w_n, b_n;
		int64_t rm, rv;        /* running mean and variance in bufs */
		int64_t out;           /* activation (max_batch, out_n) in the work block;
					* a reshape has none, an in-place activation the
					* previous layer's */
		int64_t save;          /* BN mean then rstd (2c), mbdisc act (n k d) */
		int inplace;           /* out is the previous layer's (see netsize.c) */
		ConvShape cs;          /* convolutions, n = max_batch */
		BnShape bs;            /* batch norm, n = max_batch */
	} l[MODEL_MAX_LAYERS];
	int64_t ws, ws_n;          /* workspace shared by the layers (>= 1 float) */
	int64_t s0, s1, s_n;       /* backward ping-pong buffers (max_batch x widest) */
	int64_t work;              /* floats of the work block */
	size_t bytes;              /* (state + work) floats in bytes; SIZE_MAX if that
				    * does not fit in a size_t */
} NetSize;

/* Weight shape of a layer with parameters: returns ndim (0 for none) and
 * fills shape (PyTorch's layout: ConvTranspose [in, out, k, k]) and the
 * length of its bias (BN: beta) in *bias_n. */
int layer_weight_shape(const LayerSpec *s, int64_t *shape, int64_t *bias_n);
/* Sizes of a network of spec s for batches up to max_batch (>= 1). Never
 * fails: a size beyond size_t saturates bytes at SIZE_MAX. */
void net_size(NetSize *z, const NetSpec *s, int max_batch);
/* Bytes of a trainer of m for batches up to max_batch: both networks, the
 * EMA of G when the model keeps one, and the batch buffers (noise twice, a
 * data batch, D's output gradient, G's output gradient, the fixed sample
 * noise); SIZE_MAX when it does not fit. */
size_t trainer_bytes(const Model *m, int max_batch);

#endif
