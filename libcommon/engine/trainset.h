/* trainset.h - the data set a trainer reads: a .npy stream of x (u8
 * images, scaled as x/255*2-1 when batches are made, or f32 points) and an
 * optional y of labels, checked against the model before training starts. */
#ifndef GAN_TRAINSET_H
#define GAN_TRAINSET_H

#include <stdint.h>
#include <stdio.h>
#include "err.h"
#include "tensor.h"
#include "train.h"

/* A data set in memory: u8 or f32, n examples of ex elements (borrowed). */
typedef struct {
	const void *x;
	DType dtype;
	int64_t n;
	int64_t ex;               /* elements per example */
} TrainSet;

/* Checks that x (u8 or f32, N x data shape; f32 finite) fits the model and
 * has at least one batch, and fills d (borrowing x's data). name is the data
 * file's name for messages: "d.npy: x has shape 1x28x28 per example, model
 * gaussian2d expects 2". 0 or -1 with e. */
int trainset_check(const Trainer *t, const Tensor *x, const char *name, TrainSet *d, Err *e);
/* Reads a data stream from f: x (record 1, into *x, which the caller frees
 * with tensor_free), checked by trainset_check into d; then record 2, when
 * there is one, must be y: N integer labels of shape (N,) for the N examples
 * of x; nothing may follow. Messages: "d.npy: empty stream (expected an x
 * record)", "d.npy: record 2: expected labels y (integers, shape (64,)), got
 * f32 64x2", "d.npy: record 3: unexpected record (a data set is x and an
 * optional y)". 0 or -1 with e (x freed). */
int trainset_read(FILE *f, const char *name, const Trainer *t, Tensor *x, TrainSet *d,
		  Err *e);

#endif
