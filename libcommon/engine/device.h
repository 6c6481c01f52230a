/* device.h - where the networks run: parsing --device cpu|cuda, checking a
 * CUDA request against the build and the machine, and picking the default
 * (the GPU when one is present and the model has a GPU implementation). */
#ifndef GAN_DEVICE_H
#define GAN_DEVICE_H

#include "err.h"
#include "model.h"

typedef enum { DEV_AUTO, DEV_CPU, DEV_CUDA } Device;

/* "cpu" or "cuda" into *d. "cuda" fails (EXIT_BAD) with "CUDA support not
 * built" or "--device cuda: no CUDA device found". 0 or -1 with e. */
int device_parse(const char *arg, Device *d, Err *e);
/* 1 if every layer of m's G (and of D when with_d) runs on the GPU: all
 * kinds but minibatch discrimination. */
int device_model_ok(const Model *m, int with_d);
/* The device for a run of m: DEV_AUTO is DEV_CUDA when a device is found
 * and device_model_ok, else DEV_CPU; DEV_CUDA for a model that is not ok
 * fails (EXIT_BAD) naming the model and the layer kind. 0 or -1 with e. */
int device_pick(Device req, const Model *m, int with_d, Device *out, Err *e);

#endif
