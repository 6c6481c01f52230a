/* test_cuda_load.c - the tools' lazy CUDA backend (cuda_load.c): a missing
 * or broken library means "CUDA support not built" and the CPU; without a
 * device node the library is never loaded. Each case runs in a child
 * process, since the loader looks once per process. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "device.h"
#include "cuda_lib.h"
#include "train.h"
#include "check.h"

/* The built engine next to this binary (build/tests/../lib), or "". */
static void engine_path(char *p, size_t n)
{
	char exe[PATH_MAX / 2];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
	p[0] = '\0';
	if (k <= 0)
		return;
	exe[k] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash) {
		*slash = '\0';
		snprintf(p, n, "%s/../lib/%s", exe, CUDA_LIB_NAME);
	}
	if (access(p, R_OK) != 0)
		p[0] = '\0';
}

/* As cuda_load.c: a sanitized build never loads the library. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int has_node(void)
{
	return access("/dev/nvidiactl", F_OK) == 0 ||
	       access("/proc/driver/nvidia/version", F_OK) == 0 || access("/dev/dxg", F_OK) == 0;
}

/* Runs f in a child with GAN_GPU_LIB=lib; 1 if it exited 0. */
static int in_child(const char *lib, void (*f)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("GAN_GPU_LIB", lib, 1);
		f();
		fflush(NULL);
		_exit(check_count.failed ? 1 : 0);
	}
	int st = 0;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* No library: not built, no devices, the CPU, and the CPU calls are safe. */
static void no_library(void)
{
	Err e = { 0 };
	Device d = DEV_AUTO;
	Model m;
	CHECK(cuda_built() == 0 && cuda_devices() == 0);
	CHECK(device_parse("cuda", &d, &e) == -1 && e.code == EXIT_BAD && d == DEV_AUTO);
	CHECK_STR(e.msg, "CUDA support not built");
	CHECK(model_load_preset(&m, "gaussian2d", &e) == 0);
	CHECK(device_pick(DEV_AUTO, &m, 1, &d, &e) == 0 && d == DEV_CPU);
	Backend be = { NULL, &d }, cpu = backend_cpu();
	CHECK(device_open(DEV_CUDA, &be, &e) == -1 && backend_same(be, cpu));
	CHECK_STR(e.msg, "CUDA support not built");
	Trainer t;
	CHECK(trainer_init(&t, &m, 8, 1, &e) == 0);
	CHECK(trainer_place(&t, be, &e) == 0 && backend_same(t.g.be, cpu));
	device_close(be);
	net_drop(&t.g);
	CHECK(backend_error(be, &e) == 0 && net_sync_host(&t.g, &e) == 0);
	trainer_drop(&t);
	trainer_free(&t);
}

/* A file that is no shared library: never a crash, never a device; found
 * but not loaded without a device node; never even looked at when sanitized. */
static void broken_library(void)
{
	Err e = { 0 };
	Device d = DEV_AUTO;
	int built = !SANITIZED && !has_node();
	CHECK(cuda_devices() == 0);
	CHECK(cuda_built() == built);
	CHECK(device_parse("cuda", &d, &e) == -1 && e.code == EXIT_BAD);
	CHECK_STR(e.msg, built ? "--device cuda: no CUDA device found"
		  : "CUDA support not built");
}

/* The real engine: without a device node it is found but not loaded. */
static void real_library(void)
{
	char p[PATH_MAX];
	engine_path(p, sizeof p);
	CHECK(cuda_built() == 1);
	int n = cuda_devices();
	CHECK(n >= 0 && (has_node() || n == 0));
	void *h = dlopen(p, RTLD_NOW | RTLD_NOLOAD);
	CHECK(has_node() ? h != NULL : h == NULL);
	if (h)
		dlclose(h);
}

/* The library opened directly: one export, a table of this build, and a
 * device count that maps a missing driver to 0. */
static void direct_open(void)
{
	char p[PATH_MAX];
	engine_path(p, sizeof p);
	void *h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
	CHECK_MSG(h != NULL, "%s", dlerror());
	if (!h)
		return;
	CudaLibFn fn = (CudaLibFn)dlsym(h, CUDA_LIB_SYMBOL);
	const CudaLib *a = fn ? fn() : NULL;
	CHECK(a && a->abi == CUDA_LIB_ABI && a->op_size == sizeof(LayerOp) &&
	      a->ops_size == sizeof(BackendOps) && a->err_size == sizeof(Err) && a->ops &&
	      strcmp(a->ops->name, "cuda") == 0 && !a->ops->host_memory);
	CHECK(dlsym(h, "gpu_init") == NULL && dlsym(h, "err_set") == NULL);
	int n = a ? a->devices() : -1;
	CHECK(n >= 0 && (has_node() || n == 0));
}

static void run(void)
{
	char self[PATH_MAX], p[PATH_MAX];
	CHECK(in_child("/nonexistent/" CUDA_LIB_NAME, no_library));
	snprintf(self, sizeof self, "%s", "tests/unit/test_cuda_load.c");
	if (access(self, R_OK) == 0)
		CHECK(in_child(self, broken_library));
	engine_path(p, sizeof p);
	if (!p[0]) {
		fprintf(stderr, "  test_cuda_load: no %s beside the binary, real-library "
			"cases skipped\n", CUDA_LIB_NAME);
		return;
	}
	CHECK(in_child(p, real_library));
	CHECK(in_child("", real_library));
	CHECK(in_child(p, direct_open));
}

CHECK_MAIN("test_cuda_load")
