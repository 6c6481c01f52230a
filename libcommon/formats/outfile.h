/* outfile.h - output that is either stdout or a named file written
 * atomically: a temporary file in the same folder, fsync, rename over the
 * target, fsync the folder. A killed run never leaves a torn file. Also the
 * SIGPIPE setting and the final check of stdout that every tool makes. The
 * input side is infile.h. */
#ifndef GAN_OUTFILE_H
#define GAN_OUTFILE_H

#include <stdio.h>
#include "err.h"

typedef struct {
	FILE *f;
	char *path;       /* target ("-" for stdout) */
	char *tmp;        /* temporary name, NULL for stdout */
	int is_stdout;
} OutFile;

/* path NULL or "-" means stdout. binary != 0 refuses a terminal on stdout
 * ("refusing to write binary data to a terminal", EXIT_BAD). A named file
 * is written to "<dir>/.<base>.tmp.<pid>.XXXXXX" with mode 0666 & ~umask.
 * Temporaries of the same target left by a writer that no longer runs
 * (killed before its rename: kill(pid, 0) answers ESRCH) are removed first.
 * A missing folder or a folder as target is EXIT_BAD ("out/x.npy: No such
 * file or directory", "out: Is a directory"). 0 or -1 with e. */
int outfile_open(OutFile *o, const char *path, int binary, Err *e);
/* Flushes and checks for write errors; for a named file fsyncs, renames over
 * the target and fsyncs the folder. EPIPE gives e->code EXIT_PIPE. stdout
 * stays open (tools still end with stdout_close). Always releases o: on
 * failure the temporary file is removed and an old target is untouched. */
int outfile_commit(OutFile *o, Err *e);
/* Abandons a named output: closes and unlinks the temporary file. Safe on
 * an OutFile that failed to open, was committed, or was already aborted. */
void outfile_abort(OutFile *o);

/* Ignores SIGPIPE so writes fail with EPIPE and are reported, not killed.
 * Each tool calls it first. */
void io_init(void);
/* Final check of stdout: fflush + ferror + fclose; returns 0 or -1 with e
 * ("<stdout>: write error: ..."; EXIT_PIPE when the reader went away). */
int stdout_close(Err *e);

#endif
