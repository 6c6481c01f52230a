/* device.h - where the networks run: parsing --device cpu|cuda, which
 * layers each device supports (its backend's supports answer), picking the
 * default (the GPU when one is present and runs every layer), and opening
 * the backend of a device, which gan-step and gan-sample then place their
 * networks on (net_place, trainer_place). */
#ifndef GAN_DEVICE_H
#define GAN_DEVICE_H

#include "backend.h"
#include "err.h"
#include "model.h"

typedef enum { DEV_AUTO, DEV_CPU, DEV_CUDA } Device;
/* The convolution kernels. On the CPU (--kernels): OpenBLAS (conv2d.c, the
 * reference) or oneDNN (dnnlconv.h), its products in f32 or (--precision
 * bf16) in bf16. On the GPU: cuDNN's FP32 algorithms (KERNELS_BLAS, the
 * default) or (--precision tf32) those with TF32 tensor cores too. */
typedef enum { KERNELS_BLAS, KERNELS_ONEDNN, KERNELS_ONEDNN_BF16, KERNELS_CUDA_TF32 } Kernels;
/* The start of every refusal of --precision tf32 off a GPU (gan-step's
 * option checks and device_open_kernels). */
#define TF32_ONLY_GPU "--precision tf32 runs on a GPU's tensor cores"

/* "cpu" or "cuda" into *d. "cuda" fails (EXIT_BAD) with "CUDA support not
 * built" or "--device cuda: no CUDA device found". 0 or -1 with e. */
int device_parse(const char *arg, Device *d, Err *e);
/* 1 if device d (DEV_CPU or DEV_CUDA) runs layer s: the supports answer of
 * its backend, known without loading it. */
int device_supports(Device d, const LayerSpec *s);
/* 1 if every layer of m's G (and of D when with_d) runs on the GPU. */
int device_model_ok(const Model *m, int with_d);
/* The device for a run of m: DEV_AUTO is DEV_CUDA when a device is found
 * and device_model_ok, else DEV_CPU; DEV_CUDA for a model that is not ok
 * fails (EXIT_BAD) naming the model and the layer kind. 0 or -1 with e. */
int device_pick(Device req, const Model *m, int with_d, Device *out, Err *e);
/* The backend of device d (DEV_CPU or DEV_CUDA): the CPU's, or a new
 * context on CUDA device 0. 0 or -1 with e ("CUDA support not built"). */
int device_open(Device d, Backend *be, Err *e);
/* "blas" or "onednn" into *k; 0 or -1 with e (EXIT_BAD). */
int kernels_parse(const char *arg, Kernels *k, Err *e);
/* device_open with the kernels k: the CPU's, or for DEV_CUDA KERNELS_BLAS
 * or KERNELS_CUDA_TF32 (any other is KERNELS_BLAS there); KERNELS_CUDA_TF32
 * on the CPU fails (EXIT_BAD). */
int device_open_kernels(Device d, Kernels k, Backend *be, Err *e);
/* Closes what device_open opened, once nothing is placed on it. */
void device_close(Backend be);

#endif
