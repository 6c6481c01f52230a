/* sniff.h - telling a tensor file's format from its first bytes, on a
 * stream that may be a pipe: the bytes looked at are replayed to the reader
 * through a wrapping FILE, so nothing needs to seek. */
#ifndef GAN_SNIFF_H
#define GAN_SNIFF_H

#include <stdio.h>
#include "err.h"

typedef enum {
	FMT_EMPTY,        /* no bytes at all */
	FMT_NPY,          /* "\x93NUMPY" */
	FMT_SAFETENSORS,  /* u64 LE length in 2..ST_MAX_HEADER, then '{' */
	FMT_UNKNOWN
} FileFormat;

/* Decides the format of the first n bytes of a file (n may be short). */
FileFormat sniff_format(const unsigned char *head, size_t n);

/* Reads up to 9 bytes of f, sets *fmt, and returns a new FILE that yields
 * those bytes and then the rest of f. Close the returned FILE with fclose
 * (f itself stays open, owned by the caller). NULL with e on failure. */
FILE *sniff_open(FILE *f, const char *name, FileFormat *fmt, Err *e);

const char *sniff_format_name(FileFormat fmt);

/* What the first n bytes of a file look like, for messages about a file of
 * the wrong kind: "a .npy stream", "a safetensors checkpoint", "a PNG
 * image", "a gzip file", "a text file" (printable ASCII/UTF-8 and
 * whitespace only) or NULL when nothing is recognised. */
const char *sniff_describe(const unsigned char *head, size_t n);

#endif
