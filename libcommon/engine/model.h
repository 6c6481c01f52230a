/* model.h - gantools model files: INI sections [model], [optimizer], [train],
 * [G] and [D] (one layer per line) parsed and shape-checked into a Model; a
 * classifier model has one network, [C], instead of G and D.
 * The format is documented in gantools-model(5). */
#ifndef GAN_MODEL_H
#define GAN_MODEL_H

#include <stdint.h>
#include "activation.h"
#include "err.h"
#include "loss.h"

#define MODEL_MAX_TEXT 16384    /* bytes of model text */
#define MODEL_MAX_LAYERS 64     /* per network */

typedef enum {
	LAYER_LINEAR, LAYER_CONV2D, LAYER_CONVT2D, LAYER_BN1D, LAYER_BN2D,
	LAYER_ACT, LAYER_FLATTEN, LAYER_UNFLATTEN, LAYER_MBDISC
} LayerKind;

typedef enum { INIT_DEFAULT, INIT_NORMAL, INIT_PYTORCH, INIT_GANINTRO } InitKind;
typedef enum { NOISE_NORMAL, NOISE_LINSPACE } NoiseKind;
typedef enum { GSTEP_RECOMPUTE, GSTEP_REUSE, GSTEP_FRESH } GStepKind;
typedef enum { OPT_ADAM, OPT_SGD } OptKind;

/* A tensor shape per example: ndim 1 is (c), ndim 3 is (c, h, w). */
typedef struct {
	int ndim;
	int c, h, w;
} Shape3;

/* One layer line. Meaning of a, b, c by kind: linear in, out; conv2d and
 * convt2d cin, cout; batchnorm features; unflatten C H W; mbdisc in
 * features, kernels, kernel dim. */
typedef struct {
	LayerKind kind;
	int line;                 /* line in the model text, for messages */
	int a, b, c;
	int k, s, p, bias;        /* convolutions; bias also for linear */
	ActKind act;
	float alpha;              /* leaky slope */
	InitKind init;            /* per-layer override, INIT_DEFAULT if none */
	float init_std;
	Shape3 in, out;           /* filled by the shape check */
} LayerSpec;

typedef struct {
	int n;
	LayerSpec l[MODEL_MAX_LAYERS];
} NetSpec;

/* A parsed model. Owns no heap memory: copy it freely. */
typedef struct {
	char name[64];            /* preset or file name, for messages */
	char text[MODEL_MAX_TEXT + 1];
	Shape3 data, latent;
	NoiseKind noise;
	float noise_range, noise_scale;   /* linspace(-range, range) + U*scale */
	InitKind init;
	float init_std;
	LossKind loss;
	int loss_mean;            /* 1: mean over the batch, 0: sum */
	int d_loss_half;          /* 1: (real + fake) / 2, 0: real + fake */
	GStepKind g_step;
	OptKind opt;
	double lr_d, lr_g, beta1, beta2, eps;  /* doubles, as Python floats */
	float decay;
	int decay_every;          /* 0: no decay */
	int batch, epochs, fixed_samples;
	int d_pretrain;           /* steps of MSE pre-training of D (gan-intro) */
	float ema;                /* decay of the EMA of G (0: none) */
	int ema_start;            /* G steps before the EMA starts averaging (copies) */
	float ema_rampup;         /* half-life at most this ratio of the G steps so far (0: none) */
	float pre_mean, pre_std, pre_lo, pre_hi;
	int has_bn;               /* any batch norm in G or D (or C) */
	NetSpec G, D;
	/* Classifier models ([C] instead of [G] and [D]; classes 0 for a GAN). */
	int classes;              /* C's outputs: logits of this many classes */
	int features;             /* C's layer whose output are the features */
	double lr;                /* the classifier's learning rate */
	NetSpec C;
} Model;

/* Parses model text; name is used in messages ("NAME:LINE: what is wrong").
 * Checks shapes through both networks. 0, or -1 with e (EXIT_BAD). */
int model_load(Model *m, const char *text, const char *name_for_messages, Err *e);
/* Reads and parses a model file ("-" is stdin). */
int model_load_file(Model *m, const char *path, Err *e);
/* Finds models/NAME.model: $GAN_MODELS, then ../../models next to the
 * running binary (the build tree), then GAN_DATADIR/models. */
int model_load_preset(Model *m, const char *preset, Err *e);
/* A path (contains '/' or '.', or names an existing file) or a preset name. */
int model_load_any(Model *m, const char *arg, Err *e);

/* Number of floats in one example / one latent vector. */
int64_t shape_numel(const Shape3 *s);
/* "1x28x28" into buf. */
const char *shape_str(const Shape3 *s, char *buf, int n);

#endif
