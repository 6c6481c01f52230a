/* grid.h - composes a batch of images (NCHW, u8 or f32 in [-1, 1]) into one
 * picture of rows x cols tiles, as torchvision.utils.make_grid does. */
#ifndef GAN_GRID_H
#define GAN_GRID_H

#include <stdint.h>
#include "err.h"
#include "tensor.h"

typedef struct {
	int rows, cols;   /* 0 = choose: cols = ceil(sqrt(n)), rows to fit */
	int pad;          /* pixels between and around tiles (2, as make_grid) */
	int scale;        /* integer upscaling factor, nearest neighbour (>= 1) */
	uint8_t pad_value;
} GridOpt;

/* t is u8 or f32 of shape (n, c, h, w) with c = 1 or 3 (f32 mapped from
 * [-1, 1] to 0..255 as round((x + 1) / 2 * 255), clamped). Writes a newly
 * allocated HWC picture to *out with *w, *h, *channels (= c). Images past
 * rows*cols are left out. 0 or -1 with e ("NAME: expected images of shape
 * N x C x H x W with C = 1 or 3, got f32 100x2"). */
int grid_compose(const Tensor *t, const char *name, const GridOpt *o,
		 uint8_t **out, int *w, int *h, int *channels, Err *e);
/* The W x H pixels of the grid of n images c x ih x iw that grid_compose
 * makes with o; -1 with e when it passes 2^28 pixels ("NAME: grid of WxH
 * pixels is too large") or cannot fit in memory (memcheck.h), so a caller
 * can refuse before it makes the images. */
int grid_size(int64_t n, int c, int ih, int iw, const GridOpt *o, const char *name,
	      int64_t *W, int64_t *H, Err *e);

#endif
