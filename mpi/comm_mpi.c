/* comm_mpi.c - the MPI half of comm.h, built with mpicc into
 * libgantools-mpi.so (mpi/mpi.mk) and loaded by comm.c only under mpirun.
 * Errors come back as codes (MPI_ERRORS_RETURN) with MPI's own text. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <mpi.h>

#include "comm_api.h"

/* msg = MPI's text for rc; returns rc. */
static int fail(int rc, char *msg, size_t mn)
{
	char s[MPI_MAX_ERROR_STRING];
	int len = 0;
	if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
		snprintf(s, sizeof s, "MPI error %d", rc);
	snprintf(msg, mn, "%s", s);
	return rc;
}

static int init(int *rank, int *size, int *serialized, char *msg, size_t mn)
{
	int have = 0, rc, level = MPI_THREAD_SINGLE;
	if (MPI_Initialized(&have) == MPI_SUCCESS && !have) {
		rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &level);
		if (rc != MPI_SUCCESS)
			return fail(rc, msg, mn);
	} else if (MPI_Query_thread(&level) != MPI_SUCCESS) {
		level = MPI_THREAD_SINGLE;
	}
	*serialized = level >= MPI_THREAD_SERIALIZED;
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	if ((rc = MPI_Comm_rank(MPI_COMM_WORLD, rank)) != MPI_SUCCESS ||
	    (rc = MPI_Comm_size(MPI_COMM_WORLD, size)) != MPI_SUCCESS)
		return fail(rc, msg, mn);
	return 0;
}

/* In-place MPI_Allreduce of n elements of type t (each elem bytes) with op,
 * in pieces of at most INT_MAX elements. */
static int allreduce(void *buf, size_t n, size_t elem, MPI_Datatype t, MPI_Op op,
		     char *msg, size_t mn)
{
	char *p = buf;
	while (n > 0) {
		int k = n > INT_MAX ? INT_MAX : (int)n;
		int rc = MPI_Allreduce(MPI_IN_PLACE, p, k, t, op, MPI_COMM_WORLD);
		if (rc != MPI_SUCCESS)
			return fail(rc, msg, mn);
		p += (size_t)k * elem;
		n -= (size_t)k;
	}
	return 0;
}

static int sum_f32(float *buf, size_t n, char *msg, size_t mn)
{
	return allreduce(buf, n, sizeof *buf, MPI_FLOAT, MPI_SUM, msg, mn);
}

static int sum_f64(double *buf, size_t n, char *msg, size_t mn)
{
	return allreduce(buf, n, sizeof *buf, MPI_DOUBLE, MPI_SUM, msg, mn);
}

_Static_assert(sizeof(MPI_Request) <= sizeof(CommReq), "CommReq cannot hold an MPI_Request");

static int isum_f32(float *buf, size_t n, CommReq *req, char *msg, size_t mn)
{
	MPI_Request r;
	if (n > INT_MAX) {
		snprintf(msg, mn, "a sum of %zu floats in one request", n);
		return MPI_ERR_COUNT;
	}
	int rc = MPI_Iallreduce(MPI_IN_PLACE, buf, (int)n, MPI_FLOAT, MPI_SUM,
				MPI_COMM_WORLD, &r);
	if (rc != MPI_SUCCESS)
		return fail(rc, msg, mn);
	memcpy(req->b, &r, sizeof r);
	return 0;
}

/* The requests of reqs[0..n) into r (at most 64 at a time). */
#define REQ_MAX 64
static int requests(MPI_Request *r, const CommReq *reqs, int n, char *msg, size_t mn)
{
	if (n < 0 || n > REQ_MAX) {
		snprintf(msg, mn, "%d requests at once, at most %d", n, REQ_MAX);
		return MPI_ERR_COUNT;
	}
	for (int i = 0; i < n; i++)
		memcpy(&r[i], reqs[i].b, sizeof r[i]);
	return 0;
}

/* reqs back from r (completed ones are MPI_REQUEST_NULL). */
static void requests_back(CommReq *reqs, const MPI_Request *r, int n)
{
	for (int i = 0; i < n; i++)
		memcpy(reqs[i].b, &r[i], sizeof r[i]);
}

static int test_reqs(CommReq *reqs, int n, int *done, char *msg, size_t mn)
{
	MPI_Request r[REQ_MAX];
	int rc = requests(r, reqs, n, msg, mn);
	if (rc)
		return rc;
	rc = MPI_Testall(n, r, done, MPI_STATUSES_IGNORE);
	requests_back(reqs, r, n);
	return rc == MPI_SUCCESS ? 0 : fail(rc, msg, mn);
}

static int wait_reqs(CommReq *reqs, int n, char *msg, size_t mn)
{
	MPI_Request r[REQ_MAX];
	int rc = requests(r, reqs, n, msg, mn);
	if (rc)
		return rc;
	rc = MPI_Waitall(n, r, MPI_STATUSES_IGNORE);
	requests_back(reqs, r, n);
	return rc == MPI_SUCCESS ? 0 : fail(rc, msg, mn);
}

static int min_int(int *buf, size_t n, char *msg, size_t mn)
{
	return allreduce(buf, n, sizeof *buf, MPI_INT, MPI_MIN, msg, mn);
}

static int bcast(void *buf, size_t bytes, int root, char *msg, size_t mn)
{
	char *p = buf;
	while (bytes > 0) {
		int k = bytes > INT_MAX ? INT_MAX : (int)bytes;
		int rc = MPI_Bcast(p, k, MPI_BYTE, root, MPI_COMM_WORLD);
		if (rc != MPI_SUCCESS)
			return fail(rc, msg, mn);
		p += k;
		bytes -= (size_t)k;
	}
	return 0;
}

static int barrier(char *msg, size_t mn)
{
	int rc = MPI_Barrier(MPI_COMM_WORLD);
	return rc == MPI_SUCCESS ? 0 : fail(rc, msg, mn);
}

static void abort_job(int status)
{
	MPI_Abort(MPI_COMM_WORLD, status);
}

static void finalize(void)
{
	int done = 0;
	if (MPI_Finalized(&done) == MPI_SUCCESS && !done)
		MPI_Finalize();
}

const CommApi *comm_mpi_api(void);

const CommApi *comm_mpi_api(void)
{
	static const CommApi table = {
		.abi = COMM_ABI, .init = init, .sum_f32 = sum_f32, .sum_f64 = sum_f64,
		.isum_f32 = isum_f32, .test = test_reqs, .wait = wait_reqs, .min_int = min_int,
		.bcast = bcast, .barrier = barrier, .abort_job = abort_job, .finalize = finalize,
	};
	return &table;
}
