/* netgpu_dl.c - netgpu.h for the tools: forwards every call to the GPU engine
 * in libgantools-gpu.so, loaded with dlopen on first use and only where an
 * NVIDIA device node exists, so CPU-only runs never pay for CUDA. */
#include "netgpu_api.h"

#include <dlfcn.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "train.h"

/* ASan and the CUDA driver do not mix: a sanitized build never loads the
 * engine and behaves as a build without CUDA. */
#if defined(__SANITIZE_ADDRESS__)
#define DL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DL_SANITIZED 1
#endif
#endif
#ifndef DL_SANITIZED
#define DL_SANITIZED 0
#endif

/* A process-wide cache of an immutable resource: where the library is and
 * its table once loaded. Written once, each part under its pthread_once,
 * and only read afterwards; the loaded library is never unloaded. */
static struct {
	int node;                 /* an NVIDIA device node exists */
	int found;                /* the library file exists at path */
	char path[PATH_MAX];
	const NetGpuApi *api;     /* the engine's table, NULL until loaded */
} lib;
static pthread_once_t find_once = PTHREAD_ONCE_INIT;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* 1 if the kernel driver shows a device (Linux, or WSL's /dev/dxg): cheap. */
static int node_exists(void)
{
	return access("/dev/nvidiactl", F_OK) == 0 ||
	       access("/proc/driver/nvidia/version", F_OK) == 0 ||
	       access("/dev/dxg", F_OK) == 0;
}

/* dir/rel into lib.path; 1 if that file is readable. */
static int try_path(const char *dir, const char *rel)
{
	int n = snprintf(lib.path, sizeof lib.path, "%s%s", dir, rel);
	return n > 0 && (size_t)n < sizeof lib.path && access(lib.path, R_OK) == 0;
}

/* GAN_GPU_LIB, else <exe dir>/../lib/ (build tree), else
 * <exe dir>/../lib/gantools/ (installed). */
static void lib_find(void)
{
	const char *env = getenv("GAN_GPU_LIB");
	char exe[PATH_MAX];
	if (DL_SANITIZED)
		return;
	lib.node = node_exists();
	if (env && *env) {
		lib.found = try_path(env, "");
		return;
	}
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	lib.found = try_path(exe, "/../lib/" NETGPU_LIB_NAME) ||
		    try_path(exe, "/../lib/gantools/" NETGPU_LIB_NAME);
}

/* 1 if t is the table of an engine built from these sources. */
static int api_ok(const NetGpuApi *t)
{
	return t && t->abi == NETGPU_ABI && t->err_size == sizeof(Err) &&
	       t->net_size == sizeof(Net) && t->trainer_size == sizeof(Trainer);
}

/* Loads the library where it exists and a device node does. */
static void lib_load(void)
{
	pthread_once(&find_once, lib_find);
	if (!lib.found || !lib.node)
		return;
	void *h = dlopen(lib.path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	NetGpuApiFn fn = (NetGpuApiFn)dlsym(h, NETGPU_API_SYMBOL);
	const NetGpuApi *t = fn ? fn() : NULL;
	if (!api_ok(t)) {
		dlclose(h);
		return;
	}
	lib.api = t;
}

/* The engine's table, or NULL (no library, no device, or a load failure). */
static const NetGpuApi *engine(void)
{
	pthread_once(&load_once, lib_load);
	return lib.api;
}

/* The engine for a set-up call, or NULL with e saying why. */
static const NetGpuApi *engine_or_err(Err *e)
{
	const NetGpuApi *a = engine();
	if (!a && lib.found && !lib.node)
		err_set(e, EXIT_BAD, "--device cuda: no CUDA device found");
	else if (!a)
		err_set(e, EXIT_BAD, "CUDA support not built");
	return a;
}

/* Without a device node: 1 if the library is there (not loaded); with one:
 * 1 if it loaded. */
int netgpu_built(void)
{
	pthread_once(&find_once, lib_find);
	if (!lib.found)
		return 0;
	return !lib.node || engine() != NULL;
}

int netgpu_devices(void)
{
	pthread_once(&find_once, lib_find);
	if (!lib.node)
		return 0;
	const NetGpuApi *a = engine();
	return a ? a->devices() : 0;
}

int netgpu_open(NetGpuDev **dev, Err *e)
{
	const NetGpuApi *a = engine_or_err(e);
	*dev = NULL;
	return a ? a->open(dev, e) : -1;
}

int netgpu_attach(Net *n, NetGpuDev *dev, Err *e)
{
	const NetGpuApi *a = engine_or_err(e);
	return a ? a->attach(n, dev, e) : -1;
}

int netgpu_train_open(struct Trainer *t, const void *x, DType dt, int64_t rows, int64_t ex,
		      Err *e)
{
	const NetGpuApi *a = engine_or_err(e);
	return a ? a->train_open(t, x, dt, rows, ex, e) : -1;
}

/* The calls below take a device state, which only the loaded engine makes:
 * without one they do what the engine does with none, and never load it. */
void netgpu_close(NetGpuDev *dev)
{
	if (dev)
		engine()->close(dev);
}

int netgpu_error(const NetGpuDev *dev, Err *e)
{
	return dev ? engine()->error(dev, e) : 0;
}

int netgpu_download(Net *n, Err *e)
{
	return n->gpu ? engine()->download(n, e) : 0;
}

void netgpu_detach(Net *n)
{
	if (n->gpu)
		engine()->detach(n);
}

const float *netgpu_forward(Net *n, const float *in, int batch, int train)
{
	return n->gpu ? engine()->forward(n, in, batch, train) : NULL;
}

void netgpu_backward(Net *n, const float *dout, float *din, int param_grads)
{
	if (n->gpu)
		engine()->backward(n, dout, din, param_grads);
}

void netgpu_zero_grads(Net *n)
{
	if (n->gpu)
		engine()->zero_grads(n);
}

int netgpu_finite(const Net *n)
{
	return n->gpu ? engine()->finite(n) : 0;
}

void netgpu_opt_step(Net *n, const AdamCfg *adam, double lr, int64_t t)
{
	if (n->gpu)
		engine()->opt_step(n, adam, lr, t);
}

int netgpu_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e)
{
	if (n->gpu)
		return engine()->forward_host(n, in, batch, train, out, e);
	return err_set(e, EXIT_BAD, "CUDA support not built");
}

int netgpu_train_close(struct Trainer *t, int download, Err *e)
{
	return t->gpu ? engine()->train_close(t, download, e) : 0;
}

void netgpu_train_batch(struct Trainer *t, const int64_t *idx, int bs, const float **x,
			const float **z, const float **zg)
{
	if (t->gpu)
		engine()->train_batch(t, idx, bs, x, z, zg);
}

double netgpu_train_loss(struct Trainer *t, const float *y, float target, int n,
			 float scale, double *prob)
{
	return t->gpu ? engine()->train_loss(t, y, target, n, scale, prob) : NAN;
}

int netgpu_train_error(const struct Trainer *t, Err *e)
{
	return t->gpu ? engine()->train_error(t, e) : 0;
}
