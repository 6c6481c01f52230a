/* outtarget.h - what an output path names once its symlinks are followed:
 * a regular file or a new name (replaced atomically by outfile.c), a
 * folder, something else (a device, FIFO or socket, written directly), or
 * a descriptor of this process (/dev/stdout, /dev/fd/N, /proc/self/fd/N). */
#ifndef GAN_OUTTARGET_H
#define GAN_OUTTARGET_H

#include <sys/stat.h>
#include "err.h"

enum { OUT_NEW, OUT_REGULAR, OUT_DIR, OUT_OTHER, OUT_FD };

typedef struct {
	int kind;          /* OUT_* */
	char *path;        /* the last name of the symlink chain (malloc'd) */
	int fd;            /* OUT_FD: the descriptor; else -1 */
	struct stat st;    /* OUT_REGULAR, OUT_DIR, OUT_OTHER: what path is */
} OutTarget;

/* Follows the symlinks of path's last component (a relative link target is
 * taken from the link's folder), at most 40 of them ("path: Too many levels
 * of symbolic links", EXIT_BAD). A dangling link names the file to create.
 * 0 with t filled (the caller frees t->path), or -1 with e ("path: ..."). */
int outtarget_resolve(const char *path, OutTarget *t, Err *e);

#endif
