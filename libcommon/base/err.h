/* err.h - error values passed up from the library to the tools.
 * Library code never prints or exits: it fills an Err and returns -1; a tool
 * prints "prog: message" on stderr and exits with the code (the exit
 * statuses of README.md, "The tools"). */
#ifndef GAN_ERR_H
#define GAN_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum {
	EXIT_BAD = 1,        /* bad input or usage */
	EXIT_SYS = 2,        /* internal or system failure (I/O, memory) */
	EXIT_NONFINITE = 3,  /* training produced a non-finite loss or weight */
	EXIT_PIPE = 141,     /* reader of stdout went away (as 128 + SIGPIPE) */
};

typedef struct {
	int code;            /* one of the EXIT_* values; 0 = no error */
	char msg[512];       /* "file: what is wrong", without the program name */
} Err;

/* Sets e (if not NULL) and returns -1, so callers can `return err_set(...)`. */
int err_set(Err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, appending ": strerror(errno)" and picking EXIT_PIPE for EPIPE. */
int err_sys(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* err_sys for a file name: "path: strerror(errno)", with EXIT_BAD when the
 * path is the user's mistake (missing, unreadable, a folder, a read-only
 * filesystem...), EXIT_SYS for anything else. */
int err_path(Err *e, const char *path);
/* Replaces control bytes (< 0x20 and 0x7f) in e->msg with '?', so a message
 * quoting names or text taken from an input file stays one printable line
 * on stderr. Safe on NULL. */
void err_sanitize(Err *e);

/* Tool side: prints "prog: msg" on stderr (nothing for EXIT_PIPE) and exits
 * with the code (EXIT_SYS when the code is 0). */
_Noreturn void die_err(const char *prog, const Err *e);
_Noreturn void die(const char *prog, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checked allocation for tools and set-up code (never inside training loops):
 * on failure prints "gantools: out of memory (N bytes)" and exits EXIT_SYS.
 * A size of 0 is treated as 1, so the result is never NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
