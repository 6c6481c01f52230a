/* snapshot.c - periodic checkpoints beside gan-step's output (see
 * snapshot.h): names, atomic writes through outfile.h, pruning by number. */
#include "snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "outfile.h"

/* Splits out into its stem length and suffix (".st", ".safetensors", or
 * ".st" implied when it has neither). */
static size_t split_out(const char *out, const char **suffix)
{
	static const char *const known[] = { ".st", ".safetensors" };
	size_t n = strlen(out);
	for (int i = 0; i < 2; i++) {
		size_t k = strlen(known[i]);
		if (n > k && strcmp(out + n - k, known[i]) == 0) {
			*suffix = known[i];
			return n - k;
		}
	}
	*suffix = ".st";
	return n;
}

int snapshot_path(const char *out, int by_step, int64_t k, char *buf, size_t n, Err *e)
{
	const char *suffix;
	size_t stem = split_out(out, &suffix);
	int w = snprintf(buf, n, "%.*s-%s-%0*lld%s", (int)stem, out, by_step ? "step" : "epoch",
			 by_step ? 6 : 3, (long long)k, suffix);
	if (w < 0 || (size_t)w >= n)
		return err_set(e, EXIT_BAD, "%s: snapshot name too long", out);
	return 0;
}

int snapshot_save(const Trainer *t, const char *out, int by_step, int keep, Err *e)
{
	char path[4096];
	OutFile o;
	if (snapshot_path(out, by_step, by_step ? t->step : t->epoch, path, sizeof path, e) ||
	    outfile_open(&o, path, 1, e))
		return -1;
	if (ckpt_write(t, o.f, path, e)) {
		outfile_abort(&o);
		return -1;
	}
	if (outfile_commit(&o, e))
		return -1;
	return keep > 0 ? snapshot_prune(out, by_step, keep, e) : 0;
}

/* The number in entry name if it is "<base>-<kind>-<digits><suffix>", else -1. */
static long long snapshot_number(const char *name, const char *base, size_t nb,
				 const char *kind, const char *suffix)
{
	size_t nk = strlen(kind), ns = strlen(suffix), n = strlen(name);
	if (n <= nb + nk + ns || strncmp(name, base, nb) || strncmp(name + nb, kind, nk) ||
	    strcmp(name + n - ns, suffix))
		return -1;
	long long v = 0;
	for (size_t i = nb + nk; i < n - ns; i++) {
		if (name[i] < '0' || name[i] > '9' || v > (long long)1e15)
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* The numbers of out's snapshots of one kind in its folder dir, sorted,
 * into *nums (malloc'ed; *count of them). 0 or -1 with e. */
static int list_snapshots(const char *dir, const char *base, size_t nb, const char *kind,
			  const char *suffix, long long **nums, size_t *count, Err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return err_sys(e, "%s: cannot list snapshots", dir);
	size_t cap = 16, c = 0;
	long long *v = xmalloc(cap * sizeof *v);
	struct dirent *de;
	while ((de = readdir(d))) {
		long long k = snapshot_number(de->d_name, base, nb, kind, suffix);
		if (k < 0)
			continue;
		if (c == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[c++] = k;
	}
	closedir(d);
	qsort(v, c, sizeof *v, cmp_ll);
	*nums = v;
	*count = c;
	return 0;
}

int snapshot_prune(const char *out, int by_step, int keep, Err *e)
{
	const char *suffix, *slash = strrchr(out, '/');
	size_t stem = split_out(out, &suffix);
	const char *base = slash ? slash + 1 : out;
	size_t nb = stem - (size_t)(base - out);
	char dir[4096], path[4096];
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) + 1 : 1, slash ? out : ".");
	long long *nums = NULL;
	size_t count = 0;
	if (list_snapshots(dir, base, nb, by_step ? "-step-" : "-epoch-", suffix, &nums, &count,
			   e))
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i + (size_t)keep < count; i++) {
		if (snapshot_path(out, by_step, nums[i], path, sizeof path, e))
			rc = -1;
		else if (unlink(path) != 0 && errno != ENOENT)
			rc = err_sys(e, "%s: cannot remove old snapshot", path);
	}
	free(nums);
	return rc;
}
