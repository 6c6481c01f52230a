/* memcheck.h - refuses, before any work, allocations that cannot fit in the
 * machine's available memory (Linux overcommits: a plain malloc would
 * succeed and the run would be OOM-killed later). */
#ifndef GAN_MEMCHECK_H
#define GAN_MEMCHECK_H

#include <stddef.h>
#include "err.h"

/* Bytes available for new allocations: MemAvailable of /proc/meminfo, or
 * free pages from sysconf; SIZE_MAX when unknown. GAN_MEM_LIMIT (bytes)
 * overrides, for tests. */
size_t mem_available(void);
/* 0 if bytes fit in mem_available(); else -1 with e (EXIT_BAD):
 * "WHAT needs 412.3 GiB of memory but 20.1 GiB is available; HINT". */
int mem_check(size_t bytes, const char *what, const char *hint, Err *e);

#endif
