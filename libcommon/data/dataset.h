/* dataset.h - building the data sets gan-data writes: the synthetic
 * Gaussians, folders of PNG files in ImageFolder order (with optional class
 * labels), and shuffling or truncating examples together with their labels. */
#ifndef GAN_DATASET_H
#define GAN_DATASET_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "rng.h"
#include "tensor.h"

/* out is (n, 2): rows X.A + b with X (n, 2) ~ N(0, I) drawn by one
 * rng_normal call, A = [[1, 2], [-0.1, 0.5]], b = [1, 2]. */
void dataset_gaussian2d(Rng *r, float *out, int64_t n);
/* out is (n, 1): N(mean, std) drawn by one rng_normal call. */
void dataset_gaussian1d(Rng *r, float *out, int64_t n, float mean, float std);

/* The PNG files of a folder tree, sorted by path (byte order). label[i] is
 * the index of path i's first-level subfolder among the sorted names of the
 * first-level subfolders holding PNG files (ImageFolder), or -1 for a file
 * directly in the folder. */
typedef struct {
	int n;
	char **paths;        /* "DIR/sub/x.png" */
	int64_t *labels;
	int nclasses;
} PngList;

/* Lists every *.png (any case) under dir, recursively; names starting with
 * '.' are skipped. 0, or -1 with e ("dir: no PNG files"). */
int pnglist_scan(PngList *l, const char *dir, Err *e);
void pnglist_free(PngList *l);

typedef void (*dataset_progress_fn)(int done, int total, void *ctx);

/* Decodes paths[0..n) of l (alpha on white) and resizes each to size x size.
 * out is (n, 3, size, size) u8. progress, when not NULL, is called after
 * every image. 0, or -1 with e naming the file that failed. */
int dataset_load_images(const PngList *l, int n, int size, uint8_t *out,
			dataset_progress_fn progress, void *ctx, Err *e);

/* Applies one permutation drawn by rng_shuffle to the first dimension of x
 * and, when y is not NULL, of y (same length). 0, or -1 with e. */
int dataset_shuffle(Rng *r, Tensor *x, Tensor *y, Err *e);
/* Keeps the first n examples of t (no-op when n >= shape[0]). */
void dataset_take(Tensor *t, int64_t n);

#endif
