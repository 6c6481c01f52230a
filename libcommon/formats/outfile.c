/* outfile.c - outputs written atomically (temporary file in the target's
 * folder, fsync, rename, fsync the folder), or directly into a device, FIFO
 * or socket, or to stdout; and the final stdout check every tool makes. */
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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "outfile.h"
#include "outtarget.h"

/* Longest file name the folder takes (255 where it cannot say). */
static size_t name_max(const char *dir)
{
	long m = pathconf(dir, _PC_NAME_MAX);
	return m > 16 && m < 4096 ? (size_t)m : 255;
}

/* The part of a target's name its temporaries carry: the whole base, or its
 * first bytes when ".<base>.tmp.<pid>.XXXXXX" would pass the folder's name
 * limit, so any name the folder accepts can be written. */
static size_t temp_base_len(const char *dir, const char *base)
{
	char pid[32];
	size_t fixed = 1 + 5 + (size_t)snprintf(pid, sizeof pid, "%ld", (long)getpid()) + 7;
	size_t max = name_max(dir), bl = strlen(base);
	return bl + fixed <= max ? bl : max > fixed ? max - fixed : 1;
}

/* Folder of path ("." when it has none) and the temporary-file template
 * "<dir>/.<base>.tmp.<pid>.XXXXXX" (base shortened by temp_base_len); both
 * malloc'd. */
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
	sprintf(*tmp, "%.*s.%.*s.tmp.%ld.XXXXXX", (int)(slash ? dlen + 1 : 0), path,
		(int)temp_base_len(*dir, base), base, (long)getpid());
	return 0;
}

/* The writer's pid in a temporary name of base (bl bytes of it),
 * ".<base>.tmp.<pid>.XXXXXX"; 0 when name is not one. */
static long temp_owner(const char *name, const char *base, size_t bl)
{
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
	size_t bl = temp_base_len(dir, base);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		long pid = temp_owner(de->d_name, base, bl);
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
	o->slot = -1;
	return 0;
}

/* Opens the temporary file of the regular file or new name o->path; an
 * existing target's mode (and owner, where allowed) carries over. */
static int open_atomic(OutFile *o, const char *path, const struct stat *old, Err *e)
{
	char *dir;
	if (split_path(o->path, &dir, &o->tmp) < 0)
		return err_set(e, EXIT_SYS, "out of memory");
	const char *slash = strrchr(o->path, '/');
	remove_stale(dir, slash ? slash + 1 : o->path);
	free(dir);
	int fd = io_mkstemp(o->tmp, &o->slot);
	if (fd < 0) {
		err_path(e, path);
		free(o->tmp), o->tmp = NULL;
		return -1;
	}
	mode_t mask = umask(0);
	umask(mask);
	if (old && fchown(fd, old->st_uid, old->st_gid) != 0 && geteuid() == 0) {
		close(fd);
		return err_sys(e, "%s", o->tmp);
	}
	o->f = fdopen(fd, "wb");
	if (fchmod(fd, old ? old->st_mode & 07777 : 0666 & ~mask) != 0 || !o->f) {
		err_sys(e, "%s", o->tmp);
		if (!o->f)
			close(fd);
		return -1;
	}
	return 0;
}

/* Connects to the Unix socket at target (stream), the way a device or FIFO
 * is opened for writing; the descriptor or -1 with errno. */
static int open_socket(const char *target)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(target) >= sizeof sa.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, target);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		fd = -1;
	}
	return fd;
}

/* Writes straight into what is not a regular file: descriptor dup_fd
 * (/dev/stdout, /dev/fd/N) when >= 0, else the device, FIFO (waiting for
 * its reader, as the shell's > does) or socket at o->path. */
static int open_direct(OutFile *o, const char *path, int dup_fd, int binary, Err *e)
{
	struct stat st;
	int fd;
	if (dup_fd >= 0)
		fd = fcntl(dup_fd, F_DUPFD_CLOEXEC, 3);
	else if (stat(o->path, &st) == 0 && S_ISSOCK(st.st_mode))
		fd = open_socket(o->path);
	else
		fd = open(o->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_path(e, path);
	o->direct = 1;
	if (binary && isatty(fd)) {
		close(fd);
		return err_set(e, EXIT_BAD, "refusing to write binary data to a terminal");
	}
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		close(fd);
		return err_sys(e, "%s", path);
	}
	return 0;
}

int outfile_open(OutFile *o, const char *path, int binary, Err *e)
{
	memset(o, 0, sizeof *o);
	o->slot = -1;
	if (!path || strcmp(path, "-") == 0)
		return open_stdout(o, binary, e);
	size_t n = strlen(path);
	if (n == 0 || path[n - 1] == '/')
		return err_set(e, EXIT_BAD, "%s: Is a directory", path);
	OutTarget t;
	if (outtarget_resolve(path, &t, e) < 0)
		return -1;
	o->path = t.path;
	int rc;
	if (t.kind == OUT_DIR)
		rc = err_set(e, EXIT_BAD, "%s: Is a directory", path);
	else if (t.kind == OUT_REGULAR || t.kind == OUT_NEW)
		rc = open_atomic(o, path, t.kind == OUT_REGULAR ? &t.st : NULL, e);
	else
		rc = open_direct(o, path, t.fd, binary, e);
	if (rc < 0)
		outfile_abort(o);
	return rc;
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

/* A device, FIFO or socket: flush and close, no fsync, no rename. */
static int commit_direct(OutFile *o, Err *e)
{
	if (flush_check(o->f, o->path, e) < 0)
		return -1;
	FILE *f = o->f;
	o->f = NULL;
	if (fclose(f) != 0)
		return err_sys(e, "%s: write error", o->path);
	return 0;
}

static int commit_named(OutFile *o, Err *e)
{
	if (o->direct)
		return commit_direct(o, e);
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
	io_temp_forget(o->slot);
	o->slot = -1;
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
	io_temp_forget(o->slot);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

int stdout_close(Err *e)
{
	int rc = flush_check(stdout, "<stdout>", e);
	errno = 0;
	if (fclose(stdout) != 0 && rc == 0)
		rc = err_sys(e, "<stdout>: write error");
	return rc;
}
