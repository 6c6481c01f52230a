/* metricslog.h - reads the per-epoch quality log of the MNIST scripts
 * (metrics.tsv): "epoch step net fd kid precision recall density coverage
 * class_max_share class_entropy", net G or G_ema; '#' lines are comments. */
#ifndef GAN_METRICSLOG_H
#define GAN_METRICSLOG_H

#include <stdio.h>
#include "err.h"

#define MLOG_COLS 11

enum { MLOG_EPOCH, MLOG_STEP, MLOG_NET, MLOG_FD, MLOG_KID, MLOG_PRECISION, MLOG_RECALL,
       MLOG_DENSITY, MLOG_COVERAGE, MLOG_CLASS_MAX, MLOG_CLASS_ENTROPY };

typedef struct {
	int n, cap;
	double *v;          /* n rows x MLOG_COLS; the net column is 0 (G) or 1 (G_ema) */
} MetricsLog;

/* The column names, in order. */
extern const char *const mlog_names[MLOG_COLS];

/* Parses a whole log: 11 tab-separated fields per data line, epoch and
 * step finite and >= 0, net G or G_ema, figures numbers (nan allowed).
 * Errors: "NAME:LINE: expected 11 tab-separated fields, got 7",
 * "NAME:LINE: field 3 (net): 'H' is not G or G_ema", "NAME: no data lines".
 * 0 or -1 with e. */
int mlog_read(FILE *f, const char *name, MetricsLog *log, Err *e);
void mlog_free(MetricsLog *log);

#endif
