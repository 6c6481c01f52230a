/* comm_api.h - the table between comm.c and the MPI library it loads
 * (mpi/comm_mpi.c built into libgantools-mpi.so): plain C types only, so the
 * library needs nothing of libcommon. Every call returns 0, or an MPI error
 * code with a message in msg. */
#ifndef GAN_COMM_API_H
#define GAN_COMM_API_H

#include <stddef.h>

#define COMM_ABI 1
#define COMM_LIB_NAME "libgantools-mpi.so"
#define COMM_API_SYMBOL "comm_mpi_api"

typedef struct CommApi {
	int abi;                  /* COMM_ABI */
	/* MPI_Init_thread (FUNNELED: only the calling thread talks to MPI),
	 * errors returned rather than fatal; the world's rank and size. */
	int (*init)(int *rank, int *size, char *msg, size_t mn);
	int (*sum_f32)(float *buf, size_t n, char *msg, size_t mn);
	int (*sum_f64)(double *buf, size_t n, char *msg, size_t mn);
	int (*min_int)(int *buf, size_t n, char *msg, size_t mn);
	int (*bcast)(void *buf, size_t bytes, int root, char *msg, size_t mn);
	int (*barrier)(char *msg, size_t mn);
	void (*abort_job)(int status);
	void (*finalize)(void);
} CommApi;

typedef const CommApi *(*CommApiFn)(void);

#endif
