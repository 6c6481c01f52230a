/* fuzz_tsvlog.c - libFuzzer harness for the TSV training-log parser
 * (tsvlog_parse): any bytes must give a log or a one-line error, never a
 * crash, an overread or a leak; a parsed log must satisfy its contract. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tsvlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what tsvlog.h promises about a parsed log; aborts otherwise. */
static void check_log(const TsvLog *log)
{
	if (log->n <= 0 || !log->v || log->n > log->cap)
		abort();
	for (int i = 0; i < log->n; i++) {
		const double *row = log->v + (size_t)i * TSVLOG_COLS;
		if (!isfinite(row[LOG_STEP]) || row[LOG_STEP] < 0 ||
		    !isfinite(row[LOG_EPOCH]) || row[LOG_EPOCH] < 0)
			abort();
	}
}

/* data is size bytes (not NUL-terminated). Returns 0 always. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any read past the end. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	TsvLog log;
	Err e = {0};
	if (tsvlog_parse(buf, size, "fuzz.tsv", &log, &e) == 0) {
		check_log(&log);
		tsvlog_free(&log);
	} else if (e.code == 0 || e.msg[0] == '\0' || strchr(e.msg, '\n') || log.v) {
		abort();
	}
	free(buf);
	return 0;
}
