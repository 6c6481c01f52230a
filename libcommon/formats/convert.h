/* convert.h - the arrays people have, made into what the tools compute on:
 * NumPy's float64 default, integer points, integer pixels, Fortran order
 * and channels-last images, converted on read. */
#ifndef GAN_CONVERT_H
#define GAN_CONVERT_H

#include "err.h"
#include "tensor.h"

/* Makes t f32 in place: f32 stays, other floats and integers are converted
 * (rounded to nearest; integers above 2^24 may round). bool is refused, as
 * are finite f64 values beyond f32's range ("x.npy: x: f64 value 1e+300 at
 * index 7 is out of the f32 range"). name is the file for messages. 0 or -1. */
int convert_to_f32(Tensor *t, const char *name, Err *e);
/* Makes t images the tools read: u8 and f32 stay; another integer dtype
 * becomes u8 when every value is a pixel value 0..255, else refused
 * ("x.npy: x: i64 images hold 300 at index 4, expected pixels 0..255");
 * f16 and f64 become f32 (values taken in [-1, 1] as f32 images are). 0 or -1. */
int convert_to_images(Tensor *t, const char *name, Err *e);
/* Reorders data stored in Fortran (column-major) order into C order, in
 * place (t keeps its shape). 0, or -1 with e when out of memory. */
int convert_fortran_to_c(Tensor *t, Err *e);
/* images N x H x W x C (C = 1 or 3, channels last) -> N x C x H x W, in
 * place; N x H x W (grey) -> N x 1 x H x W. Rule: a rank-4 tensor whose
 * dim 1 is 1 or 3 is NCHW already; else one whose last dim is 1 or 3 is
 * NHWC. Returns 1 when it converted, 0 when t was left as it is, -1 with e
 * when out of memory. */
int convert_images_to_nchw(Tensor *t, Err *e);

#endif
