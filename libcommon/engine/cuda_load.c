/* cuda_load.c - the CUDA backend for the tools (cuda_lib.h): finds
 * libgantools-gpu.so and loads it with dlopen on first use, only where an
 * NVIDIA device node exists, so CPU-only runs never pay for CUDA. */
#include "cuda_lib.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ASan and the CUDA driver do not mix: a sanitized build never loads the
 * library and behaves as a build without CUDA. */
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
	const CudaLib *api;       /* the library's export, NULL until loaded */
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
	lib.found = try_path(exe, "/../lib/" CUDA_LIB_NAME) ||
		    try_path(exe, "/../lib/gantools/" CUDA_LIB_NAME);
}

/* 1 if t is the export of a library built from these sources. */
static int lib_ok(const CudaLib *t)
{
	return t && t->abi == CUDA_LIB_ABI && t->err_size == sizeof(Err) &&
	       t->op_size == sizeof(LayerOp) && t->ops_size == sizeof(BackendOps) && t->ops;
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
	CudaLibFn fn = (CudaLibFn)dlsym(h, CUDA_LIB_SYMBOL);
	const CudaLib *t = fn ? fn() : NULL;
	if (!lib_ok(t)) {
		dlclose(h);
		return;
	}
	lib.api = t;
}

/* The library's export, or NULL (no library, no device, or a load failure). */
static const CudaLib *library(void)
{
	pthread_once(&load_once, lib_load);
	return lib.api;
}

int cuda_built(void)
{
	pthread_once(&find_once, lib_find);
	if (!lib.found)
		return 0;
	return !lib.node || library() != NULL;
}

int cuda_devices(void)
{
	pthread_once(&find_once, lib_find);
	if (!lib.node)
		return 0;
	const CudaLib *a = library();
	return a ? a->devices() : 0;
}

int cuda_open(Backend *be, int flags, Err *e)
{
	const CudaLib *a = library();
	void *ctx = NULL;
	if (!a && lib.found && !lib.node)
		return err_set(e, EXIT_BAD, "--device cuda: no CUDA device found");
	if (!a)
		return err_set(e, EXIT_BAD, "CUDA support not built");
	if (a->open(&ctx, flags, e))
		return -1;
	*be = (Backend){ a->ops, ctx };
	return 0;
}
