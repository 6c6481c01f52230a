/* test_outfile.c - atomic named outputs (content, mode, no temporary left,
 * abort keeps the old file, stale temporaries of dead writers removed),
 * error messages for bad paths, terminals refused for binary data, EPIPE
 * reported as EXIT_PIPE, and the growing reads of io_read_alloc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "npy.h"
#include "infile.h"
#include "outfile.h"
#include "check.h"

/* Number of ".tmp." files left in dir. */
static int temps_in(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strstr(de->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return n;
}

static int file_is(const char *path, const char *want)
{
	char buf[256] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	return n == strlen(want) && memcmp(buf, want, n) == 0;
}

static void test_commit_abort(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/out.txt", dir);
	Err e = {0};
	OutFile o;
	umask(022);
	CHECK(outfile_open(&o, path, 1, &e) == 0);
	CHECK(o.tmp && strncmp(o.tmp, dir, strlen(dir)) == 0 && strstr(o.tmp, "/.out.txt.tmp."));
	fputs("first\n", o.f);
	CHECK(access(path, F_OK) != 0);
	CHECK(temps_in(dir) == 1);
	CHECK(outfile_commit(&o, &e) == 0);
	CHECK(file_is(path, "first\n"));
	CHECK(temps_in(dir) == 0);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	CHECK(o.f == NULL && o.tmp == NULL && o.path == NULL);

	CHECK(outfile_open(&o, path, 1, &e) == 0);
	fputs("second, abandoned\n", o.f);
	outfile_abort(&o);
	outfile_abort(&o);
	CHECK(file_is(path, "first\n"));
	CHECK(temps_in(dir) == 0);

	umask(077);
	CHECK(outfile_open(&o, path, 0, &e) == 0);
	fputs("third\n", o.f);
	CHECK(outfile_commit(&o, &e) == 0);
	CHECK(file_is(path, "third\n") && temps_in(dir) == 0);
	/* a replaced file keeps its mode; the umask applies to new files */
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
	unlink(path);
	CHECK(outfile_open(&o, path, 0, &e) == 0);
	CHECK(outfile_commit(&o, &e) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	umask(022);
	unlink(path);
}

static void test_bad_paths(const char *dir)
{
	char path[512];
	Err e = {0};
	OutFile o;
	snprintf(path, sizeof path, "%s/nope/x.npy", dir);
	CHECK(outfile_open(&o, path, 1, &e) == -1);
	char want[600];
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	CHECK_STR(e.msg, want);
	CHECK(e.code == EXIT_BAD && o.f == NULL && o.tmp == NULL);
	outfile_abort(&o);
	CHECK(outfile_open(&o, dir, 1, &e) == -1);
	snprintf(want, sizeof want, "%s: Is a directory", dir);
	CHECK_STR(e.msg, want);

	CHECK(infile_open(path, 1, &e) == NULL);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	CHECK_STR(e.msg, want);
	CHECK(e.code == EXIT_BAD);
	CHECK(infile_open(dir, 1, &e) == NULL && e.code == EXIT_BAD);
	CHECK_STR(infile_name(NULL), "<stdin>");
	CHECK_STR(infile_name("-"), "<stdin>");
	CHECK_STR(infile_name("a.npy"), "a.npy");
}

/* A record written through a committed named output reads back. */
static void test_npy_file(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/r.npy", dir);
	Err e = {0};
	OutFile o;
	int64_t s[1] = {3};
	float x[3] = {1, 2, 3};
	CHECK(outfile_open(&o, path, 1, &e) == 0);
	CHECK(npy_write_raw(o.f, path, DT_F32, 1, s, x, &e) == 0);
	CHECK(outfile_commit(&o, &e) == 0);
	FILE *f = infile_open(path, 1, &e);
	Tensor t;
	CHECK(f && npy_read(f, path, 1, &t, &e) == 1 && ((float *)t.data)[2] == 3);
	tensor_free(&t);
	infile_close(f);
	unlink(path);
}

/* Runs fn in a child whose stdout is `fd`; returns its exit status. */
static int in_child(int (*fn)(void), int fd)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		_exit(fn());
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int big_write(FILE *f)
{
	static char block[65536];
	for (int i = 0; i < 64; i++)
		if (fwrite(block, 1, sizeof block, f) != sizeof block)
			return -1;
	return 0;
}

static int child_commit(void)
{
	Err e = {0};
	OutFile o;
	io_init();
	if (outfile_open(&o, "-", 1, &e) < 0)
		return 10;
	big_write(o.f);
	return outfile_commit(&o, &e) == -1 ? e.code : 0;
}

static int child_stdout_close(void)
{
	Err e = {0};
	io_init();
	big_write(stdout);
	return stdout_close(&e) == -1 ? e.code : 0;
}

static int child_npy(void)
{
	Err e = {0};
	io_init();
	int64_t s[1] = {1 << 22};
	float *x = calloc(1 << 22, sizeof *x);
	int rc = npy_write_raw(stdout, "<stdout>", DT_F32, 1, s, x, &e);
	free(x);
	return rc == -1 ? e.code : 0;
}

static int child_terminal(void)
{
	Err e = {0};
	OutFile o;
	if (outfile_open(&o, NULL, 1, &e) == 0)
		return 10;
	if (strcmp(e.msg, "refusing to write binary data to a terminal") != 0)
		return 11;
	if (outfile_open(&o, "-", 0, &e) != 0 || o.f != stdout)
		return 12;
	outfile_abort(&o);
	return e.code;
}

static void test_pipes(void)
{
	int p[2];
	CHECK(pipe(p) == 0);
	close(p[0]);
	CHECK(in_child(child_commit, p[1]) == EXIT_PIPE);
	CHECK(in_child(child_stdout_close, p[1]) == EXIT_PIPE);
	CHECK(in_child(child_npy, p[1]) == EXIT_PIPE);
	close(p[1]);
	int dn = open("/dev/null", O_WRONLY);
	CHECK(in_child(child_stdout_close, dn) == 0);
	close(dn);
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
		int s = open(ptsname(m), O_RDWR | O_NOCTTY);
		CHECK(s >= 0 && in_child(child_terminal, s) == EXIT_BAD);
		close(s);
	}
	if (m >= 0)
		close(m);
}

/* Creates an empty file dir/name. */
static void touch(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f)
		fclose(f);
}

static int exists(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* A temporary left by a killed writer (its pid is gone) is removed by the
 * next open of the same target; those of live writers, of other targets
 * and names that only look alike stay. */
static void test_stale(const char *dir)
{
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	pid_t live = fork();
	if (live == 0) {
		pause();
		_exit(0);
	}
	char stale[64], alive[64], other[64], longer[64], path[512], mine[64];
	snprintf(stale, sizeof stale, ".out.txt.tmp.%d.aB3xYz", (int)dead);
	snprintf(alive, sizeof alive, ".out.txt.tmp.%d.aB3xYz", (int)live);
	snprintf(other, sizeof other, ".other.txt.tmp.%d.aB3xYz", (int)dead);
	snprintf(longer, sizeof longer, ".out.txt.tmp.%d.aB3xYzz", (int)dead);
	const char *keep[] = { alive, other, longer, ".out.txt.tmp.aB3xYz" };
	touch(dir, stale);
	for (int i = 0; i < 4; i++)
		touch(dir, keep[i]);
	snprintf(path, sizeof path, "%s/out.txt", dir);
	snprintf(mine, sizeof mine, "/.out.txt.tmp.%d.", (int)getpid());
	Err e = {0};
	OutFile o;
	CHECK(outfile_open(&o, path, 1, &e) == 0);
	CHECK(o.tmp && strstr(o.tmp, mine));
	CHECK(!exists(dir, stale));
	for (int i = 0; i < 4; i++)
		CHECK_MSG(exists(dir, keep[i]), "%s removed", keep[i]);
	fputs("x\n", o.f);
	CHECK(outfile_commit(&o, &e) == 0);
	CHECK(temps_in(dir) == 4);
	kill(live, SIGKILL);
	waitpid(live, NULL, 0);
	CHECK(outfile_open(&o, path, 1, &e) == 0);
	outfile_abort(&o);
	CHECK(!exists(dir, alive));
	CHECK(temps_in(dir) == 3);
	for (int i = 1; i < 4; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, keep[i]);
		unlink(p);
	}
	unlink(path);
}

/* io_read_alloc: complete, short and empty reads, across a buffer growth. */
static void test_read_alloc(void)
{
	size_t n = IO_FIRST_CHUNK + 1000;
	char *big = malloc(n);
	FILE *f = tmpfile();
	CHECK(big && f);
	if (!big || !f)
		return;
	for (size_t i = 0; i < n; i++)
		big[i] = (char)(i * 31);
	CHECK(fwrite(big, 1, n, f) == n);
	rewind(f);
	void *buf;
	size_t got;
	CHECK(io_read_alloc(f, n, &buf, &got) == 0 && got == n);
	CHECK(buf && memcmp(buf, big, n) == 0);
	free(buf);
	rewind(f);
	CHECK(io_read_alloc(f, n + 5, &buf, &got) == -1 && got == n && buf == NULL);
	CHECK(io_read_alloc(f, 0, &buf, &got) == 0 && got == 0 && buf != NULL);
	free(buf);
	rewind(f);
	char small[10];
	CHECK(io_read_full(f, small, sizeof small) == sizeof small);
	CHECK(memcmp(small, big, sizeof small) == 0);
	fclose(f);
	free(big);
}

static void run(void)
{
	char dir[] = "/tmp/test_outfile.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	test_commit_abort(dir);
	test_bad_paths(dir);
	test_npy_file(dir);
	test_pipes();
	test_stale(dir);
	test_read_alloc();
	CHECK(rmdir(dir) == 0);
}

CHECK_MAIN("test_outfile")
