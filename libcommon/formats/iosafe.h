/* iosafe.h - process-wide safety every tool sets up first (io_init):
 * closed descriptors 0-2 reopened on /dev/null, SIGPIPE ignored, and the
 * temporary files of atomic outputs removed on SIGINT, SIGTERM, SIGHUP. */
#ifndef GAN_IOSAFE_H
#define GAN_IOSAFE_H

/* Call first in main, before anything opens a file. Any of fd 0-2 that is
 * closed is opened on /dev/null in the mode that makes its use fail (fd 0
 * write-only, fd 1 and 2 read-only, as gnulib's stdopen), so a file opened
 * later never lands on 0-2 and a closed stdout is still reported as a write
 * error. Ignores SIGPIPE (writes then fail with EPIPE and are reported).
 * Installs the cleanup handler for SIGINT, SIGTERM and SIGHUP unless the
 * signal was ignored on entry (nohup, background jobs): it removes the
 * registered temporaries, prints "<prog>: interrupted by SIGX" on stderr
 * and ends the process by the same signal (the shell reports 128 + N).
 * Exits EXIT_SYS when /dev/null cannot be opened. */
void io_init(void);

/* Registers a temporary file for removal by the signal handler; returns a
 * slot (>= 0) for io_temp_forget, or -1 when the path is too long or all
 * slots are taken (the file then is only left behind on a signal, to be
 * removed by the next writer of the same target). */
int io_temp_register(const char *path);
/* mkstemp(tmpl) and io_temp_register of the name with SIGINT, SIGTERM and
 * SIGHUP blocked in between, so a signal to this thread cannot come after
 * the file exists and before the handler knows it (another thread of the
 * process can still take one in that window: the temporary then stays for
 * the next writer's stale-file sweep). The descriptor, *slot set; or -1
 * with errno. */
int io_mkstemp(char *tmpl, int *slot);
/* Forgets a slot from io_temp_register (after rename or unlink); -1 is a
 * no-op. */
void io_temp_forget(int slot);

#endif
