/* tstats.h - summary statistics of tensor data (min, max, mean, standard
 * deviation) accumulated chunk by chunk, so a large record never needs to be
 * held in memory whole. Every dtype is read as double. */
#ifndef GAN_TSTATS_H
#define GAN_TSTATS_H

#include <stddef.h>
#include <stdint.h>
#include "tensor.h"

typedef struct {
	int64_t n;          /* elements seen */
	int64_t nonfinite;  /* NaN or infinite float elements (left out below) */
	double min, max;
	double mean, m2;    /* Welford running mean and sum of squared deviations */
} TStats;

void tstats_init(TStats *s);
/* Adds count elements of type dt at data (little-endian). */
void tstats_add(TStats *s, DType dt, const void *data, size_t count);
/* Population standard deviation of the finite elements (0 when none). */
double tstats_std(const TStats *s);
/* Element i of dtype dt at data as a double (little-endian; bool 0/1, F16
 * with subnormals, infinities and NaN; NaN for an unknown dtype). */
double dtype_elem(DType dt, const void *data, size_t i);
/* 1 for F16/F32/F64, else 0. */
int dtype_is_float(DType dt);

#endif
