/* metricslog.c - strict parser of metrics.tsv (see metricslog.h), for
 * gan-plot metrics. */
#include "metricslog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 4096

const char *const mlog_names[MLOG_COLS] = {
	"epoch", "step", "net", "fd", "kid", "precision", "recall", "density", "coverage",
	"class_max_share", "class_entropy",
};

/* One field (s, len) of column col into *out. */
static int field(const char *s, size_t len, int col, double *out)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (col == MLOG_NET) {
		*out = strcmp(buf, "G") == 0 ? 0 : strcmp(buf, "G_ema") == 0 ? 1 : -1;
		return *out < 0 ? -1 : 0;
	}
	char *end;
	*out = strtod(buf, &end);
	return *end || end == buf ? -1 : 0;
}

/* One data line (no newline) into row. */
static int parse_line(const char *s, size_t len, const char *name, int ln, double *row, Err *e)
{
	size_t start = 0;
	int col = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\t')
			continue;
		if (col < MLOG_COLS && field(s + start, i - start, col, &row[col]) < 0) {
			int n = (int)(i - start) > 40 ? 40 : (int)(i - start);
			err_set(e, EXIT_BAD, "%s:%d: field %d (%s): '%.*s' is not %s", name, ln,
				col + 1, mlog_names[col], n, s + start,
				col == MLOG_NET ? "G or G_ema" : "a number");
			err_sanitize(e);
			return -1;
		}
		col++;
		start = i + 1;
	}
	if (col != MLOG_COLS)
		return err_set(e, EXIT_BAD, "%s:%d: expected %d tab-separated fields, got %d", name,
			       ln, MLOG_COLS, col);
	if (!isfinite(row[MLOG_EPOCH]) || row[MLOG_EPOCH] < 0 || !isfinite(row[MLOG_STEP]) ||
	    row[MLOG_STEP] < 0)
		return err_set(e, EXIT_BAD, "%s:%d: epoch and step must be finite and >= 0", name,
			       ln);
	return 0;
}

int mlog_read(FILE *f, const char *name, MetricsLog *log, Err *e)
{
	memset(log, 0, sizeof *log);
	char line[MAX_LINE + 2];
	int ln = 0;
	while (fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		ln++;
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			mlog_free(log);
			return err_set(e, EXIT_BAD, "%s:%d: line longer than %d bytes", name, ln,
				       MAX_LINE);
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n == 0 || line[0] == '#')
			continue;
		if (log->n == log->cap) {
			int cap = log->cap ? 2 * log->cap : 64;
			double *v = realloc(log->v, (size_t)cap * MLOG_COLS * sizeof *v);
			if (!v) {
				mlog_free(log);
				return err_set(e, EXIT_SYS, "%s: out of memory", name);
			}
			log->v = v;
			log->cap = cap;
		}
		if (parse_line(line, n, name, ln, log->v + (size_t)log->n * MLOG_COLS, e)) {
			mlog_free(log);
			return -1;
		}
		log->n++;
	}
	if (ferror(f)) {
		mlog_free(log);
		return err_sys(e, "%s: read error", name);
	}
	if (log->n == 0)
		return err_set(e, EXIT_BAD, "%s: no data lines", name);
	return 0;
}

void mlog_free(MetricsLog *log)
{
	free(log->v);
	memset(log, 0, sizeof *log);
}
