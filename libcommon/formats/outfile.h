/* outfile.h - output that is either stdout or a named file written
 * atomically: a temporary file in the same folder, fsync, rename over the
 * target, fsync the folder. A killed run never leaves a torn file. A
 * device, FIFO or socket is written directly instead, and a symlink is
 * followed (its target is replaced). Also the final check of stdout that
 * every tool makes. The input side is infile.h; io_init (SIGPIPE, closed
 * standard descriptors) and the signal cleanup of temporaries, iosafe.h. */
#ifndef GAN_OUTFILE_H
#define GAN_OUTFILE_H

#include <stdio.h>
#include "err.h"
#include "iosafe.h"

typedef struct {
	FILE *f;
	char *path;       /* target ("-" for stdout) */
	char *tmp;        /* temporary name, NULL for stdout and direct */
	int is_stdout;
	int direct;       /* written in place: device, FIFO, socket, own fd */
	int slot;         /* io_temp_register slot of tmp, or -1 */
} OutFile;

/* path NULL or "-" means stdout. binary != 0 refuses a terminal on stdout
 * ("refusing to write binary data to a terminal", EXIT_BAD). Symlinks of
 * the last component are followed first (outtarget.h). A regular file or a
 * new name is written to "<dir>/.<base>.tmp.<pid>.XXXXXX" (base shortened
 * so the name fits the folder's limit) with the old file's mode and owner,
 * or mode 0666 & ~umask for a new one; the temporary is registered for
 * removal on SIGINT, SIGTERM, SIGHUP (iosafe.h). Temporaries of the same
 * target left by a writer that no longer runs (killed before its rename:
 * kill(pid, 0) answers ESRCH) are removed first. A character or block
 * device, FIFO or socket (connected as a stream), or a descriptor of this
 * process (/dev/stdout, /dev/fd/N) is written directly: no temporary, no
 * rename, no fsync (a terminal is refused when binary). A missing folder
 * or a folder as target is EXIT_BAD ("out/x.npy: No such file or
 * directory", "out: Is a directory"). 0 or -1 with e. */
int outfile_open(OutFile *o, const char *path, int binary, Err *e);
/* Flushes and checks for write errors; for a named regular file fsyncs,
 * renames over the target and fsyncs the folder (a direct output is only
 * flushed and closed). EPIPE gives e->code EXIT_PIPE. stdout
 * stays open (tools still end with stdout_close). Always releases o: on
 * failure the temporary file is removed and an old target is untouched. */
int outfile_commit(OutFile *o, Err *e);
/* Abandons a named output: closes and unlinks the temporary file (a direct
 * output is only closed: what was written stays written). Safe on
 * an OutFile that failed to open, was committed, or was already aborted. */
void outfile_abort(OutFile *o);

/* Final check of stdout: fflush + ferror + fclose; returns 0 or -1 with e
 * ("<stdout>: write error: ..."; EXIT_PIPE when the reader went away). */
int stdout_close(Err *e);

#endif
