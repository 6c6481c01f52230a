/* apng.h - animated PNG (APNG, the PNG extension every current browser
 * plays): frames of one size written as one file, the first frame also
 * being the still picture that viewers without APNG support show. */
#ifndef GAN_APNG_H
#define GAN_APNG_H

#include <stdint.h>
#include "err.h"

/* Writes n >= 1 RGB frames, each h x w x 3 (HWC, 8-bit), to path (NULL or
 * "-": stdout, refused on a terminal; a named file atomically) as an APNG
 * that shows each frame for delay_ms milliseconds (1 to 65535) and plays
 * loops times (0: forever). Every frame is a full frame (no blending).
 * 0 or -1 with e. */
int apng_write(const char *path, const uint8_t *const *frames, int n, int w, int h,
	       int delay_ms, int loops, Err *e);

#endif
