/* gzsrc.h - a byte source that is either raw or gzip (one or more members,
 * as gzip(1) writes them), detected by the magic. Unlike zlib's gz* layer,
 * bytes after the last member are an error, not ignored, and a cut stream
 * is told apart from a clean end. */
#ifndef GAN_GZSRC_H
#define GAN_GZSRC_H

#include <stdint.h>
#include <stdio.h>
#include <zlib.h>
#include "err.h"

typedef struct {
	FILE *f;
	const char *name;     /* for messages */
	int gzip;             /* 1 after the gzip magic was seen */
	int member_end;       /* 1 between members (a clean place to stop) */
	int eof;              /* the raw input is exhausted */
	z_stream z;
	uint8_t in[1 << 16];
} GzSrc;

/* Peeks at the first bytes of f to choose raw or gzip. 0 or -1 with e. */
int gzsrc_open(GzSrc *s, FILE *f, const char *name, Err *e);
/* Reads up to n bytes; returns the count (short only at the end of the
 * input) or -1 with e: "NAME: corrupt gzip data (zlib's reason)", "NAME:
 * trailing data after the gzip data", or a read error. */
int64_t gzsrc_read(GzSrc *s, void *dst, int64_t n, Err *e);
/* 1 when a gzip stream ended inside a member (cut short), else 0. */
int gzsrc_cut(const GzSrc *s);
/* 1 when the source is raw (not gzip). */
int gzsrc_direct(const GzSrc *s);
void gzsrc_close(GzSrc *s);

#endif
