/* test_err.c - Err values (err_set, err_sys and EPIPE), the tool-side
 * die / die_err output and exit codes, and the checked allocators. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "err.h"
#include "check.h"

/* Lets the huge xmalloc below fail normally under AddressSanitizer (which
 * then prints a warning line of its own before ours). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static void test_err_values(void)
{
	Err e = {0};
	CHECK(err_set(&e, EXIT_BAD, "%s: field %d", "a.npy", 3) == -1);
	CHECK_STR(e.msg, "a.npy: field 3");
	CHECK(e.code == EXIT_BAD);
	CHECK(err_set(NULL, EXIT_BAD, "ignored") == -1);
	errno = ENOENT;
	CHECK(err_sys(&e, "%s", "x") == -1);
	CHECK_STR(e.msg, "x: No such file or directory");
	CHECK(e.code == EXIT_SYS);
	errno = EPIPE;
	CHECK(err_sys(&e, "<stdout>: write error") == -1);
	CHECK_STR(e.msg, "<stdout>: write error: Broken pipe");
	CHECK(e.code == EXIT_PIPE);
	char longer[2000];
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	CHECK(err_set(&e, EXIT_BAD, "%s", longer) == -1 && strlen(e.msg) == sizeof e.msg - 1);
}

enum { DIE_PIPE, DIE_BAD, DIE_FMT, OOM };

/* Runs one case in a child with stderr on a pipe; returns the exit status
 * and what the child wrote in out. */
static int child(int which, char *out, size_t n)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		Err e = {EXIT_PIPE, "<stdout>: write error: Broken pipe"};
		if (which == DIE_PIPE)
			die_err("gan-x", &e);
		e.code = EXIT_BAD;
		snprintf(e.msg, sizeof e.msg, "a.npy: record 1: truncated");
		if (which == DIE_BAD)
			die_err("gan-x", &e);
		if (which == DIE_FMT)
			die("gan-x", EXIT_BAD, "usage: gan-x [-n %s]", "steps");
		xmalloc(SIZE_MAX / 2);
		_exit(0);
	}
	close(p[1]);
	size_t k = 0;
	ssize_t r;
	while (k + 1 < n && (r = read(p[0], out + k, n - 1 - k)) > 0)
		k += (size_t)r;
	out[k] = '\0';
	close(p[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_die(void)
{
	char out[512];
	CHECK(child(DIE_PIPE, out, sizeof out) == EXIT_PIPE);
	CHECK_STR(out, "");
	CHECK(child(DIE_BAD, out, sizeof out) == EXIT_BAD);
	CHECK_STR(out, "gan-x: a.npy: record 1: truncated\n");
	CHECK(child(DIE_FMT, out, sizeof out) == EXIT_BAD);
	CHECK_STR(out, "gan-x: usage: gan-x [-n steps]\n");
	CHECK(child(OOM, out, sizeof out) == EXIT_SYS);
	char want[100];
	snprintf(want, sizeof want, "gantools: out of memory (%zu bytes)\n", (size_t)SIZE_MAX / 2);
	size_t no = strlen(out), nw = strlen(want);
	CHECK_MSG(no >= nw && strcmp(out + no - nw, want) == 0, "got \"%s\"", out);
}

static void test_alloc(void)
{
	char *p = xmalloc(0);
	CHECK(p != NULL);
	p = xrealloc(p, 100);
	memset(p, 1, 100);
	free(p);
	int *z = xcalloc(10, sizeof *z);
	CHECK(z[9] == 0);
	free(z);
	char *s = xstrdup("abc");
	CHECK_STR(s, "abc");
	free(s);
}

static void run(void)
{
	test_err_values();
	test_die();
	test_alloc();
}

CHECK_MAIN("test_err")
