/* comm_api.h - the table between comm.c and the MPI library it loads
 * (mpi/comm_mpi.c built into libgantools-mpi.so): plain C types only, so the
 * library needs nothing of libcommon. Every call returns 0, or an MPI error
 * code with a message in msg. */
#ifndef GAN_COMM_API_H
#define GAN_COMM_API_H

#include <stddef.h>

#define COMM_ABI 2
#define COMM_LIB_NAME "libgantools-mpi.so"
#define COMM_API_SYMBOL "comm_mpi_api"

/* Room for one MPI request of a sum in flight (Open MPI's MPI_Request is a
 * pointer; comm_mpi.c checks that it fits). */
typedef struct CommReq {
	_Alignas(8) unsigned char b[16];
} CommReq;

typedef struct CommApi {
	int abi;                  /* COMM_ABI */
	/* MPI_Init_thread, asking for MPI_THREAD_SERIALIZED (any thread may
	 * call, one at a time: comm.c holds a lock around every call), errors
	 * returned rather than fatal; the world's rank and size, and *serialized
	 * 1 if MPI granted that level (else only the calling thread may call). */
	int (*init)(int *rank, int *size, int *serialized, char *msg, size_t mn);
	int (*sum_f32)(float *buf, size_t n, char *msg, size_t mn);
	int (*sum_f64)(double *buf, size_t n, char *msg, size_t mn);
	/* A sum of floats in place started (MPI_Iallreduce, n <= INT_MAX) into
	 * *req; progress on reqs[0..n) without waiting (MPI_Testall: *done is 1
	 * when all have completed); waiting for all of them (MPI_Waitall). */
	int (*isum_f32)(float *buf, size_t n, CommReq *req, char *msg, size_t mn);
	int (*test)(CommReq *reqs, int n, int *done, char *msg, size_t mn);
	int (*wait)(CommReq *reqs, int n, char *msg, size_t mn);
	int (*min_int)(int *buf, size_t n, char *msg, size_t mn);
	int (*bcast)(void *buf, size_t bytes, int root, char *msg, size_t mn);
	int (*barrier)(char *msg, size_t mn);
	void (*abort_job)(int status);
	void (*finalize)(void);
} CommApi;

typedef const CommApi *(*CommApiFn)(void);

#endif
