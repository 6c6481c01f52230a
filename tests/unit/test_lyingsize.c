/* test_lyingsize.c - small files whose headers declare gigabytes (IDX raw
 * and gzip, .npy, safetensors, PNG; regular files and pipes) must fail fast
 * as truncated without allocating the declared size: peak RSS grows by less
 * than 100 MB, and (without ASan) they pass under a tight RLIMIT_AS. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "idx.h"
#include "npy.h"
#include "png.h"
#include "safetensors.h"
#include "check.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifndef HAVE_ASAN
#define HAVE_ASAN 0
#endif

static char dir[] = "/tmp/test_lyingsize.XXXXXX";

/* A lying input: bytes written to a file (or fed through a pipe), read by
 * fn, which must fail with a message containing want. */
typedef struct {
	const char *label;
	const uint8_t *bytes;
	size_t n;
	int gz;                    /* write the file gzipped */
	int pipe;                  /* feed through a pipe instead of a file */
	int (*fn)(const char *path, FILE *f, Err *e);
	const char *want;
} Case;

static long maxrss_kb(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_maxrss;
}

/* Virtual size of this process in bytes, from /proc/self/status. */
static size_t vm_size(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmSize: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (size_t)kb * 1024;
}

static int read_idx(const char *path, FILE *f, Err *e)
{
	(void)f;
	Tensor t;
	int rc = idx_read_u8(path, &t, e);
	tensor_free(&t);
	return rc;
}

static int read_npy(const char *path, FILE *f, Err *e)
{
	Tensor t;
	int rc = npy_read(f, path, 1, &t, e);
	tensor_free(&t);
	return rc < 0 ? -1 : 0;
}

static int read_st(const char *path, FILE *f, Err *e)
{
	SafeTensors st;
	int rc = st_read(f, path, &st, e);
	if (rc == 0)
		st_free(&st);
	return rc;
}

static int read_png(const char *path, FILE *f, Err *e)
{
	uint8_t *rgb = NULL;
	int w, h;
	int rc = png_read_rgb_file(f, path, &rgb, &w, &h, e);
	free(rgb);
	return rc;
}

/* Opens the case's input: a file (gzipped when asked) or a pipe already
 * holding the bytes (all fit in the pipe's buffer). *path names it. */
static FILE *open_case(const Case *c, char *path, size_t np)
{
	if (c->pipe) {
		int fds[2];
		if (pipe(fds) != 0 || write(fds[1], c->bytes, c->n) != (ssize_t)c->n)
			return NULL;
		close(fds[1]);
		snprintf(path, np, "/dev/fd/%d", fds[0]);
		return fdopen(fds[0], "rb");
	}
	snprintf(path, np, "%s/%s", dir, c->label);
	if (c->gz) {
		gzFile g = gzopen(path, "wb");
		gzwrite(g, c->bytes, (unsigned)c->n);
		gzclose(g);
	} else {
		FILE *w = fopen(path, "wb");
		fwrite(c->bytes, 1, c->n, w);
		fclose(w);
	}
	return fopen(path, "rb");
}

/* 0 when the case fails as expected. */
static int run_once(const Case *c, Err *e)
{
	char path[256];
	FILE *f = open_case(c, path, sizeof path);
	if (!f)
		return -2;
	int rc = c->fn(path, f, e);
	fclose(f);
	return rc < 0 && strstr(e->msg, c->want) ? 0 : -1;
}

/* The case in a child limited to its present size + 512 MiB of address
 * space: the declared gigabytes cannot even be reserved there. */
static int run_limited(const Case *c)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit r;
		r.rlim_cur = r.rlim_max = vm_size() + ((size_t)512 << 20);
		Err e = { 0 };
		_exit(setrlimit(RLIMIT_AS, &r) == 0 && run_once(c, &e) == 0 ? 0 : 1);
	}
	int st = 0;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void run_case(const Case *c)
{
	struct timespec t0, t1;
	Err e = { 0 };
	long before = maxrss_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = run_once(c, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long grew = maxrss_kb() - before;
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	CHECK_MSG(rc == 0, "%s: got \"%s\", expected \"%s\"", c->label, e.msg, c->want);
	CHECK_MSG(grew < 100 * 1024, "%s: peak RSS grew by %ld kB", c->label, grew);
	CHECK_MSG(s < 5, "%s: took %.1f s", c->label, s);
	if (!HAVE_ASAN)
		CHECK_MSG(run_limited(c) == 0, "%s: failed under RLIMIT_AS", c->label);
}

/* IDX header of 2^34 u8 (65536 x 65536 x 4) and three data bytes. */
static const uint8_t idx_lie[19] = { 0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3 };

static void test_idx(void)
{
	const char *want = "truncated: expected 17179869184 bytes of data, got 3";
	Case cs[] = {
		{ "raw.idx", idx_lie, sizeof idx_lie, 0, 0, read_idx, want },
		{ "gz.idx.gz", idx_lie, sizeof idx_lie, 1, 0, read_idx, want },
		{ "pipe.idx", idx_lie, sizeof idx_lie, 0, 1, read_idx, want },
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		run_case(&cs[i]);
}

/* A .npy header for f4 of shape (50000, 50000) (10 GB) and 4 data bytes. */
static size_t npy_lie(uint8_t *buf)
{
	const char *d = "{'descr': '<f4', 'fortran_order': False, 'shape': (50000, 50000), }";
	size_t hl = 118;
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (uint8_t)hl, buf[9] = 0;
	memset(buf + 10, ' ', hl);
	memcpy(buf + 10, d, strlen(d));
	buf[10 + hl - 1] = '\n';
	memset(buf + 10 + hl, 0, 4);
	return 10 + hl + 4;
}

static void test_npy(void)
{
	uint8_t buf[256];
	size_t n = npy_lie(buf);
	const char *want = "record 1: truncated data (expected 10000000000 bytes, got 4)";
	Case cs[] = {
		{ "lie.npy", buf, n, 0, 0, read_npy, want },
		{ "pipe.npy", buf, n, 0, 1, read_npy, want },
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		run_case(&cs[i]);
}

/* A safetensors header for 8 GiB of U8 and 5 data bytes. */
static size_t st_lie(uint8_t *buf)
{
	const char *h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[8589934592],"
			"\"data_offsets\":[0,8589934592]}}";
	size_t hl = strlen(h);
	memset(buf, 0, 8);
	buf[0] = (uint8_t)hl;
	memcpy(buf + 8, h, hl);
	memcpy(buf + 8 + hl, "abcde", 5);
	return 8 + hl + 5;
}

static void test_safetensors(void)
{
	uint8_t buf[256];
	size_t n = st_lie(buf);
	const char *want = "truncated (expected 8589934592 data bytes, got 5)";
	Case cs[] = {
		{ "lie.st", buf, n, 0, 0, read_st, want },
		{ "pipe.st", buf, n, 0, 1, read_st, want },
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		run_case(&cs[i]);
}

static size_t put_chunk(uint8_t *p, const char *type, const uint8_t *data, uint32_t n)
{
	p[0] = (uint8_t)(n >> 24), p[1] = (uint8_t)(n >> 16), p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	memcpy(p + 4, type, 4);
	if (n)
		memcpy(p + 8, data, n);
	uLong crc = crc32(0, p + 4, 4 + n);
	p[8 + n] = (uint8_t)(crc >> 24), p[9 + n] = (uint8_t)(crc >> 16);
	p[10 + n] = (uint8_t)(crc >> 8), p[11 + n] = (uint8_t)crc;
	return 12 + n;
}

/* A 16384 x 16384 RGB PNG (768 MiB of pixels) with two rows of IDAT data;
 * with IEND after them when iend, else cut after the IDAT; Adam7
 * interlaced when interlace. */
static size_t png_lie(uint8_t *buf, int iend, int interlace)
{
	const uint8_t ihdr[13] = { 0, 0, 0x40, 0, 0, 0, 0x40, 0, 8, 2, 0, 0,
				   (uint8_t)interlace };
	size_t row = 1 + 16384 * 3, n = 8;
	uint8_t *raw = calloc(2, row), z[1024];
	uLongf zn = sizeof z;
	compress2(z, &zn, raw, 2 * row, 9);
	free(raw);
	memcpy(buf, "\x89PNG\r\n\x1a\n", 8);
	n += put_chunk(buf + n, "IHDR", ihdr, 13);
	n += put_chunk(buf + n, "IDAT", z, (uint32_t)zn);
	if (iend)
		n += put_chunk(buf + n, "IEND", NULL, 0);
	return n;
}

static void test_png(void)
{
	uint8_t cut[1200], ended[1200], adam7[1200];
	size_t ncut = png_lie(cut, 0, 0), nended = png_lie(ended, 1, 0);
	Case cs[] = {
		{ "cut.png", cut, ncut, 0, 0, read_png, "truncated or corrupt PNG" },
		{ "pipe.png", cut, ncut, 0, 1, read_png, "truncated or corrupt PNG" },
		{ "ended.png", ended, nended, 0, 0, read_png, "truncated or corrupt PNG" },
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		run_case(&cs[i]);
	/* An interlaced image needs all rows at once: refused when it cannot
	 * fit in memory, before the allocation. */
	Case c = { "adam7.png", adam7, png_lie(adam7, 1, 1), 0, 0, read_png,
		   "adam7.png: the 16384x16384 image needs 768.0 MiB of memory "
		   "but 95.4 MiB is available" };
	setenv("GAN_MEM_LIMIT", "100000000", 1);
	run_case(&c);
	setenv("GAN_MEM_LIMIT", "1000000000000000", 1);
}

static void run(void)
{
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* The .npy case must reach the data, not stop at the memory check. */
	setenv("GAN_MEM_LIMIT", "1000000000000000", 1);
	test_idx();
	test_npy();
	test_safetensors();
	test_png();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

CHECK_MAIN("test_lyingsize")
