/* comm.c - comm.h: the serial communicator, and the loader of the MPI half
 * (libgantools-mpi.so), which is opened only when Open MPI's mpirun started
 * this process, so a plain run loads nothing and initialises nothing. */
#include "comm.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "comm_api.h"

int comm_launched(void)
{
	const char *s = getenv("OMPI_COMM_WORLD_SIZE");
	return s && atoi(s) > 1;
}

void comm_serial(Comm *c)
{
	*c = (Comm){ .rank = 0, .size = 1 };
}

/* dir/rel into path if that file is readable: 1, else 0. */
static int try_path(char *path, size_t n, const char *dir, const char *rel)
{
	int k = snprintf(path, n, "%s%s", dir, rel);
	return k > 0 && (size_t)k < n && access(path, R_OK) == 0;
}

/* Where the library is: GAN_MPI_LIB, else beside the executable's ../lib
 * (build tree) or ../lib/gantools (installed). 1 if found. */
static int lib_find(char *path, size_t n)
{
	const char *env = getenv("GAN_MPI_LIB");
	char exe[PATH_MAX];
	if (env && *env)
		return try_path(path, n, env, "");
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (k <= 0)
		return 0;
	exe[k] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return try_path(path, n, exe, "/../lib/" COMM_LIB_NAME) ||
	       try_path(path, n, exe, "/../lib/gantools/" COMM_LIB_NAME);
}

/* Loads the table. RTLD_GLOBAL: Open MPI's own plugins (mca_*.so), which
 * it dlopens in MPI_Init, resolve their symbols against libmpi. */
static const CommApi *lib_load(Err *e)
{
	char path[PATH_MAX];
	if (!lib_find(path, sizeof path)) {
		err_set(e, EXIT_SYS, "launched by mpirun, but MPI support is not built "
			"(%s not found)", COMM_LIB_NAME);
		return NULL;
	}
	void *h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		err_set(e, EXIT_SYS, "%s: %s", path, dlerror());
		return NULL;
	}
	CommApiFn fn = (CommApiFn)dlsym(h, COMM_API_SYMBOL);
	const CommApi *t = fn ? fn() : NULL;
	if (!t || t->abi != COMM_ABI) {
		err_set(e, EXIT_SYS, "%s: not a gantools MPI library of this version", path);
		return NULL;
	}
	return t;
}

int comm_open(Comm *c, Err *e)
{
	comm_serial(c);
	if (!comm_launched())
		return 0;
	const CommApi *t = lib_load(e);
	if (!t)
		return -1;
	char msg[256] = "";
	int rank = 0, size = 1;
	if (t->init(&rank, &size, msg, sizeof msg) != 0)
		return err_set(e, EXIT_SYS, "MPI_Init: %s", msg);
	c->api = t;
	c->rank = rank;
	c->size = size;
	return 0;
}

void comm_close(Comm *c)
{
	if (c->api)
		c->api->finalize();
	comm_serial(c);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Counts one allreduce of bytes that took since t0; turns rc into e. */
static int reduced(Comm *c, int rc, const char *msg, size_t bytes, double t0,
		   const char *what, Err *e)
{
	c->reduce_s += now_s() - t0;
	c->reduce_bytes += bytes;
	c->reduce_calls++;
	return rc == 0 ? 0 : err_set(e, EXIT_SYS, "%s across %d processes: %s", what,
				     c->size, msg);
}

int comm_sum_f32(Comm *c, float *buf, size_t n, Err *e)
{
	if (!c->api || n == 0)
		return 0;
	char msg[256] = "";
	double t0 = now_s();
	int rc = c->api->sum_f32(buf, n, msg, sizeof msg);
	return reduced(c, rc, msg, n * sizeof *buf, t0, "sum", e);
}

int comm_sum_f64(Comm *c, double *buf, size_t n, Err *e)
{
	if (!c->api || n == 0)
		return 0;
	char msg[256] = "";
	double t0 = now_s();
	int rc = c->api->sum_f64(buf, n, msg, sizeof msg);
	return reduced(c, rc, msg, n * sizeof *buf, t0, "sum", e);
}

int comm_bcast(Comm *c, void *buf, size_t bytes, int root, Err *e)
{
	if (!c->api || bytes == 0)
		return 0;
	if (root < 0 || root >= c->size)
		return err_set(e, EXIT_SYS, "broadcast from rank %d of %d", root, c->size);
	char msg[256] = "";
	if (c->api->bcast(buf, bytes, root, msg, sizeof msg) != 0)
		return err_set(e, EXIT_SYS, "broadcast across %d processes: %s", c->size, msg);
	return 0;
}

int comm_barrier(Comm *c, Err *e)
{
	char msg[256] = "";
	if (c->api && c->api->barrier(msg, sizeof msg) != 0)
		return err_set(e, EXIT_SYS, "barrier across %d processes: %s", c->size, msg);
	return 0;
}

int comm_all(Comm *c, int ok, Err *e)
{
	int v = ok != 0;
	char msg[256] = "";
	if (c->api && c->api->min_int(&v, 1, msg, sizeof msg) != 0)
		return err_set(e, EXIT_SYS, "agreement across %d processes: %s", c->size, msg);
	return v;
}

_Noreturn void comm_abort(Comm *c, int status)
{
	fflush(stdout);
	fflush(stderr);
	if (c->api)
		c->api->abort_job(status);
	exit(status);
}
