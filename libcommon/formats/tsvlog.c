/* tsvlog.c - gan-step's TSV logs (see tsvlog.h): the writer gan-step uses,
 * and the strict parser of gan-plot loss (fuzzed). */
#include "tsvlog.h"
#include "sniff.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 4096

static const char *col_name[TSVLOG_COLS] = {
	"step", "epoch", "loss_D", "loss_G", "D_x", "D_G_z", "examples_per_s",
};

int tsvlog_write_header(FILE *f)
{
	int bad = fputs("# ", f) < 0;
	for (int i = 0; i < TSVLOG_COLS; i++)
		bad |= fprintf(f, "%s%c", col_name[i], i + 1 < TSVLOG_COLS ? '\t' : '\n') < 0;
	return bad ? -1 : 0;
}

int tsvlog_write_row(FILE *f, const TsvLogRow *r)
{
	return fprintf(f, "%lld\t%lld\t%.6f\t%.6f\t%.6f\t%.6f\t%.1f\n", (long long)r->step,
		       (long long)r->epoch, r->loss_d, r->loss_g, r->d_x, r->d_g_z,
		       r->ex_per_s) < 0 ? -1 : 0;
}

static int parse_field(const char *s, size_t len, double *out)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end != 0 || end == buf)
		return -1;
	*out = v;
	return 0;
}

/* One data line (no newline) into row[7]. */
static int parse_line(const char *s, size_t len, const char *name, int lineno,
		      double *row, Err *e)
{
	size_t start = 0;
	int col = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\t')
			continue;
		if (col >= TSVLOG_COLS) {
			col++;
			start = i + 1;
			continue;
		}
		if (parse_field(s + start, i - start, &row[col]) < 0) {
			int n = (int)(i - start);
			err_set(e, EXIT_BAD, "%s:%d: field %d (%s): '%.*s' is not a number",
				name, lineno, col + 1, col_name[col], n > 40 ? 40 : n, s + start);
			err_sanitize(e);   /* the field may hold control bytes */
			return -1;
		}
		col++;
		start = i + 1;
	}
	if (col != TSVLOG_COLS)
		return err_set(e, EXIT_BAD, "%s:%d: expected %d tab-separated fields, got %d",
			       name, lineno, TSVLOG_COLS, col);
	if (!isfinite(row[LOG_STEP]) || row[LOG_STEP] < 0 || !isfinite(row[LOG_EPOCH]) ||
	    row[LOG_EPOCH] < 0)
		return err_set(e, EXIT_BAD, "%s:%d: step and epoch must be finite and >= 0",
			       name, lineno);
	return 0;
}

static int push_row(TsvLog *log, const double *row)
{
	if (log->n == log->cap) {
		int cap = log->cap ? log->cap * 2 : 256;
		double *v = realloc(log->v, (size_t)cap * TSVLOG_COLS * sizeof *v);
		if (!v)
			return -1;
		log->v = v;
		log->cap = cap;
	}
	memcpy(log->v + (size_t)log->n * TSVLOG_COLS, row, TSVLOG_COLS * sizeof *row);
	log->n++;
	return 0;
}

int tsvlog_parse(const char *buf, size_t len, const char *name, TsvLog *log, Err *e)
{
	memset(log, 0, sizeof *log);
	const char *what = sniff_describe((const unsigned char *)buf, len < 9 ? len : 9);
	if (memchr(buf, '\0', len) || (what && strcmp(what, "a text file")))
		return err_set(e, EXIT_BAD, "%s: %s, not a TSV log", name,
			       what && strcmp(what, "a text file") ? what : "binary data");
	int lineno = 0;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		lineno++;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		if (n > MAX_LINE) {
			tsvlog_free(log);
			return err_set(e, EXIT_BAD, "%s:%d: line longer than %d bytes", name, lineno, MAX_LINE);
		}
		if (n > 0 && buf[pos] != '#') {
			double row[TSVLOG_COLS];
			if (parse_line(buf + pos, n, name, lineno, row, e) < 0) {
				tsvlog_free(log);
				return -1;
			}
			if (push_row(log, row) < 0) {
				tsvlog_free(log);
				return err_set(e, EXIT_SYS, "%s: out of memory", name);
			}
		}
		pos = end + 1;
	}
	if (log->n == 0)
		return err_set(e, EXIT_BAD, "%s: no data lines", name);
	return 0;
}

int tsvlog_read(FILE *f, const char *name, TsvLog *log, Err *e)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len == cap) {
			char *nb = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (!buf)
		return err_set(e, EXIT_SYS, "%s: out of memory", name);
	if (ferror(f)) {
		free(buf);
		return err_sys(e, "%s: read error", name);
	}
	int rc = tsvlog_parse(buf, len, name, log, e);
	free(buf);
	return rc;
}

void tsvlog_free(TsvLog *log)
{
	free(log->v);
	memset(log, 0, sizeof *log);
}
