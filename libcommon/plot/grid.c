/* grid.c - image grids for gan-plot grid and gan-sample --png. */
#include "grid.h"
#include "memcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t to_u8(const Tensor *t, size_t i)
{
	if (t->dtype == DT_U8)
		return ((const uint8_t *)t->data)[i];
	float v = ((const float *)t->data)[i];
	if (!(v == v))
		return 0;
	double p = floor((v + 1.0) * 0.5 * 255.0 + 0.5);
	return (uint8_t)(p < 0 ? 0 : p > 255 ? 255 : p);
}

int grid_size(int64_t n, int c, int ih, int iw, const GridOpt *o, const char *name,
	      int64_t *W, int64_t *H, Err *e)
{
	n = n > 1000000 ? 1000000 : n < 1 ? 1 : n;
	int64_t rows = o->rows, cols = o->cols, s = o->scale < 1 ? 1 : o->scale;
	if (rows <= 0 || cols <= 0) {
		cols = (int64_t)ceil(sqrt((double)n));
		rows = (n + cols - 1) / cols;
	}
	*W = cols * ((int64_t)iw * s + o->pad) + o->pad;
	*H = rows * ((int64_t)ih * s + o->pad) + o->pad;
	if (*W * *H > ((int64_t)1 << 28))
		return err_set(e, EXIT_BAD, "%s: grid of %lldx%lld pixels is too large",
			       name, (long long)*W, (long long)*H);
	char what[200];
	snprintf(what, sizeof what, "%s: the %lldx%lld grid", name, (long long)*W,
		 (long long)*H);
	return mem_check((size_t)(*W * *H * c), what, NULL, e);
}

int grid_compose(const Tensor *t, const char *name, const GridOpt *o,
		 uint8_t **out, int *w, int *h, int *channels, Err *e)
{
	char desc[128];
	if (t->ndim != 4 || (t->dtype != DT_U8 && t->dtype != DT_F32) ||
	    (t->shape[1] != 1 && t->shape[1] != 3) || t->shape[0] < 1 ||
	    t->shape[2] < 1 || t->shape[3] < 1 || t->shape[2] > 4096 || t->shape[3] > 4096)
		return err_set(e, EXIT_BAD, "%s: expected u8 or f32 images N x C x H x W "
			       "with C = 1 or 3, got %s", name, tensor_describe(t, desc, sizeof desc));
	int n = t->shape[0] > 1000000 ? 1000000 : (int)t->shape[0];
	int c = (int)t->shape[1], ih = (int)t->shape[2], iw = (int)t->shape[3];
	int rows = o->rows, cols = o->cols, s = o->scale < 1 ? 1 : o->scale;
	if (rows <= 0 || cols <= 0) {
		cols = (int)ceil(sqrt((double)n));
		rows = (n + cols - 1) / cols;
	}
	int64_t tw = (int64_t)iw * s, th = (int64_t)ih * s;
	int64_t W, H;
	if (grid_size(n, c, ih, iw, o, name, &W, &H, e))
		return -1;
	uint8_t *pic = xmalloc((size_t)(W * H * c));
	memset(pic, o->pad_value, (size_t)(W * H * c));
	for (int k = 0; k < n && k < rows * cols; k++) {
		int64_t ox = o->pad + (k % cols) * (tw + o->pad);
		int64_t oy = o->pad + (k / cols) * (th + o->pad);
		size_t base = (size_t)k * c * ih * iw;
		for (int64_t y = 0; y < th; y++)
			for (int64_t x = 0; x < tw; x++)
				for (int ch = 0; ch < c; ch++)
					pic[((oy + y) * W + ox + x) * c + ch] =
						to_u8(t, base + ((size_t)ch * ih + y / s) * iw + x / s);
	}
	*out = pic;
	*w = (int)W;
	*h = (int)H;
	*channels = c;
	return 0;
}
