/* args.h - strict conversions of command-line arguments, the one parser of
 * numbers, ranges and lists for every tool: the whole argument must be the
 * value (no leading space, no '+', nothing after it), integers in range,
 * reals finite. Each returns 0, or -1 leaving *v untouched; the tool words
 * the message ("--bins: expected an integer from 2 to 10000, got '3x'"). */
#ifndef GAN_ARGS_H
#define GAN_ARGS_H

#include <stdint.h>

/* A decimal integer, optionally negative, in [lo, hi]. */
int arg_int(const char *s, int64_t lo, int64_t hi, int64_t *v);
/* arg_int into an int. */
int arg_int32(const char *s, int lo, int hi, int *v);
/* A decimal unsigned 64-bit integer: digits only, 0 .. 2^64-1. */
int arg_u64(const char *s, uint64_t *v);
/* A finite real number (strtod's syntax, decimal or hex) in [lo, hi]. */
int arg_num(const char *s, double lo, double hi, double *v);
/* "LO:HI", two finite reals with LO < HI. */
int arg_range(const char *s, double *lo, double *hi);
/* "A,B,C": 1 to max finite reals separated by commas, no empty item; the
 * count, or -1. */
int arg_list(const char *s, double *v, int max);
/* "RxC" (or "RXC"): two integers in 1 .. max. */
int arg_grid(const char *s, int max, int *rows, int *cols);
/* s as one of names (NULL-terminated): its index, or -1. */
int arg_choice(const char *s, const char *const *names);

#endif
