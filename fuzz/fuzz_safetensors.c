/* fuzz_safetensors.c - libFuzzer harness for the safetensors reader
 * (st_read), both as a regular file (a memfd) and as a pipe-like stream
 * (fmemopen); the two must agree, and what is read must write back equal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "safetensors.h"
#include "st_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An error must carry a code and a one-line message. */
static void check_err(const Err *e)
{
	if (e->code == 0 || e->msg[0] == '\0' || strchr(e->msg, '\n'))
		abort();
}

/* The input as a regular file: a memfd rewound to its start, or NULL. */
static FILE *as_file(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.st", 0);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w+b");
	if (!f) {
		close(fd);
		return NULL;
	}
	if ((size && fwrite(data, 1, size, f) != size) || fflush(f) != 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	return f;
}

/* Same tensors (names, dtypes, shapes, bytes) and metadata, or abort. */
static void check_same(const SafeTensors *a, const SafeTensors *b)
{
	if (a->n != b->n || a->nmeta != b->nmeta)
		abort();
	for (int i = 0; i < a->n; i++) {
		const Tensor *s = &a->ents[i].t;
		const Tensor *t = st_get(b, a->ents[i].name);
		if (!t || t->dtype != s->dtype || t->ndim != s->ndim ||
		    memcmp(t->shape, s->shape, sizeof(int64_t) * (size_t)s->ndim) != 0)
			abort();
		int64_t nb = tensor_nbytes(s, NULL);
		if (nb < 0 || ((uintptr_t)t->data & 63) || memcmp(t->data, s->data, (size_t)nb))
			abort();
	}
	for (int i = 0; i < a->nmeta; i++) {
		const char *v = st_meta(b, a->meta_keys[i]);
		if (!v || strcmp(v, a->meta_vals[i]) != 0)
			abort();
	}
}

/* Writes st with the writer and reads it back: it must be the same. */
static void round_trip(const SafeTensors *st)
{
	StWriter w;
	stw_init(&w);
	for (int i = 0; i < st->n; i++) {
		const Tensor *t = &st->ents[i].t;
		stw_add(&w, st->ents[i].name, t->dtype, t->ndim, t->shape, t->data);
	}
	for (int i = 0; i < st->nmeta; i++)
		stw_meta(&w, st->meta_keys[i], st->meta_vals[i]);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	Err e = {0};
	if (!f || stw_write(&w, f, "rt.st", &e) != 0)
		abort();
	fclose(f);
	stw_free(&w);
	SafeTensors back;
	f = fmemopen(buf, len, "rb");
	if (!f || st_read(f, "rt.st", &back, &e) != 0)
		abort();
	fclose(f);
	check_same(st, &back);
	check_same(&back, st);
	st_free(&back);
	free(buf);
}

/* data is one safetensors file. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SafeTensors a, b;
	Err ea = {0}, eb = {0};
	FILE *f = as_file(data, size);
	if (!f)
		return 0;
	int ra = st_read(f, "fuzz.st", &a, &ea);
	fclose(f);
	if (ra != 0) {
		check_err(&ea);
		/* A short file is caught before allocation only on regular files;
		 * a stream allocates the declared data size first. */
		if (strstr(ea.msg, "truncated (expected"))
			return 0;
	}
	char empty[1] = {0};
	f = fmemopen(size ? (void *)data : empty, size, "rb");
	if (!f) {
		if (ra == 0)
			st_free(&a);
		return 0;
	}
	int rb = st_read(f, "fuzz.st", &b, &eb);
	fclose(f);
	if (rb != 0)
		check_err(&eb);
	if (ra != rb)
		abort();
	if (ra == 0) {
		check_same(&a, &b);
		round_trip(&a);
		st_free(&a);
		st_free(&b);
	}
	return 0;
}
