/* tsvlog.h - gan-step's TSV training logs, written and read here:
 * "step epoch loss_D loss_G D_x D_G_z examples_per_s", '#' lines are comments. */
#ifndef GAN_TSVLOG_H
#define GAN_TSVLOG_H

#include <stdint.h>
#include <stdio.h>
#include "err.h"

#define TSVLOG_COLS 7

typedef struct {
	int n, cap;
	double *v;          /* n rows x TSVLOG_COLS, row-major */
} TsvLog;

enum { LOG_STEP, LOG_EPOCH, LOG_LOSS_D, LOG_LOSS_G, LOG_D_X, LOG_D_G_Z, LOG_RATE };

/* One data line as written. */
typedef struct {
	int64_t step, epoch;
	double loss_d, loss_g, d_x, d_g_z, ex_per_s;
} TsvLogRow;

/* The header line "# step\tepoch\tloss_D\tloss_G\tD_x\tD_G_z\texamples_per_s".
 * 0, or -1 when the write failed (ferror tells; errno as stdio left it). */
int tsvlog_write_header(FILE *f);
/* One data line: step and epoch as integers, losses and probabilities with 6
 * decimals, examples per second with 1. 0 or -1 as above. */
int tsvlog_write_row(FILE *f, const TsvLogRow *r);

/* Parses a whole log; every data line must hold 7 tab-separated numbers
 * (loss values may be nan/inf; step and epoch are finite and >= 0).
 * Errors: "NAME:LINE: expected 7 tab-separated fields, got 5",
 * "NAME:LINE: field 3 (loss_D): 'abc' is not a number",
 * "NAME:LINE: line longer than 4096 bytes", "NAME: no data lines". */
int tsvlog_read(FILE *f, const char *name, TsvLog *log, Err *e);
/* Parses from memory (used by the fuzzer). */
int tsvlog_parse(const char *buf, size_t len, const char *name, TsvLog *log, Err *e);
void tsvlog_free(TsvLog *log);

#endif
