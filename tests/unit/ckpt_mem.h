/* ckpt_mem.h - the unit tests' checkpoint in memory: ckpt_write into an
 * open_memstream buffer, so two trainers' checkpoints compare byte for
 * byte with memcmp. Include after check.h. */
#ifndef GAN_CKPT_MEM_H
#define GAN_CKPT_MEM_H

#include <stdio.h>

#include "check.h"
#include "ckpt.h"

/* A checkpoint written to memory (*n bytes; free() it). */
static char *ckpt_bytes(const Trainer *t, size_t *n)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, n);
	Err e = { 0 };
	CHECK(ckpt_write(t, f, "mem", &e) == 0);
	fclose(f);
	return buf;
}

#endif
