/* blocked.h - the unit tests' conversion between the plain NCHW layout and
 * oneDNN's nChw<B>c (B channels a block, the layout of BnShape.blk and of
 * dnnlconv_layout), written the slow and obvious way. */
#ifndef GAN_TEST_BLOCKED_H
#define GAN_TEST_BLOCKED_H

#include <stddef.h>

/* dst = src between NCHW and nChw<B>c (to_blk: plain -> blocked) for n
 * examples of c channels (a multiple of B) of hw positions. */
static inline void blk_convert(float *dst, const float *src, int n, int c, int hw, int B,
			       int to_blk)
{
	for (int e = 0; e < n; e++)
		for (int ch = 0; ch < c; ch++)
			for (int q = 0; q < hw; q++) {
				size_t pi = ((size_t)e * c + ch) * hw + q;
				size_t bi = (((size_t)e * (c / B) + ch / B) * hw + q) * B + ch % B;
				if (to_blk)
					dst[bi] = src[pi];
				else
					dst[pi] = src[bi];
			}
}

#endif
