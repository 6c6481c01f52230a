/* err.c - filling Err values in the library, and the tool-side helpers that
 * print them and exit (die, die_err) plus checked allocation (xmalloc ...).
 * Only the tool-side helpers print or exit; err_set and err_sys never do. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"

int err_set(Err *e, int code, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code ? code : EXIT_SYS;
	return -1;
}

/* errno is read before anything else can change it. */
int err_sys(Err *e, const char *fmt, ...)
{
	int saved = errno;
	if (!e)
		return -1;
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(e->msg, sizeof e->msg, "%s: %s", what,
		 saved ? strerror(saved) : "unknown error");
	e->code = saved == EPIPE ? EXIT_PIPE : EXIT_SYS;
	return -1;
}

int err_path(Err *e, const char *path)
{
	int saved = errno;
	int bad = saved == ENOENT || saved == ENOTDIR || saved == EACCES ||
		  saved == EISDIR || saved == ENAMETOOLONG || saved == ELOOP ||
		  saved == EROFS || saved == ECONNREFUSED;
	err_sys(e, "%s", path);
	if (bad && e)
		e->code = EXIT_BAD;
	return -1;
}


void err_sanitize(Err *e)
{
	for (char *c = e ? e->msg : NULL; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

_Noreturn void die_err(const char *prog, const Err *e)
{
	int code = e && e->code ? e->code : EXIT_SYS;
	if (code != EXIT_PIPE)
		fprintf(stderr, "%s: %s\n", prog ? prog : "gantools",
			e && e->msg[0] ? e->msg : "unknown error");
	exit(code);
}

_Noreturn void die(const char *prog, int code, const char *fmt, ...)
{
	if (code != EXIT_PIPE) {
		va_list ap;
		va_start(ap, fmt);
		fprintf(stderr, "%s: ", prog ? prog : "gantools");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	exit(code ? code : EXIT_SYS);
}

static _Noreturn void oom(size_t n)
{
	fprintf(stderr, "gantools: out of memory (%zu bytes)\n", n);
	exit(EXIT_SYS);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		oom((size_t)-1);
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}
