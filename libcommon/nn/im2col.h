/* im2col.h - the image/column rearrangements under conv2d.c's GEMMs: im2col
 * (the columns a convolution multiplies) and its adjoint col2im. */
#ifndef GAN_IM2COL_H
#define GAN_IM2COL_H

#include <stddef.h>

/* The image side of an im2col: c channels of h x w, a k x k kernel moved
 * with stride s and zero padding p over an oh x ow grid of positions. */
typedef struct {
	int c, h, w, k, s, p, oh, ow;
} Geom;

/* img (c, h, w) -> col (c*k*k, oh*ow) with row stride ldc; row (ci, ki, kj),
 * column (oy, ox) holds img[ci][oy*s - p + ki][ox*s - p + kj] or 0. */
void im2col(float *col, size_t ldc, const float *img, const Geom *g);
/* The adjoint of im2col: img (c, h, w) = sum of col (c*k*k, oh*ow, row
 * stride ldc) entries put back on the pixels they were read from, each
 * pixel's sum in the order of (ki, kj). col is scratch: the entries that
 * fall on the padding may be set to 0. */
void col2im(float *img, float *col, size_t ldc, const Geom *g);

#endif
