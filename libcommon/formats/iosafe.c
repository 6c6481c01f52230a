/* iosafe.c - the start of every tool (io_init): standard descriptors that
 * are never left closed, SIGPIPE ignored, and a signal handler that removes
 * the temporaries of atomic outputs, says why the tool stopped and ends it
 * by the same signal. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "err.h"
#include "iosafe.h"

#define TEMP_SLOTS 4

/* The only mutable file-scope state in libcommon, and it is here because a
 * signal handler can reach nothing else: the temporaries to remove (a path
 * is written while its slot is free and published by the release store of
 * `used`; the handler reads only slots it sees used) and the program name
 * for the message, copied once by io_init. */
static struct {
	atomic_int used;
	char path[PATH_MAX];
} temp_slot[TEMP_SLOTS];
static char sig_prog[64];

static const int clean_sigs[] = { SIGINT, SIGTERM, SIGHUP };

static const char *sig_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

/* Async-signal-safe only: unlink, write, sigaction, sigprocmask, raise,
 * _exit; no stdio, no malloc, no locks. */
static void on_signal(int sig)
{
	int saved = errno, removed = 0;
	for (int i = 0; i < TEMP_SLOTS; i++)
		if (atomic_load_explicit(&temp_slot[i].used, memory_order_acquire) &&
		    unlink(temp_slot[i].path) == 0)
			removed = 1;
	char msg[160];
	size_t n = 0;
	const char *parts[] = { sig_prog, ": interrupted by ", sig_name(sig),
				removed ? "; output not written\n" : "\n" };
	for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++)
		for (const char *c = parts[p]; *c && n < sizeof msg; c++)
			msg[n++] = *c;
	ssize_t w = write(STDERR_FILENO, msg, n);
	(void)w;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	errno = saved;
	_exit(128 + sig);
}

/* fd 0 write-only, 1 and 2 read-only: a read of a closed stdin or a write
 * to a closed stdout then fails (EBADF) as it would have, but no file the
 * tool opens later takes the number. */
static void open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (nfd != fd)
			_exit(EXIT_SYS);
	}
}

static void install_handlers(void)
{
	const char *p = program_invocation_short_name;
	strncpy(sig_prog, p && *p ? p : "gantools", sizeof sig_prog - 1);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof clean_sigs / sizeof clean_sigs[0]; i++)
		sigaddset(&sa.sa_mask, clean_sigs[i]);
	for (size_t i = 0; i < sizeof clean_sigs / sizeof clean_sigs[0]; i++)
		if (sigaction(clean_sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(clean_sigs[i], &sa, NULL);
}

void io_init(void)
{
	open_std_fds();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	install_handlers();
}

int io_temp_register(const char *path)
{
	size_t n = strlen(path);
	if (n >= PATH_MAX)
		return -1;
	for (int i = 0; i < TEMP_SLOTS; i++) {
		if (atomic_load_explicit(&temp_slot[i].used, memory_order_acquire))
			continue;
		memcpy(temp_slot[i].path, path, n + 1);
		atomic_store_explicit(&temp_slot[i].used, 1, memory_order_release);
		return i;
	}
	return -1;
}

int io_mkstemp(char *tmpl, int *slot)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof clean_sigs / sizeof clean_sigs[0]; i++)
		sigaddset(&set, clean_sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	int fd = mkstemp(tmpl);
	int saved = errno;
	*slot = fd >= 0 ? io_temp_register(tmpl) : -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return fd;
}

void io_temp_forget(int slot)
{
	if (slot >= 0 && slot < TEMP_SLOTS)
		atomic_store_explicit(&temp_slot[slot].used, 0, memory_order_release);
}
