/* comm.c - comm.h: the serial communicator, and the loader of the MPI half
 * (libgantools-mpi.so), which is opened only when Open MPI's mpirun started
 * this process, so a plain run loads nothing and initialises nothing. */
#include "comm.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "comm_api.h"

/* Microseconds between two tests of the sums in flight by the progress
 * thread: often enough to keep a link busy between the layers' backward
 * passes, seldom enough to cost the compute threads little. */
#define PROGRESS_US 100

/* The progress thread and the lock that serialises every MPI call. */
struct CommProgress {
	pthread_mutex_t mu;       /* held around every call into the MPI table */
	pthread_cond_t cv;        /* sums to watch, or quit */
	pthread_t th;
	const CommApi *api;
	CommReq *reqs;            /* the sums being watched (comm_test) */
	int n, quit;
	int failed;               /* a test failed: msg, told by comm_wait */
	char msg[256];
};

static void *progress_main(void *arg)
{
	struct CommProgress *g = arg;
	const struct timespec pause = { 0, PROGRESS_US * 1000L };
	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->quit && g->n == 0)
			pthread_cond_wait(&g->cv, &g->mu);
		if (g->quit)
			break;
		int done = 0;
		if (g->api->test(g->reqs, g->n, &done, g->msg, sizeof g->msg)) {
			g->failed = 1;
			done = 1;
		}
		if (done) {
			g->reqs = NULL;
			g->n = 0;
		}
		pthread_mutex_unlock(&g->mu);
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&g->mu);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* The progress thread for c, where MPI granted threads; none (NULL) when
 * it cannot start: the sums then move on in comm_test's own tests. */
static struct CommProgress *progress_start(const CommApi *api)
{
	struct CommProgress *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->api = api;
	if (pthread_mutex_init(&g->mu, NULL)) {
		free(g);
		return NULL;
	}
	if (pthread_cond_init(&g->cv, NULL)) {
		pthread_mutex_destroy(&g->mu);
		free(g);
		return NULL;
	}
	if (pthread_create(&g->th, NULL, progress_main, g)) {
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return NULL;
	}
	return g;
}

static void progress_stop(struct CommProgress *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	g->quit = 1;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->th, NULL);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/* Around every call into c->api: one thread in MPI at a time. */
static void lock(Comm *c)
{
	if (c->prog)
		pthread_mutex_lock(&c->prog->mu);
}

static void unlock(Comm *c)
{
	if (c->prog)
		pthread_mutex_unlock(&c->prog->mu);
}

int comm_launched(void)
{
	const char *s = getenv("OMPI_COMM_WORLD_SIZE");
	return s && atoi(s) > 1;
}

int comm_spans_hosts(const Comm *c)
{
	const char *s = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
	return c->size > 1 && s && atoi(s) >= 1 && atoi(s) < c->size;
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
	int rank = 0, size = 1, serialized = 0;
	if (t->init(&rank, &size, &serialized, msg, sizeof msg) != 0)
		return err_set(e, EXIT_SYS, "MPI_Init: %s", msg);
	c->api = t;
	c->rank = rank;
	c->size = size;
	c->prog = serialized ? progress_start(t) : NULL;
	return 0;
}

void comm_close(Comm *c)
{
	progress_stop(c->prog);
	c->prog = NULL;
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
	lock(c);
	int rc = c->api->sum_f32(buf, n, msg, sizeof msg);
	unlock(c);
	return reduced(c, rc, msg, n * sizeof *buf, t0, "sum", e);
}

int comm_sum_f64(Comm *c, double *buf, size_t n, Err *e)
{
	if (!c->api || n == 0)
		return 0;
	char msg[256] = "";
	double t0 = now_s();
	lock(c);
	int rc = c->api->sum_f64(buf, n, msg, sizeof msg);
	unlock(c);
	return reduced(c, rc, msg, n * sizeof *buf, t0, "sum", e);
}

int comm_isum_f32(Comm *c, float *buf, size_t n, CommReq *r, Err *e)
{
	memset(r, 0, sizeof *r);
	if (!c->api || n == 0)
		return 0;
	char msg[256] = "";
	double t0 = now_s();
	lock(c);
	int rc = c->api->isum_f32(buf, n, r, msg, sizeof msg);
	unlock(c);
	return reduced(c, rc, msg, n * sizeof *buf, t0, "sum", e);
}

/* Seconds of a test or wait into the counters (no bytes, no call). */
static int progressed(Comm *c, int rc, const char *msg, double t0, Err *e)
{
	c->reduce_s += now_s() - t0;
	return rc == 0 ? 0 : err_set(e, EXIT_SYS, "sum across %d processes: %s", c->size, msg);
}

int comm_test(Comm *c, CommReq *r, int n, Err *e)
{
	if (!c->api || n <= 0)
		return 0;
	struct CommProgress *g = c->prog;
	if (g) {
		pthread_mutex_lock(&g->mu);
		g->reqs = r;
		g->n = n;
		pthread_cond_signal(&g->cv);
		pthread_mutex_unlock(&g->mu);
		return 0;
	}
	char msg[256] = "";
	int done = 0;
	double t0 = now_s();
	return progressed(c, c->api->test(r, n, &done, msg, sizeof msg), msg, t0, e);
}

int comm_wait(Comm *c, CommReq *r, int n, Err *e)
{
	if (!c->api || n <= 0)
		return 0;
	char msg[256] = "";
	double t0 = now_s();
	struct CommProgress *g = c->prog;
	int rc = -1;
	lock(c);
	if (g) {                  /* the thread lets go of them */
		g->reqs = NULL;
		g->n = 0;
	}
	if (g && g->failed) {
		g->failed = 0;
		snprintf(msg, sizeof msg, "%s", g->msg);
	} else {
		rc = c->api->wait(r, n, msg, sizeof msg);
	}
	unlock(c);
	return progressed(c, rc, msg, t0, e);
}

int comm_bcast(Comm *c, void *buf, size_t bytes, int root, Err *e)
{
	if (!c->api || bytes == 0)
		return 0;
	if (root < 0 || root >= c->size)
		return err_set(e, EXIT_SYS, "broadcast from rank %d of %d", root, c->size);
	char msg[256] = "";
	lock(c);
	int rc = c->api->bcast(buf, bytes, root, msg, sizeof msg);
	unlock(c);
	if (rc != 0)
		return err_set(e, EXIT_SYS, "broadcast across %d processes: %s", c->size, msg);
	return 0;
}

int comm_barrier(Comm *c, Err *e)
{
	char msg[256] = "";
	if (!c->api)
		return 0;
	lock(c);
	int rc = c->api->barrier(msg, sizeof msg);
	unlock(c);
	if (rc != 0)
		return err_set(e, EXIT_SYS, "barrier across %d processes: %s", c->size, msg);
	return 0;
}

int comm_all(Comm *c, int ok, Err *e)
{
	int v = ok != 0;
	char msg[256] = "";
	if (!c->api)
		return v;
	lock(c);
	int rc = c->api->min_int(&v, 1, msg, sizeof msg);
	unlock(c);
	if (rc != 0)
		return err_set(e, EXIT_SYS, "agreement across %d processes: %s", c->size, msg);
	return v;
}

_Noreturn void comm_abort(Comm *c, int status)
{
	fflush(stdout);
	fflush(stderr);
	if (c->api) {
		lock(c);      /* the progress thread makes no call beside it */
		c->api->abort_job(status);
	}
	exit(status);
}
