/* dataset.c - the data sets behind gan-data: synthetic Gaussians, PNG
 * folder trees (sorted like torchvision's ImageFolder, decoded and resized
 * in memory) and shuffling examples and labels together. */
#include "dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "image.h"
#include "png.h"

#define SCAN_MAX_DEPTH 64

void dataset_gaussian2d(Rng *r, float *out, int64_t n)
{
	rng_normal(r, out, (size_t)n * 2, 0.0f, 1.0f);
	for (int64_t i = 0; i < n; i++) {
		float x0 = out[2 * i], x1 = out[2 * i + 1];
		out[2 * i] = x0 * 1.0f + x1 * -0.1f + 1.0f;
		out[2 * i + 1] = x0 * 2.0f + x1 * 0.5f + 2.0f;
	}
}

void dataset_gaussian1d(Rng *r, float *out, int64_t n, float mean, float std)
{
	rng_normal(r, out, (size_t)n, mean, std);
}

/* Growable list of owned strings. */
typedef struct {
	int n, cap;
	char **v;
} StrVec;

static int strvec_push(StrVec *s, char *str, Err *e)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 256;
		char **v = realloc(s->v, (size_t)cap * sizeof *v);
		if (!v) {
			free(str);
			return err_set(e, EXIT_SYS, "out of memory");
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	return 0;
}

static int has_png_suffix(const char *name)
{
	size_t len = strlen(name);
	return len > 4 && strcasecmp(name + len - 4, ".png") == 0;
}

static char *path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* Appends the PNG files under dir (recursively) to out. */
static int scan_dir(const char *dir, int depth, StrVec *out, Err *e)
{
	if (depth > SCAN_MAX_DEPTH)
		return err_set(e, EXIT_BAD, "%s: folders nested too deep", dir);
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return err_set(e, EXIT_BAD, "%s: %s", dir, strerror(errno));
		return err_sys(e, "%s", dir);
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *p = path_join(dir, de->d_name);
		struct stat sb;
		if (!p) {
			rc = err_set(e, EXIT_SYS, "out of memory");
		} else if (stat(p, &sb) != 0) {
			int bad = errno == ENOENT || errno == ELOOP || errno == EACCES ||
				  errno == ENOTDIR;
			if (errno == ENOENT && lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode))
				rc = err_set(e, EXIT_BAD, "%s: dangling symlink", p);
			else
				rc = err_sys(e, "%s", p);
			if (bad && e)
				e->code = EXIT_BAD;
			free(p);
		} else if (S_ISDIR(sb.st_mode)) {
			rc = scan_dir(p, depth + 1, out, e);
			free(p);
		} else if (S_ISREG(sb.st_mode) && has_png_suffix(de->d_name)) {
			rc = strvec_push(out, p, e);
		} else {
			free(p);
		}
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Length of the first path component after the root prefix (0 if none). */
static size_t class_len(const char *rel)
{
	const char *slash = strchr(rel, '/');
	return slash ? (size_t)(slash - rel) : 0;
}

/* Orders paths by their first-level folder name alone (ctx: root length),
 * so "a" sorts before "a-b" as ImageFolder's sorted(names) does. */
static int cmp_class(const void *a, const void *b, void *ctx)
{
	size_t root = *(const size_t *)ctx;
	const char *x = *(char *const *)a + root, *y = *(char *const *)b + root;
	size_t lx = class_len(x), ly = class_len(y);
	int c = memcmp(x, y, lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

/* labels[i] from the sorted distinct first-level folder names. */
static int assign_labels(PngList *l, size_t root_len, Err *e)
{
	char **cls = malloc((size_t)l->n * sizeof *cls);
	l->labels = malloc((size_t)l->n * sizeof *l->labels);
	if (!cls || !l->labels) {
		free(cls);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	int nc = 0;
	for (int i = 0; i < l->n; i++) {
		const char *rel = l->paths[i] + root_len;
		if (class_len(rel) > 0)
			cls[nc++] = l->paths[i];
	}
	qsort_r(cls, (size_t)nc, sizeof *cls, cmp_class, &root_len);
	/* Keep one entry per distinct name. */
	int k = 0;
	for (int i = 0; i < nc; i++) {
		const char *a = cls[i] + root_len;
		size_t la = class_len(a);
		if (k > 0) {
			const char *b = cls[k - 1] + root_len;
			if (class_len(b) == la && memcmp(a, b, la) == 0)
				continue;
		}
		cls[k++] = cls[i];
	}
	for (int i = 0; i < l->n; i++) {
		const char *rel = l->paths[i] + root_len;
		size_t len = class_len(rel);
		l->labels[i] = -1;
		for (int c = 0; len > 0 && c < k; c++) {
			const char *b = cls[c] + root_len;
			if (class_len(b) == len && memcmp(rel, b, len) == 0)
				l->labels[i] = c;
		}
	}
	l->nclasses = k;
	free(cls);
	return 0;
}

int pnglist_scan(PngList *l, const char *dir, Err *e)
{
	memset(l, 0, sizeof *l);
	StrVec v = { 0 };
	if (scan_dir(dir, 0, &v, e) != 0) {
		l->paths = v.v;
		l->n = v.n;
		pnglist_free(l);
		return -1;
	}
	l->paths = v.v;
	l->n = v.n;
	if (l->n == 0) {
		pnglist_free(l);
		return err_set(e, EXIT_BAD, "%s: no PNG files", dir);
	}
	qsort(l->paths, (size_t)l->n, sizeof *l->paths, cmp_str);
	if (assign_labels(l, strlen(dir) + 1, e) != 0) {
		pnglist_free(l);
		return -1;
	}
	return 0;
}

void pnglist_free(PngList *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	free(l->labels);
	memset(l, 0, sizeof *l);
}

/* One image: decode, resize (HWC), then lay out as CHW into out. */
static int load_one(const char *path, int size, uint8_t *out, uint8_t *hwc,
		    Err *e)
{
	uint8_t *rgb = NULL;
	int w = 0, h = 0;
	if (png_read_rgb(path, &rgb, &w, &h, e) != 0)
		return -1;
	size_t nws = image_resize_workspace(w, h, size, size, 3);
	float *ws = malloc((nws ? nws : 1) * sizeof *ws);
	if (!ws) {
		free(rgb);
		return err_set(e, EXIT_SYS, "out of memory");
	}
	image_resize_u8(rgb, w, h, hwc, size, size, 3, ws);
	image_hwc_to_chw(hwc, out, size, size, 3);
	free(ws);
	free(rgb);
	return 0;
}

int dataset_load_images(const PngList *l, int n, int size, uint8_t *out,
			dataset_progress_fn progress, void *ctx, Err *e)
{
	if (n < 0 || n > l->n || size < 1)
		return err_set(e, EXIT_BAD, "bad image count or size");
	size_t per = (size_t)size * (size_t)size * 3;
	uint8_t *hwc = malloc(per);
	if (!hwc)
		return err_set(e, EXIT_SYS, "out of memory");
	for (int i = 0; i < n; i++) {
		if (load_one(l->paths[i], size, out + per * (size_t)i, hwc, e) != 0) {
			free(hwc);
			return -1;
		}
		if (progress)
			progress(i + 1, n, ctx);
	}
	free(hwc);
	return 0;
}

/* Gathers rows: dst[i] = src[idx[i]], each row `row` bytes. */
static void gather_rows(uint8_t *dst, const uint8_t *src, const int64_t *idx,
			int64_t n, size_t row)
{
	for (int64_t i = 0; i < n; i++)
		memcpy(dst + (size_t)i * row, src + (size_t)idx[i] * row, row);
}

static int permute_rows(Tensor *t, const int64_t *idx, Err *e)
{
	int64_t n = t->shape[0];
	int64_t nb = tensor_nbytes(t, e);
	if (nb < 0)
		return -1;
	if (n == 0 || nb == 0)
		return 0;
	uint8_t *tmp = malloc((size_t)nb);
	if (!tmp)
		return err_set(e, EXIT_SYS, "out of memory (%lld bytes)", (long long)nb);
	gather_rows(tmp, t->data, idx, n, (size_t)(nb / n));
	memcpy(t->data, tmp, (size_t)nb);
	free(tmp);
	return 0;
}

int dataset_shuffle(Rng *r, Tensor *x, Tensor *y, Err *e)
{
	if (x->ndim < 1 || (y && (y->ndim < 1 || y->shape[0] != x->shape[0])))
		return err_set(e, EXIT_BAD, "shuffle: examples and labels differ in count");
	int64_t n = x->shape[0];
	int64_t *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
	if (!idx)
		return err_set(e, EXIT_SYS, "out of memory");
	for (int64_t i = 0; i < n; i++)
		idx[i] = i;
	rng_shuffle(r, idx, n);
	int rc = permute_rows(x, idx, e);
	if (rc == 0 && y)
		rc = permute_rows(y, idx, e);
	free(idx);
	return rc;
}

void dataset_take(Tensor *t, int64_t n)
{
	if (t->ndim >= 1 && n >= 0 && n < t->shape[0])
		t->shape[0] = n;
}
