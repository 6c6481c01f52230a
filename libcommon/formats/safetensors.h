/* safetensors.h - reading safetensors files: u64 LE header length, a JSON
 * header (parsed with jansson, duplicate keys rejected), raw data. Readable
 * from pipes: the whole file is read into memory once. The writer beside it
 * is st_write.h. */
#ifndef GAN_SAFETENSORS_H
#define GAN_SAFETENSORS_H

#include <stdint.h>
#include <stdio.h>
#include "tensor.h"

#define ST_MAX_HEADER (100u << 20)           /* 100 MB, as the reference crate */
#define ST_MAX_DATA   ((uint64_t)16 << 30)   /* 16 GiB of tensor data */
#define ST_MAX_NAME   1024                   /* bytes in a tensor name */

typedef struct {
	char *name;
	Tensor t;                 /* data points into SafeTensors.blob (borrowed),
				   * 64-byte aligned, so usable as float * */
} StEntry;

typedef struct {
	int n;                    /* tensors, in file order (sorted by offset) */
	StEntry *ents;
	int nmeta;                /* string-only __metadata__, in header order */
	char **meta_keys, **meta_vals;
	void *blob;               /* owned: the tensors, each 64-byte aligned */
} SafeTensors;

/* Reads and validates a whole safetensors file from f (file or pipe); f must
 * hold nothing after the last tensor. Checks: header length bounds, UTF-8
 * JSON object without duplicate keys, known dtypes, shapes, byte length =
 * shape x dtype size, offsets contiguous from 0 to the end of the data,
 * string-only metadata, finite F16/F32/F64 values. name is used in messages.
 * 0, or -1 with e ("ck.st: tensor 'G.0.weight': unknown dtype 'BF16'"); the
 * full list of messages is at the top of safetensors.c. */
int st_read(FILE *f, const char *name, SafeTensors *st, Err *e);
void st_free(SafeTensors *st);
/* Lookups; NULL when absent. */
const Tensor *st_get(const SafeTensors *st, const char *name);
const char *st_meta(const SafeTensors *st, const char *key);

#endif
