/* failwrite.c - an LD_PRELOAD shim that makes the Nth write, fsync, close or
 * rename on a regular file fail, to test that a failed checkpoint write
 * leaves the old file intact. Environment:
 *   FAIL_OP=write|fsync|close|rename  which operation (write covers fwrite,
 *                                     fflush and write(2))
 *   FAIL_AT=N                         the Nth such call fails (1-based)
 *   FAIL_ERRNO=ENOSPC|EIO             the error (default ENOSPC)
 *   FAIL_COUNT=FILE                   at exit, the number of calls seen
 * Only calls on regular files open for writing, other than stdin, stdout
 * and stderr, count; every fsync and rename counts. The counter is per process: a shim is global by nature. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long seen;   /* calls of FAIL_OP so far */

static const char *op_name(void)
{
	const char *s = getenv("FAIL_OP");
	return s ? s : "";
}

static void *next_fn(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* A regular file open for writing, other than fds 0-2: an output. */
static int counts_fd(int fd)
{
	struct stat sb;
	int fl = fd > 2 ? fcntl(fd, F_GETFL) : -1;
	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY && fstat(fd, &sb) == 0 &&
	       S_ISREG(sb.st_mode);
}

/* Counts a call of op; 1 when this call must fail (errno is then set). */
static int should_fail(const char *op)
{
	if (strcmp(op_name(), op) != 0)
		return 0;
	seen++;
	const char *at = getenv("FAIL_AT");
	if (!at || atol(at) != seen)
		return 0;
	const char *en = getenv("FAIL_ERRNO");
	errno = en && strcmp(en, "EIO") == 0 ? EIO : ENOSPC;
	return 1;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("FAIL_COUNT");
	FILE *(*real_fopen)(const char *, const char *) = next_fn("fopen");
	if (!path || !real_fopen)
		return;
	FILE *f = real_fopen(path, "w");
	if (f) {
		fprintf(f, "%ld\n", seen);
		fclose(f);
	}
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	size_t (*real)(const void *, size_t, size_t, FILE *) = next_fn("fwrite");
	if (counts_fd(fileno(f)) && should_fail("write"))
		return 0;
	return real(p, size, n, f);
}

int fflush(FILE *f)
{
	int (*real)(FILE *) = next_fn("fflush");
	if (f && counts_fd(fileno(f)) && should_fail("write"))
		return EOF;
	return real(f);
}

ssize_t write(int fd, const void *p, size_t n)
{
	ssize_t (*real)(int, const void *, size_t) = next_fn("write");
	if (counts_fd(fd) && should_fail("write"))
		return -1;
	return real(fd, p, n);
}

int fsync(int fd)
{
	int (*real)(int) = next_fn("fsync");
	if (fd > 2 && should_fail("fsync"))
		return -1;
	return real(fd);
}

/* The file is really closed; only the result reports a failure. */
int fclose(FILE *f)
{
	int (*real)(FILE *) = next_fn("fclose");
	int fail = counts_fd(fileno(f)) && should_fail("close");
	int saved = errno;
	int rc = real(f);
	if (fail) {
		errno = saved;
		return EOF;
	}
	return rc;
}

int close(int fd)
{
	int (*real)(int) = next_fn("close");
	int fail = counts_fd(fd) && should_fail("close");
	int saved = errno;
	int rc = real(fd);
	if (fail) {
		errno = saved;
		return -1;
	}
	return rc;
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) = next_fn("rename");
	if (should_fail("rename"))
		return -1;
	return real(from, to);
}
