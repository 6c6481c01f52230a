/* outfile.c - outputs written atomically (temporary file in the target's
 * folder, fsync, rename, fsync the folder) or to stdout, and the SIGPIPE /
 * final stdout checks every tool makes. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"

/* Folder of path ("." when it has none) and the temporary-file template
 * "<dir>/.<base>.tmp.<pid>.XXXXXX"; both malloc'd. */
static int split_path(const char *path, char **dir, char **tmp)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	*dir = malloc(dlen + 2);
	*tmp = malloc(strlen(path) + 40);
	if (!*dir || !*tmp) {
		free(*dir);
		free(*tmp);
		return -1;
	}
	if (!slash)
		strcpy(*dir, ".");
	else if (dlen == 0)
		strcpy(*dir, "/");
	else
		memcpy(*dir, path, dlen), (*dir)[dlen] = '\0';
	sprintf(*tmp, "%.*s.%s.tmp.%ld.XXXXXX", (int)(slash ? dlen + 1 : 0), path, base,
		(long)getpid());
	return 0;
}

/* The writer's pid in a temporary name of base, ".<base>.tmp.<pid>.XXXXXX";
 * 0 when name is not one. */
static long temp_owner(const char *name, const char *base)
{
	size_t bl = strlen(base);
	if (name[0] != '.' || strncmp(name + 1, base, bl) != 0 ||
	    strncmp(name + 1 + bl, ".tmp.", 5) != 0)
		return 0;
	const char *p = name + 1 + bl + 5;
	long pid = 0;
	for (; isdigit((unsigned char)*p) && pid < INT_MAX / 10; p++)
		pid = pid * 10 + (*p - '0');
	if (*p != '.' || strlen(p + 1) != 6 || strchr(p + 1, '.'))
		return 0;
	return pid;
}

/* Removes the temporaries of the target dir/base whose writer is gone
 * (kill(pid, 0) answers ESRCH): a SIGKILL between outfile_open and the
 * rename leaves one. Best effort: a temp that stays only costs space. */
static void remove_stale(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		long pid = temp_owner(de->d_name, base);
		if (pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
}

static int open_stdout(OutFile *o, int binary, Err *e)
{
	if (binary && isatty(STDOUT_FILENO))
		return err_set(e, EXIT_BAD, "refusing to write binary data to a terminal");
	o->path = strdup("-");
	if (!o->path)
		return err_set(e, EXIT_SYS, "out of memory");
	o->f = stdout;
	o->is_stdout = 1;
	return 0;
}

int outfile_open(OutFile *o, const char *path, int binary, Err *e)
{
	memset(o, 0, sizeof *o);
	if (!path || strcmp(path, "-") == 0)
		return open_stdout(o, binary, e);
	struct stat st;
	size_t n = strlen(path);
	if (n == 0 || path[n - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return err_set(e, EXIT_BAD, "%s: Is a directory", path);
	char *dir;
	if (split_path(path, &dir, &o->tmp) < 0)
		return err_set(e, EXIT_SYS, "out of memory");
	const char *slash = strrchr(path, '/');
	remove_stale(dir, slash ? slash + 1 : path);
	free(dir);
	o->path = strdup(path);
	if (!o->path) {
		outfile_abort(o);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	int fd = mkstemp(o->tmp);
	if (fd < 0) {
		err_path(e, path);
		free(o->tmp), o->tmp = NULL;
		outfile_abort(o);
		return -1;
	}
	mode_t mask = umask(0);
	umask(mask);
	o->f = fdopen(fd, "wb");
	if (fchmod(fd, 0666 & ~mask) != 0 || !o->f) {
		err_sys(e, "%s", o->tmp);
		if (!o->f)
			close(fd);
		outfile_abort(o);
		return -1;
	}
	return 0;
}

/* fsync on a folder; filesystems that cannot do it answer EINVAL. */
static int sync_dir(const char *dir, Err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, "%s", dir);
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	if (rc != 0 && saved != EINVAL) {
		errno = saved;
		return err_sys(e, "%s: fsync", dir);
	}
	return 0;
}

/* After a failed fwrite stdio drops the buffer and errno is lost, so a
 * later fflush succeeds; a pipe or socket whose reader has gone still
 * answers POLLERR or POLLHUP, which tells EPIPE apart from other errors. */
static int reader_gone(FILE *f)
{
	struct stat st;
	int fd = fileno(f);
	if (fd < 0 || fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* Flush, check the error flag, and report EPIPE as EXIT_PIPE. */
static int flush_check(FILE *f, const char *name, Err *e)
{
	errno = 0;
	if (fflush(f) != 0)
		return err_sys(e, "%s: write error", name);
	if (!ferror(f))
		return 0;
	if (reader_gone(f)) {
		errno = EPIPE;
		return err_sys(e, "%s: write error", name);
	}
	return err_set(e, EXIT_SYS, "%s: write error", name);
}

static int commit_named(OutFile *o, Err *e)
{
	if (flush_check(o->f, o->path, e) < 0)
		return -1;
	if (fsync(fileno(o->f)) != 0)
		return err_sys(e, "%s: fsync", o->path);
	FILE *f = o->f;
	o->f = NULL;
	if (fclose(f) != 0)
		return err_sys(e, "%s: write error", o->path);
	if (rename(o->tmp, o->path) != 0)
		return err_path(e, o->path);
	free(o->tmp);
	o->tmp = NULL;
	char *dir, *tmpl;
	if (split_path(o->path, &dir, &tmpl) < 0)
		return err_set(e, EXIT_SYS, "out of memory");
	free(tmpl);
	int rc = sync_dir(dir, e);
	free(dir);
	return rc;
}

int outfile_commit(OutFile *o, Err *e)
{
	int rc;
	if (o->is_stdout) {
		rc = flush_check(stdout, "<stdout>", e);
		o->f = NULL;
	} else if (!o->f) {
		rc = err_set(e, EXIT_SYS, "outfile_commit: output is not open");
	} else {
		rc = commit_named(o, e);
	}
	outfile_abort(o);
	return rc;
}

void outfile_abort(OutFile *o)
{
	if (!o)
		return;
	if (o->f && !o->is_stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

void io_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

int stdout_close(Err *e)
{
	int rc = flush_check(stdout, "<stdout>", e);
	errno = 0;
	if (fclose(stdout) != 0 && rc == 0)
		rc = err_sys(e, "<stdout>: write error");
	return rc;
}
