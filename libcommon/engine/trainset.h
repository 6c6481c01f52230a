/* trainset.h - the data set a trainer reads: x (u8 images, scaled as
 * x/255*2-1 when batches are made, or f32 points) checked against the model
 * before training starts. */
#ifndef GAN_TRAINSET_H
#define GAN_TRAINSET_H

#include <stdint.h>
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

#endif
