/* classifier.h - the feature classifier of gan-eval: a classifier model's
 * [C] network trained on labelled images with softmax cross-entropy and
 * Adam, its accuracy, and the features (the output of the model's feature
 * layer) and class logits of any images, u8 or f32 in [-1, 1]. Stored as
 * safetensors named as PyTorch's state_dict ("C.0.weight"). */
#ifndef GAN_CLASSIFIER_H
#define GAN_CLASSIFIER_H

#include <stdint.h>
#include <stdio.h>
#include "err.h"
#include "model.h"
#include "net.h"
#include "tensor.h"

#define CLF_FORMAT "gantools-classifier-1"

typedef struct {
	Model m;                  /* m.classes > 0 */
	Net net;                  /* all of [C]: training and the file */
	Net feat, head;           /* layers 0..features and the rest, for inference:
				   * copies of net's parameters made by clf_run */
	int max_batch;
	int64_t feat_dim;         /* floats of the feature layer's output */
	uint64_t seed;
	int64_t step, epoch;      /* training done */
	double lr;                /* learning rate before decay */
	float *xb, *dx;           /* max_batch x data; max_batch x classes */
	int64_t *yb;              /* max_batch labels */
	char data_name[128];      /* training data, for the file's metadata */
	double test_acc;          /* after training on a test set; < 0 if none */
} Classifier;

/* Labelled images: x u8 (scaled as x/255*2-1, as gan-step scales them) or
 * f32 in [-1, 1], n x the model's data shape; y (n) in 0 .. classes-1. */
typedef struct {
	const void *x;
	DType dtype;
	int64_t n, ex;
	const int64_t *y;         /* NULL for unlabelled images */
} ClfData;

/* Checks x (and y unless NULL: integer labels, one per image, within the
 * classes) against the model and fills d, converting y into *ybuf (the
 * caller frees it). Messages: "t.npy: x has shape 3x28x28 per example,
 * classifier lenet expects 1x28x28", "t.npy: y[7] is 12, expected 0..9",
 * "f.npy: x[3] holds 1.5, expected f32 images in [-1, 1]". 0 or -1 with e. */
int clf_check_data(const Model *m, const Tensor *x, const Tensor *y, const char *name,
		   ClfData *d, int64_t **ybuf, Err *e);

/* A classifier for batches up to max_batch, parameters initialised per the
 * model from seed (as gan-init draws them). 0 or -1 with e. */
int clf_init(Classifier *c, const Model *m, int max_batch, uint64_t seed, Err *e);
void clf_free(Classifier *c);

/* One epoch's figures for the log callback. */
typedef struct {
	int64_t step, epoch;      /* after the epoch; epoch is 1-based */
	double loss, train_acc;   /* mean over the epoch's batches */
	double test_acc;          /* < 0 without a test set */
	double ex_per_s;
} ClfLog;

/* Trains `epochs` more epochs over d (labelled), a new shuffle per epoch
 * keyed by (seed, epoch), batches of the model's batch (a last batch of one
 * is dropped when C has batch norm), Adam with lr_staircase decay. After
 * each epoch, the accuracy on test (unless NULL) and a log call (unless
 * NULL). -1 with e: EXIT_NONFINITE "step 37: loss is nan". */
int clf_train(Classifier *c, const ClfData *d, const ClfData *test, int64_t epochs,
	      void (*log)(void *ctx, const ClfLog *l), void *ctx, Err *e);

/* Eval-mode pass over d (batch norm from its running statistics): features
 * (n, feat_dim) and logits (n, classes) into the buffers that are not NULL.
 * 0 or -1 with e. */
int clf_run(Classifier *c, const ClfData *d, float *features, float *logits, Err *e);
/* Accuracy and mean cross-entropy of d (labelled) in eval mode. 0 or -1. */
int clf_accuracy(Classifier *c, const ClfData *d, double *acc, double *loss, Err *e);

/* The file: C.* tensors in state_dict order, metadata format, model text,
 * seed, step, epoch, classes, features, feature_dim, data, test_accuracy.
 * 0 or -1 with e. */
int clf_write(Classifier *c, FILE *f, const char *name, Err *e);
/* Reads and validates one ("feat.st: not a gantools classifier ...") for
 * batches up to max_batch. 0 or -1 with e (c left freed). */
int clf_read(Classifier *c, FILE *f, const char *name, int max_batch, Err *e);
/* Finds and reads the classifier `arg`: a path (holds '/' or '.', or names
 * an existing file), else a data set name looked up as classifier-NAME.st
 * in $GANTOOLS_DATA, then data/ of the build tree (build/bin/../../data),
 * then GAN_DATADIR. Messages name what was tried. 0 or -1 with e. */
int clf_load(Classifier *c, const char *arg, int max_batch, Err *e);

#endif
