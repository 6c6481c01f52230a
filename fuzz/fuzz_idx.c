/* fuzz_idx.c - libFuzzer harness for the IDX reader (idx_read_u8, raw or
 * gzip): the input goes into a memfd read through /proc/self/fd, as a file
 * path; any bytes must give a u8 tensor or a one-line error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs declaring more data than this are skipped: idx_read_u8 allocates
 * the declared size (up to IDX_MAX_BYTES) before reading it, and an ASan
 * build poisons all of it on free (see the fuzzing notes). */
#define MAX_ALLOC ((int64_t)64 << 20)

/* Data size the (decompressed) header declares; 0 when it is not a valid
 * u8 IDX header, so the reader rejects it before any allocation. */
static int64_t declared_size(int fd)
{
	int dfd = dup(fd);
	if (dfd < 0 || lseek(dfd, 0, SEEK_SET) != 0) {
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	gzFile gz = gzdopen(dfd, "rb");
	if (!gz) {
		close(dfd);
		return 0;
	}
	uint8_t h[20];
	int n = gzread(gz, h, sizeof h);
	gzclose_r(gz);
	if (n < 4 || h[0] || h[1] || h[2] != 8 || h[3] < 1 || h[3] > 4 || n < 4 + 4 * h[3])
		return 0;
	int64_t total = 1;
	for (int i = 0; i < h[3]; i++) {
		const uint8_t *b = h + 4 + 4 * i;
		int64_t d = (int64_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
		if (d == 0 || d > IDX_MAX_BYTES / total)
			return 0;
		total *= d;
	}
	return total;
}

/* data is one IDX file, raw or gzip. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.idx", 0);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	if (declared_size(fd) > MAX_ALLOC) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	Tensor t;
	Err e = {0};
	if (idx_read_u8(path, &t, &e) == 0) {
		int64_t n = tensor_numel(&t);
		if (t.dtype != DT_U8 || t.ndim < 1 || t.ndim > 4 || n <= 0 || !t.data)
			abort();
		volatile uint8_t sum = 0;
		for (int64_t i = 0; i < n; i++)
			sum ^= ((const uint8_t *)t.data)[i];
		(void)sum;
		tensor_free(&t);
	} else if (e.code == 0 || e.msg[0] == '\0' || strchr(e.msg, '\n') || t.data) {
		abort();
	}
	close(fd);
	return 0;
}
