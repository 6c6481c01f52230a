/* comm.h - the processes of a data-parallel run: rank, size and the few
 * collectives training needs (sums of f32/f64 buffers, broadcast, barrier,
 * abort). One process is the serial case and costs nothing; under Open MPI's
 * mpirun the MPI half (mpi/comm_mpi.c, libgantools-mpi.so) is loaded. */
#ifndef GAN_COMM_H
#define GAN_COMM_H

#include <stddef.h>
#include <stdint.h>
#include "comm_api.h"
#include "err.h"

/* One process's view of the job. Counters add up every collective's
 * payload and wall time since comm_open (for the log and make bench). */
typedef struct Comm {
	int rank, size;
	const struct CommApi *api;  /* the MPI table; NULL for one process */
	struct CommProgress *prog;  /* the thread that moves sums in flight on
				     * (comm_test), where MPI allows; or NULL */
	uint64_t reduce_bytes;      /* bytes summed by allreduce calls */
	double reduce_s;            /* seconds spent in allreduce calls */
	int64_t reduce_calls;
} Comm;

/* 1 if this process was started by Open MPI's mpirun with more than one
 * process (OMPI_COMM_WORLD_SIZE > 1 in the environment); reads only env. */
int comm_launched(void);

/* 1 if c's processes run on more than one host (Open MPI's
 * OMPI_COMM_WORLD_LOCAL_SIZE, the processes on this host, is below the
 * world's size), else 0; serial: 0. */
int comm_spans_hosts(const Comm *c);

/* The serial communicator: rank 0 of 1. Never fails. */
void comm_serial(Comm *c);

/* Not launched by mpirun: comm_serial, nothing loaded. Launched: loads
 * libgantools-mpi.so (GAN_MPI_LIB, else <exe dir>/../lib/, else
 * <exe dir>/../lib/gantools/) and initialises MPI. 0, or -1 with e:
 * EXIT_SYS "launched by mpirun, but MPI support is not built
 * (libgantools-mpi.so not found)" or MPI's own message. */
int comm_open(Comm *c, Err *e);
/* Stops the progress thread and ends MPI (MPI_Finalize) where comm_open
 * started them; c becomes serial. */
void comm_close(Comm *c);

/* buf[0..n) = the element-wise sum of every rank's buf, on every rank
 * (MPI_Allreduce in place; Open MPI's algorithms combine each element in one
 * order, so every rank gets the same bits). Serial: unchanged. 0 or -1. */
int comm_sum_f32(Comm *c, float *buf, size_t n, Err *e);
int comm_sum_f64(Comm *c, double *buf, size_t n, Err *e);
/* Starts buf[0..n) = the sum across ranks, as comm_sum_f32, into *r
 * (n <= INT_MAX); buf must stay untouched until comm_wait returns. The
 * counters take its bytes now and the seconds of every call below. Serial:
 * nothing to do. 0 or -1 with e. */
int comm_isum_f32(Comm *c, float *buf, size_t n, CommReq *r, Err *e);
/* Lets the sums of r[0..n) progress without waiting: hands them to the
 * progress thread, which tests them (MPI_Testall) every 100 us until they
 * are complete (MPI moves a collective on only inside its calls), or, where
 * MPI gives no threads, tests them once here. r must stay valid until
 * comm_wait. n <= 64. */
int comm_test(Comm *c, CommReq *r, int n, Err *e);
/* Waits until the sums of r[0..n) are complete. */
int comm_wait(Comm *c, CommReq *r, int n, Err *e);
/* bytes of buf from rank root to every rank. 0 or -1 with e. */
int comm_bcast(Comm *c, void *buf, size_t bytes, int root, Err *e);
/* Waits until every rank has called it. 0 or -1 with e. */
int comm_barrier(Comm *c, Err *e);
/* 1 if every rank passed ok != 0 (a logical AND across ranks). 0 if any
 * rank passed 0, or -1 with e when the reduction itself failed. */
int comm_all(Comm *c, int ok, Err *e);
/* Ends every process of the job with status (MPI_Abort), or exits this one
 * when serial. */
_Noreturn void comm_abort(Comm *c, int status);

#endif
