/* test_comm.c - comm.h: alone, the serial communicator, nothing of MPI
 * loaded, and the refusal when mpirun's environment lacks the library;
 * under `mpirun -np K` (tests/mpi.bats), every collective across K ranks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "comm.h"
#include "comm_api.h"
#include "check.h"

#define COMM_TEST_LIB COMM_LIB_NAME

/* 1 if a library whose name contains s is mapped into this process. */
static int mapped(const char *s)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[1024];
	int hit = 0;
	if (!f)
		return -1;
	while (!hit && fgets(line, sizeof line, f))
		hit = strstr(line, s) != NULL;
	fclose(f);
	return hit;
}

static void serial_cases(void)
{
	Comm c;
	Err e = { 0 };
	float f[3] = { 1.5f, -2, 3 };
	double d[2] = { 0.25, 7 };
	unsetenv("OMPI_COMM_WORLD_SIZE");
	CHECK(!comm_launched());
	CHECK(comm_open(&c, &e) == 0);
	CHECK(c.rank == 0 && c.size == 1 && c.api == NULL);
	CHECK(comm_sum_f32(&c, f, 3, &e) == 0 && f[0] == 1.5f && f[1] == -2 && f[2] == 3);
	CHECK(comm_sum_f64(&c, d, 2, &e) == 0 && d[0] == 0.25 && d[1] == 7);
	CHECK(comm_bcast(&c, f, sizeof f, 0, &e) == 0 && f[2] == 3);
	CHECK(comm_barrier(&c, &e) == 0);
	CHECK(comm_all(&c, 1, &e) == 1 && comm_all(&c, 0, &e) == 0);
	CommReq r[2];
	CHECK(comm_isum_f32(&c, f, 3, &r[0], &e) == 0 && comm_test(&c, r, 1, &e) == 0 &&
	      comm_wait(&c, r, 1, &e) == 0 && f[0] == 1.5f && f[2] == 3);
	CHECK(!comm_spans_hosts(&c) && c.prog == NULL);
	CHECK(c.reduce_calls == 0 && c.reduce_bytes == 0);
	CHECK(mapped("libmpi") == 0 && mapped(COMM_TEST_LIB) == 0);
	comm_close(&c);
	/* OMPI_COMM_WORLD_SIZE=1: one process under mpirun, still serial. */
	setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
	CHECK(!comm_launched() && comm_open(&c, &e) == 0 && c.api == NULL);
	unsetenv("OMPI_COMM_WORLD_SIZE");
}

/* Launched (as mpirun would say) but the library is missing: one line. */
static void missing_library(void)
{
	Comm c;
	Err e = { 0 };
	setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
	setenv("GAN_MPI_LIB", "/nonexistent/libgantools-mpi.so", 1);
	CHECK(comm_launched());
	CHECK(comm_open(&c, &e) == -1 && e.code == EXIT_SYS);
	CHECK_STR(e.msg, "launched by mpirun, but MPI support is not built "
		  "(libgantools-mpi.so not found)");
	CHECK(c.api == NULL && c.size == 1);
	unsetenv("OMPI_COMM_WORLD_SIZE");
	unsetenv("GAN_MPI_LIB");
}

/* Sums of rank-dependent values, over more than one of MPI's segments. */
static void sums(Comm *c)
{
	enum { N = 300000 };
	float *f = malloc(N * sizeof *f);
	double *d = malloc(N * sizeof *d);
	Err e = { 0 };
	int k = c->size, bad = 0;
	for (int i = 0; i < N; i++) {
		f[i] = (float)(c->rank + 1) * (float)(i % 97);
		d[i] = (c->rank + 1) * 0.5 + i;
	}
	CHECK(comm_sum_f32(c, f, N, &e) == 0);
	CHECK(comm_sum_f64(c, d, N, &e) == 0);
	for (int i = 0; i < N; i++) {
		bad += f[i] != (float)(k * (k + 1) / 2) * (float)(i % 97);
		bad += d[i] != k * (k + 1) * 0.25 + (double)k * i;
	}
	CHECK_MSG(bad == 0, "%d sums differ", bad);
	CHECK(c->reduce_calls == 2);
	CHECK(c->reduce_bytes == (uint64_t)N * (sizeof *f + sizeof *d));
	CHECK(c->reduce_s > 0);
	free(f);
	free(d);
}

/* Sums in flight: several buffers started, moved on (the progress thread,
 * or comm_test's own tests), a blocking collective in between, then
 * waited for; the same sums as comm_sum_f32, counted as calls and bytes. */
static void sums_in_flight(Comm *c)
{
	enum { N = 200000, K = 3 };
	float *f = malloc(K * N * sizeof *f);
	Err e = { 0 };
	CommReq r[K];
	int k = c->size, bad = 0;
	for (int i = 0; i < K * N; i++)
		f[i] = (float)(c->rank + 1) * (float)(i % 89);
	int64_t calls = c->reduce_calls;
	uint64_t bytes = c->reduce_bytes;
	for (int j = 0; j < K; j++) {
		CHECK(comm_isum_f32(c, f + (size_t)j * N, N, &r[j], &e) == 0);
		CHECK(comm_test(c, r, j + 1, &e) == 0);
	}
	CHECK(comm_barrier(c, &e) == 0);
	CHECK_MSG(comm_wait(c, r, K, &e) == 0, "%s", e.msg);
	CHECK(comm_wait(c, r, K, &e) == 0);   /* completed requests: nothing to wait for */
	for (int i = 0; i < K * N; i++)
		bad += f[i] != (float)(k * (k + 1) / 2) * (float)(i % 89);
	CHECK_MSG(bad == 0, "%d sums differ", bad);
	CHECK(c->reduce_calls == calls + K);
	CHECK(c->reduce_bytes == bytes + (uint64_t)K * N * sizeof *f);
	CHECK(comm_spans_hosts(c) == 0);      /* mpirun -np K on one host */
	free(f);
}

static void collectives(Comm *c)
{
	Err e = { 0 };
	char buf[32];
	snprintf(buf, sizeof buf, "rank %d", c->rank);
	CHECK(comm_bcast(c, buf, sizeof buf, c->size - 1, &e) == 0);
	char want[32];
	snprintf(want, sizeof want, "rank %d", c->size - 1);
	CHECK_STR(buf, want);
	CHECK(comm_barrier(c, &e) == 0);
	CHECK(comm_all(c, 1, &e) == 1);
	CHECK(comm_all(c, c->rank != 1, &e) == 0);
	CHECK(comm_bcast(c, buf, 1, c->size, &e) == -1);
}

static void mpi_cases(void)
{
	Comm c;
	Err e = { 0 };
	const char *want = getenv("OMPI_COMM_WORLD_SIZE");
	CHECK_MSG(comm_open(&c, &e) == 0, "%s", e.msg);
	if (!c.api)
		return;
	CHECK(c.size == atoi(want) && c.rank >= 0 && c.rank < c.size);
	CHECK(mapped(COMM_TEST_LIB) == 1);
	sums(&c);
	sums_in_flight(&c);
	CHECK(c.prog != NULL);                /* Debian's Open MPI grants SERIALIZED */
	collectives(&c);
	comm_close(&c);
	CHECK(c.api == NULL && c.size == 1);
}

static void run(void)
{
	if (comm_launched()) {
		mpi_cases();
		return;
	}
	serial_cases();
	missing_library();
}

CHECK_MAIN("test_comm")
