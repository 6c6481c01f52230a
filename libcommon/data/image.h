/* image.h - 8-bit image helpers: antialiased bilinear resizing matching
 * PIL's Image.resize(BILINEAR) (so torchvision's Resize), and HWC <-> CHW
 * layout changes. */
#ifndef GAN_IMAGE_H
#define GAN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Workspace image_resize_u8 needs for these sizes, counted in floats (so
 * malloc(n * sizeof(float)) bytes). Never 0. */
size_t image_resize_workspace(int sw, int sh, int dw, int dh, int channels);

/* src is (sh, sw, channels) u8, dst is (dh, dw, channels) u8, HWC.
 * Bit-exact with PIL's Image.resize((dw, dh), BILINEAR) (Pillow's
 * Resample.c): triangle filter whose support widens by the downscale
 * factor, coefficients in 22-bit fixed point, a horizontal pass into u8 then
 * a vertical pass, each rounded to nearest and clamped; a pass whose size is
 * unchanged is skipped, so equal sizes copy the input exactly.
 * ws: malloc'ed memory of image_resize_workspace(...) floats, used as raw
 * storage (a float * converts implicitly). All sizes must be >= 1; the
 * caller validates them. */
void image_resize_u8(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw,
		     int dh, int channels, void *ws);

/* src (h, w, c) -> dst (c, h, w). */
void image_hwc_to_chw(const uint8_t *src, uint8_t *dst, int w, int h, int c);
/* src (c, h, w) -> dst (h, w, c). */
void image_chw_to_hwc(const uint8_t *src, uint8_t *dst, int w, int h, int c);

#endif
