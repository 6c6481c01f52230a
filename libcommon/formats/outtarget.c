/* outtarget.c - resolving an output path before anything is written: the
 * symlinks of its last component are followed by hand (so a link is never
 * replaced, its target is), and the kind of file at the end decides between
 * atomic replacement and writing directly. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "outtarget.h"

#define MAX_LINKS 40

/* The descriptor named by "/dev/fd/N", "/proc/self/fd/N",
 * "/proc/thread-self/fd/N" or "/proc/<our pid>/fd/N"; -1 for any other
 * path. /dev/stdout and /dev/stderr are links to the second form. */
static int own_fd(const char *p)
{
	char self[48];
	snprintf(self, sizeof self, "/proc/%ld/fd/", (long)getpid());
	const char *pre[] = { "/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", self };
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		size_t n = strlen(pre[i]);
		if (strncmp(p, pre[i], n) != 0 || !p[n])
			continue;
		long fd = 0;
		const char *c = p + n;
		for (; isdigit((unsigned char)*c) && fd < 1000000; c++)
			fd = fd * 10 + (*c - '0');
		return *c ? -1 : (int)fd;
	}
	return -1;
}

/* The path a symlink at cur points to: its target, joined to cur's folder
 * when relative. malloc'd, NULL with errno. */
static char *link_next(const char *cur, size_t size)
{
	char *l = malloc(size + 1);
	if (!l)
		return NULL;
	ssize_t n = readlink(cur, l, size + 1);
	if (n < 0 || (size_t)n > size) {
		if (n >= 0)
			errno = EAGAIN;
		free(l);
		return NULL;
	}
	l[n] = '\0';
	const char *slash = strrchr(cur, '/');
	if (l[0] == '/' || !slash)
		return l;
	size_t d = (size_t)(slash - cur) + 1;
	char *j = malloc(d + (size_t)n + 1);
	if (j) {
		memcpy(j, cur, d);
		memcpy(j + d, l, (size_t)n + 1);
	}
	free(l);
	return j;
}

static int resolve_err(Err *e, const char *path, char *cur)
{
	int saved = errno;
	free(cur);
	errno = saved;
	err_sys(e, "%s", path);
	if (saved != ENOMEM && e)
		e->code = EXIT_BAD;
	return -1;
}

/* One step: 1 when cur was a link (replaced by its target), 0 when the end
 * of the chain is reached (t filled), -1 with errno. */
static int step(char **cur, OutTarget *t)
{
	struct stat st;
	t->fd = own_fd(*cur);
	if (t->fd >= 0) {
		t->kind = OUT_FD;
		return 0;
	}
	if (lstat(*cur, &st) != 0) {
		if (errno != ENOENT)
			return -1;
		t->kind = OUT_NEW;
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char *next = link_next(*cur, st.st_size > 0 ? (size_t)st.st_size : 4096);
		if (!next)
			return -1;
		free(*cur);
		*cur = next;
		return 1;
	}
	t->st = st;
	t->kind = S_ISREG(st.st_mode) ? OUT_REGULAR : S_ISDIR(st.st_mode) ? OUT_DIR : OUT_OTHER;
	return 0;
}

int outtarget_resolve(const char *path, OutTarget *t, Err *e)
{
	memset(t, 0, sizeof *t);
	char *cur = strdup(path);
	if (!cur)
		return err_set(e, EXIT_SYS, "out of memory");
	for (int hops = 0;; hops++) {
		if (hops > MAX_LINKS) {
			errno = ELOOP;
			return resolve_err(e, path, cur);
		}
		int rc = step(&cur, t);
		if (rc < 0)
			return resolve_err(e, path, cur);
		if (rc == 0)
			break;
	}
	t->path = cur;
	return 0;
}
