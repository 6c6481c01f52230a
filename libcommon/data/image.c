/* image.c - antialiased bilinear resizing of u8 HWC images, bit-exact with
 * Pillow's Resample.c (so torchvision's Resize on PIL images), and the
 * HWC <-> CHW layout changes used when storing images as NCHW tensors. */
#include "image.h"

#include <math.h>
#include <string.h>

#define PRECISION_BITS (32 - 8 - 2)

/* Pillow's filter length for in -> out: the triangle's support (1) times
 * the downscale factor (at least 1), both sides, plus the centre. */
static int kernel_size(int in, int out)
{
	double scale = (double)in / out;
	double support = scale < 1.0 ? 1.0 : scale;
	return (int)ceil(support) * 2 + 1;
}

static double triangle(double x)
{
	if (x < 0.0)
		x = -x;
	return x < 1.0 ? 1.0 - x : 0.0;
}

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis.
 * bounds is (out, 2): first input index and count; kk is (out, ksize)
 * fixed-point weights summing to about 1 << PRECISION_BITS. */
static void coeffs(int in, int out, int ksize, int32_t *bounds, int32_t *kk)
{
	double scale = (double)in / out;
	double fs = scale < 1.0 ? 1.0 : scale;
	double support = fs, ss = 1.0 / fs;
	for (int xx = 0; xx < out; xx++) {
		double center = (xx + 0.5) * scale, ww = 0.0;
		int xmin = (int)(center - support + 0.5);
		if (xmin < 0)
			xmin = 0;
		int xmax = (int)(center + support + 0.5);
		if (xmax > in)
			xmax = in;
		xmax -= xmin;
		for (int x = 0; x < xmax; x++)
			ww += triangle((x + xmin - center + 0.5) * ss);
		int32_t *k = kk + (size_t)xx * ksize;
		for (int x = 0; x < ksize; x++) {
			double w = x < xmax ? triangle((x + xmin - center + 0.5) * ss) : 0.0;
			if (ww != 0.0)
				w /= ww;
			k[x] = (int32_t)(0.5 + w * (1 << PRECISION_BITS));
		}
		bounds[2 * xx] = xmin;
		bounds[2 * xx + 1] = xmax;
	}
}

static uint8_t clip8(int64_t v)
{
	if (v >= (int64_t)1 << PRECISION_BITS << 8)
		return 255;
	if (v <= 0)
		return 0;
	return (uint8_t)(v >> PRECISION_BITS);
}

/* src (h, sw, c) -> dst (h, dw, c) along x. */
static void pass_h(const uint8_t *src, int sw, int h, uint8_t *dst, int dw, int c,
		   const int32_t *bounds, const int32_t *kk, int ksize)
{
	for (int y = 0; y < h; y++) {
		const uint8_t *row = src + (size_t)y * sw * c;
		uint8_t *out = dst + (size_t)y * dw * c;
		for (int xx = 0; xx < dw; xx++) {
			const int32_t *k = kk + (size_t)xx * ksize;
			int xmin = bounds[2 * xx], xmax = bounds[2 * xx + 1];
			for (int ch = 0; ch < c; ch++) {
				int64_t ss = 1 << (PRECISION_BITS - 1);
				for (int x = 0; x < xmax; x++)
					ss += (int64_t)row[(size_t)(x + xmin) * c + ch] * k[x];
				out[(size_t)xx * c + ch] = clip8(ss);
			}
		}
	}
}

/* src (sh, w, c) -> dst (dh, w, c) along y. */
static void pass_v(const uint8_t *src, int w, uint8_t *dst, int dh, int c,
		   const int32_t *bounds, const int32_t *kk, int ksize)
{
	size_t stride = (size_t)w * c;
	for (int yy = 0; yy < dh; yy++) {
		const int32_t *k = kk + (size_t)yy * ksize;
		int ymin = bounds[2 * yy], ymax = bounds[2 * yy + 1];
		uint8_t *out = dst + (size_t)yy * stride;
		for (size_t i = 0; i < stride; i++) {
			int64_t ss = 1 << (PRECISION_BITS - 1);
			for (int y = 0; y < ymax; y++)
				ss += (int64_t)src[(size_t)(y + ymin) * stride + i] * k[y];
			out[i] = clip8(ss);
		}
	}
}

size_t image_resize_workspace(int sw, int sh, int dw, int dh, int channels)
{
	size_t ints = (size_t)dw * (2 + kernel_size(sw, dw)) +
		      (size_t)dh * (2 + kernel_size(sh, dh));
	size_t bytes = ints * sizeof(int32_t) + (size_t)sh * dw * channels;
	return (bytes + sizeof(float) - 1) / sizeof(float) + 1;
}

void image_resize_u8(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw,
		     int dh, int channels, void *ws)
{
	int kx = kernel_size(sw, dw), ky = kernel_size(sh, dh);
	int32_t *bx = ws, *kkx = bx + (size_t)2 * dw;
	int32_t *by = kkx + (size_t)dw * kx, *kky = by + (size_t)2 * dh;
	uint8_t *tmp = (uint8_t *)(kky + (size_t)dh * ky);
	if (dw == sw && dh == sh) {
		memcpy(dst, src, (size_t)sw * sh * channels);
		return;
	}
	if (dw != sw)
		coeffs(sw, dw, kx, bx, kkx);
	if (dh != sh)
		coeffs(sh, dh, ky, by, kky);
	if (dh == sh) {
		pass_h(src, sw, sh, dst, dw, channels, bx, kkx, kx);
	} else if (dw == sw) {
		pass_v(src, sw, dst, dh, channels, by, kky, ky);
	} else {
		pass_h(src, sw, sh, tmp, dw, channels, bx, kkx, kx);
		pass_v(tmp, dw, dst, dh, channels, by, kky, ky);
	}
}

void image_hwc_to_chw(const uint8_t *src, uint8_t *dst, int w, int h, int c)
{
	size_t plane = (size_t)w * h;
	for (size_t p = 0; p < plane; p++)
		for (int k = 0; k < c; k++)
			dst[(size_t)k * plane + p] = src[p * c + k];
}

void image_chw_to_hwc(const uint8_t *src, uint8_t *dst, int w, int h, int c)
{
	size_t plane = (size_t)w * h;
	for (size_t p = 0; p < plane; p++)
		for (int k = 0; k < c; k++)
			dst[p * c + k] = src[(size_t)k * plane + p];
}
