/* gan-info - prints what a tensor file holds: each record of a .npy stream
 * with its summary statistics, or a safetensors checkpoint's tensors and
 * metadata. The format is told by magic, so pipes work too. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "infile.h"
#include "npy.h"
#include "outfile.h"
#include "safetensors.h"
#include "sniff.h"
#include "tensor.h"
#include "tstats.h"

#define PROG "gan-info"
#define USAGE "usage: gan-info [--stats] [FILE ...]\n"
#define CHUNK (1u << 20)

enum { O_STATS = 256 };

static const CliOpt opts[] = {
	{ O_STATS, 0, "stats", NULL, "Also print the mean and standard deviation of every "
	  "tensor and record", NULL, 0 },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts,
	.about = "Print what .npy streams and safetensors checkpoints hold (stdin without FILE).",
};

struct cmdline {
	int stats;
	int nfiles;
	char **files;
};

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *c = ctx;
	if (key == O_STATS)
		c->stats = 1;
}

static void parse_args(struct cmdline *c, int argc, char **argv)
{
	CliArgs a;
	memset(c, 0, sizeof *c);
	cli_parse(&spec, argc, argv, on_opt, c, &a);
	c->nfiles = a.n;
	c->files = a.args;
}

/* " min 0 max 255" etc. appended to a record or tensor line. */
static void print_stats(const TStats *s, DType dt, int full)
{
	if (s->n > 0) {
		if (dtype_is_float(dt)) {
			printf(" min %.6g mean %.6g max %.6g", s->min, s->mean, s->max);
			if (full)
				printf(" std %.6g", tstats_std(s));
		} else {
			printf(" min %.17g max %.17g", s->min, s->max);
			if (full)
				printf(" mean %.6g std %.6g", s->mean, tstats_std(s));
		}
	}
	if (s->nonfinite > 0)
		printf(" nonfinite %" PRId64, s->nonfinite);
}

/* Records N x D with D up to this get a statistics line per column. */
#define MAX_COLS 8

/* Columns of a record that get their own statistics: D for N x D points
 * (2 <= D <= MAX_COLS), else 0. */
static int stat_cols(const Tensor *t)
{
	return t->ndim == 2 && t->shape[1] >= 2 && t->shape[1] <= MAX_COLS && t->shape[0] > 0 ?
	       (int)t->shape[1] : 0;
}

/* Adds count elements starting at element `first` of the record to the
 * column statistics: column of element g is g % D in C order, g / N in
 * Fortran order. */
static void add_cols(TStats *col, const Tensor *t, int fortran, const void *buf,
		     int64_t first, size_t count)
{
	int64_t n = t->shape[0], d = t->shape[1];
	size_t es = dtype_size(t->dtype);
	for (size_t i = 0; i < count; i++) {
		int64_t g = first + (int64_t)i;
		tstats_add(&col[fortran ? g / n : g % d], t->dtype, (const char *)buf + i * es, 1);
	}
}

/* Streams one record's data through the statistics in chunks: s for the
 * whole record, col[stat_cols(t)] per column. */
static int npy_record_stats(FILE *f, const char *name, int index, const Tensor *t,
			    int fortran, TStats *s, TStats *col, void *buf, Err *e)
{
	int64_t left = tensor_nbytes(t, e), done = 0, total = left;
	if (left < 0)
		return -1;
	size_t es = dtype_size(t->dtype);
	size_t step = CHUNK - CHUNK % es;
	tstats_init(s);
	for (int c = 0; c < stat_cols(t); c++)
		tstats_init(&col[c]);
	while (left > 0) {
		size_t k = (uint64_t)left < step ? (size_t)left : step;
		if (npy_read_part(f, name, index, buf, k, (size_t)(total - left), (size_t)total,
				  e) != 0)
			return -1;
		tstats_add(s, t->dtype, buf, k / es);
		if (stat_cols(t))
			add_cols(col, t, fortran, buf, done, k / es);
		done += (int64_t)(k / es);
		left -= (int64_t)k;
	}
	return 0;
}

/* The label of record index: "x " for the first; "y " for a second that
 * holds labels (N integers, N the first record's count); else none. */
static const char *record_label(int index, const Tensor *t, int64_t n_first)
{
	if (index == 1)
		return "x ";
	int integer = !dtype_is_float(t->dtype) && t->dtype != DT_BOOL;
	return index == 2 && integer && t->ndim == 1 && t->shape[0] == n_first ? "y " : "";
}

static int info_npy(FILE *f, const char *name, int full, Err *e)
{
	void *buf = xmalloc(CHUNK);
	int rc = 0;
	int64_t n_first = -1;
	for (int index = 1;; index++) {
		Tensor t = { 0 };
		int fortran;
		rc = npy_read_header_order(f, name, index, &t, &fortran, e);
		if (rc <= 0)
			break;
		TStats s, col[MAX_COLS];
		rc = npy_record_stats(f, name, index, &t, fortran, &s, col, buf, e);
		if (rc != 0)
			break;
		char desc[200];
		printf("record %d: %s%s%s", index, record_label(index, &t, n_first),
		       tensor_describe(&t, desc, sizeof desc), fortran ? " (Fortran order)" : "");
		if (index == 1)
			n_first = t.ndim ? t.shape[0] : -1;
		print_stats(&s, t.dtype, full);
		putchar('\n');
		for (int c = 0; c < stat_cols(&t); c++) {
			printf("  column %d:", c);
			print_stats(&col[c], t.dtype, full);
			putchar('\n');
		}
		if (ferror(stdout))
			break;    /* reported by stdout_close */
	}
	free(buf);
	return rc < 0 ? -1 : 0;
}

/* Trainable parameters: G.* and D.* tensors other than batch-norm
 * statistics; for a file with no such names, every element. */
static int64_t count_params(const SafeTensors *st)
{
	int64_t model = 0, all = 0;
	int any = 0;
	for (int i = 0; i < st->n; i++) {
		const char *nm = st->ents[i].name;
		int64_t k = tensor_numel(&st->ents[i].t);
		all += k;
		if (strncmp(nm, "G.", 2) != 0 && strncmp(nm, "D.", 2) != 0)
			continue;
		any = 1;
		if (!strstr(nm, ".running_") && !strstr(nm, ".num_batches_tracked"))
			model += k;
	}
	return any ? model : all;
}

static int cmp_idx_key(const void *a, const void *b, void *keys)
{
	char **k = keys;
	return strcmp(k[*(const int *)a], k[*(const int *)b]);
}

/* "  key=value", continuation lines of a multi-line value indented more. */
static void print_meta(const SafeTensors *st)
{
	int *order = xmalloc((size_t)(st->nmeta ? st->nmeta : 1) * sizeof *order);
	for (int i = 0; i < st->nmeta; i++)
		order[i] = i;
	qsort_r(order, (size_t)st->nmeta, sizeof *order, cmp_idx_key, st->meta_keys);
	printf("metadata:\n");
	for (int i = 0; i < st->nmeta; i++) {
		const char *v = st->meta_vals[order[i]];
		printf("  %s=", st->meta_keys[order[i]]);
		for (const char *p = v; *p; p++) {
			putchar(*p);
			if (*p == '\n' && p[1])
				fputs("    ", stdout);
		}
		if (!*v || v[strlen(v) - 1] != '\n')
			putchar('\n');
	}
	free(order);
}

static int info_safetensors(FILE *f, const char *name, int full, Err *e)
{
	SafeTensors st;
	if (st_read(f, name, &st, e) != 0)
		return -1;
	printf("tensors: %d, parameters: %" PRId64 "\n", st.n, count_params(&st));
	for (int i = 0; i < st.n; i++) {
		const Tensor *t = &st.ents[i].t;
		printf("%s %s ", st.ents[i].name, dtype_st(t->dtype));
		if (t->ndim == 0)
			printf("scalar");
		for (int d = 0; d < t->ndim; d++)
			printf("%s%" PRId64, d ? "x" : "", t->shape[d]);
		if (full) {
			TStats s;
			tstats_init(&s);
			tstats_add(&s, t->dtype, t->data, (size_t)tensor_numel(t));
			if (s.n > 0)
				printf(" mean %.6g std %.6g", s.mean, tstats_std(&s));
		}
		putchar('\n');
	}
	if (st.nmeta > 0)
		print_meta(&st);
	st_free(&st);
	return 0;
}

/* One input; 0, or -1 with e. */
static int info_file(const char *path, int full, Err *e)
{
	const char *name = infile_name(path);
	FILE *in = infile_open(path, 1, e);
	if (!in)
		return -1;
	FileFormat fmt;
	FILE *f = sniff_open(in, name, &fmt, e);
	int rc = -1;
	if (!f)
		;
	else if (fmt == FMT_NPY)
		rc = info_npy(f, name, full, e);
	else if (fmt == FMT_SAFETENSORS)
		rc = info_safetensors(f, name, full, e);
	else if (fmt == FMT_EMPTY)
		err_set(e, EXIT_BAD, "%s: empty file", name);
	else
		err_set(e, EXIT_BAD, "%s: not a .npy stream or a safetensors file", name);
	if (f)
		fclose(f);
	infile_close(in);
	return rc;
}

int main(int argc, char **argv)
{
	io_init();
	struct cmdline c;
	parse_args(&c, argc, argv);
	char *stdin_only[] = { "-" };
	char **files = c.nfiles ? c.files : stdin_only;
	int n = c.nfiles ? c.nfiles : 1, status = 0;
	for (int i = 0; i < n && !ferror(stdout); i++) {
		Err e = { 0 };
		if (n > 1)
			printf("%s%s:\n", i ? "\n" : "", infile_name(files[i]));
		if (info_file(files[i], c.stats, &e) != 0) {
			if (e.code == EXIT_PIPE)
				die_err(PROG, &e);
			fflush(stdout);
			fprintf(stderr, PROG ": %s\n", e.msg);
			if (e.code > status)
				status = e.code;
		}
	}
	Err e = { 0 };
	free(c.files);
	if (stdout_close(&e) != 0)
		die_err(PROG, &e);
	return status;
}
