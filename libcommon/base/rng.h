/* rng.h - Philox4x32-10 counter-based random numbers (as cuRAND and PyTorch
 * use), so the CPU and the GPU can draw the same values. The whole state is
 * (seed, counter): saved in checkpoints as "seed:counter" and restored. */
#ifndef GAN_RNG_H
#define GAN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint64_t seed;     /* Philox key */
	uint64_t counter;  /* next 128-bit block index (high word 0) */
} Rng;

void rng_init(Rng *r, uint64_t seed);
/* One Philox block: 4 x u32 for (seed, ctr). Pure function. */
void philox4x32(uint64_t seed, uint64_t ctr, uint32_t out[4]);
/* The bare Philox4x32-10 bijection of Random123: out = philox(ctr, key).
 * philox4x32(seed, c) is ctr {c lo, c hi, 0, 0}, key {seed lo, seed hi}. */
void philox4x32_raw(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Uniform floats in (0, 1): element i of the call comes from block
 * counter + i/4, word i%4; the counter advances by ceil(n/4). */
void rng_uniform(Rng *r, float *out, size_t n);
/* Normal(mean, std) by Box-Muller on the uniforms above, pairs (u0,u1) and
 * (u2,u3) of each block giving 4 normals; counter advances by ceil(n/4). */
void rng_normal(Rng *r, float *out, size_t n, float mean, float std);
/* Uniform integer in [0, n) (n > 0), unbiased; consumes one block or more. */
uint32_t rng_below(Rng *r, uint32_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(Rng *r, int64_t *idx, int64_t n);

/* "seed:counter" <-> state; parse returns 0 or -1. */
void rng_format(const Rng *r, char *buf, size_t n);
int rng_parse(Rng *r, const char *s);

#endif
