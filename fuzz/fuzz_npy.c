/* fuzz_npy.c - libFuzzer harness for the .npy stream reader: every record
 * of the input is read (npy_read, then again header first with the data in
 * chunks); each record read is written back and must read back identical. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records claiming more than this are read in chunks only: npy_read
 * allocates the declared size before reading (see the fuzzing notes). */
#define MAX_ALLOC ((int64_t)64 << 20)
#define MAX_RECORDS 256
#define CHUNK 4096

/* An error must carry a code and a one-line message. */
static void check_err(const Err *e)
{
	if (e->code == 0 || e->msg[0] == '\0' || strchr(e->msg, '\n'))
		abort();
}

/* Writes t as a .npy record and reads it back: same dtype, shape, bytes. */
static void round_trip(const Tensor *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *w = open_memstream(&buf, &len);
	if (!w)
		return;
	Err e = {0};
	int rc = npy_write(w, "rt.npy", t, &e);
	fclose(w);
	if (rc != 0)
		abort();
	FILE *r = fmemopen(buf, len, "rb");
	Tensor u, v;
	if (!r || npy_read(r, "rt.npy", 1, &u, &e) != 1)
		abort();
	int64_t nb = tensor_nbytes(t, NULL);
	if (u.dtype != t->dtype || u.ndim != t->ndim ||
	    memcmp(u.shape, t->shape, sizeof(int64_t) * (size_t)t->ndim) != 0 ||
	    memcmp(u.data, t->data, (size_t)nb) != 0 || npy_read(r, "rt.npy", 2, &v, &e) != 0)
		abort();
	tensor_free(&u);
	fclose(r);
	free(buf);
}

/* The whole stream through npy_read. */
static void read_records(FILE *f)
{
	for (int i = 1; i <= MAX_RECORDS; i++) {
		Tensor h, t;
		Err e = {0};
		long pos = ftell(f);
		int rc = npy_read_header(f, "fuzz.npy", i, &h, &e);
		if (rc < 0)
			check_err(&e);
		if (rc <= 0)
			return;
		if (tensor_nbytes(&h, NULL) > MAX_ALLOC)
			return;
		fseek(f, pos, SEEK_SET);
		rc = npy_read(f, "fuzz.npy", i, &t, &e);
		if (rc != 1) {
			check_err(&e);
			return;
		}
		round_trip(&t);
		tensor_free(&t);
	}
}

/* The whole stream header first, the data in CHUNK-byte pieces. */
static void read_chunked(FILE *f)
{
	static const size_t chunk = CHUNK;
	unsigned char *buf = malloc(chunk);
	for (int i = 1; buf && i <= MAX_RECORDS; i++) {
		Tensor h;
		Err e = {0};
		int rc = npy_read_header(f, "fuzz.npy", i, &h, &e);
		if (rc < 0)
			check_err(&e);
		if (rc <= 0 || h.data)
			break;
		int64_t left = tensor_nbytes(&h, NULL);
		while (left > 0 && rc == 1) {
			size_t n = left > (int64_t)chunk ? chunk : (size_t)left;
			if (npy_read_data(f, "fuzz.npy", i, buf, n, &e) < 0) {
				check_err(&e);
				rc = -1;
			}
			left -= (int64_t)n;
		}
		if (rc != 1)
			break;
	}
	free(buf);
}

/* data is one .npy stream. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char empty[1] = {0};
	FILE *f = fmemopen(size ? (void *)data : empty, size, "rb");
	if (!f)
		return 0;
	read_records(f);
	rewind(f);
	read_chunked(f);
	fclose(f);
	return 0;
}
