/* st_util.h - small helpers shared by the safetensors reader (safetensors.c)
 * and writer (st_write.c); internal to libcommon. */
#ifndef GAN_ST_UTIL_H
#define GAN_ST_UTIL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static inline uint64_t rd_u64le(const unsigned char *b)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static inline void wr_u64le(unsigned char *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* "[2, 3]" into buf (n bytes); "[]" for a 0-d tensor. */
static inline const char *fmt_shape(char *buf, size_t n, int ndim, const int64_t *shape)
{
	size_t len = 0;
	buf[0] = '\0';
	len += (size_t)snprintf(buf, n, "[");
	for (int i = 0; i < ndim && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%" PRId64,
					i ? ", " : "", shape[i]);
	if (len < n)
		snprintf(buf + len, n - len, "]");
	return buf;
}

#endif
