/* trainset.c - the data set of a training run: the data stream's records
 * (x, an optional y of labels, nothing more) and x checked against the model
 * (dtype, per-example shape, enough examples, finite points). */
#include "trainset.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "epoch.h"
#include "convert.h"
#include "npy.h"

/* "1x28x28" of the per-example part of x's shape. */
static void example_shape(const Tensor *x, char *buf, size_t n)
{
	buf[0] = 0;
	for (int i = 1; i < x->ndim; i++)
		snprintf(buf + strlen(buf), n - strlen(buf), "%s%lld", i > 1 ? "x" : "",
			 (long long)x->shape[i]);
}

/* 1 if x's per-example shape is exactly the model's data shape. */
static int same_shape(const Tensor *x, const Shape3 *s)
{
	if (x->ndim != s->ndim + 1)
		return 0;
	int64_t want[3] = { s->c, s->h, s->w };
	for (int i = 0; i < s->ndim; i++)
		if (x->shape[i + 1] != want[i])
			return 0;
	return 1;
}

/* 1 when a batch-norm layer of s sees one value per channel at batch 1
 * (BN1d, or BN2d on 1x1 maps): its batch variance is then 0. */
static int bn_needs_two(const NetSpec *s)
{
	for (int i = 0; i < s->n; i++) {
		const LayerSpec *l = &s->l[i];
		if (l->kind == LAYER_BN1D || (l->kind == LAYER_BN2D && l->in.h * l->in.w == 1))
			return 1;
	}
	return 0;
}

int trainset_check(const Trainer *t, const Tensor *x, const char *name, TrainSet *d, Err *e)
{
	char got[96], want[48];
	if (x->dtype != DT_U8 && x->dtype != DT_F32)
		return err_set(e, EXIT_BAD, "%s: x has dtype %s, expected u8 images or f32 points",
			       name, dtype_st(x->dtype));
	if (x->ndim < 2)
		return err_set(e, EXIT_BAD, "%s: x has %d dimensions, expected N x example shape",
			       name, x->ndim);
	example_shape(x, got, sizeof got);
	if (!same_shape(x, &t->m.data))
		return err_set(e, EXIT_BAD, "%s: x has shape %s per example, model %s expects %s",
			       name, got, t->m.name, shape_str(&t->m.data, want, sizeof want));
	*d = (TrainSet){ x->data, x->dtype, x->shape[0], shape_numel(&t->m.data) };
	if (t->batch < 2 && (bn_needs_two(&t->m.G) || bn_needs_two(&t->m.D)))
		return err_set(e, EXIT_BAD, "batch %d: model %s has batch norm over single "
			       "values, which needs at least 2 examples per batch", t->batch,
			       t->m.name);
	int64_t nb = trainer_batches(t, d->n);
	if (nb < 1)
		return err_set(e, EXIT_BAD, "%s: %lld examples are not enough for one batch",
			       name, (long long)d->n);
	if (t->batch > t->max_batch || t->epoch_step >= nb)
		return err_set(e, EXIT_BAD, "%s: batch %d at epoch step %lld does not fit the "
			       "data (%lld batches per epoch)", name, t->batch,
			       (long long)t->epoch_step, (long long)nb);
	if (x->dtype == DT_F32) {
		const float *p = x->data;
		int64_t n = d->n * d->ex;
		for (int64_t i = 0; i < n; i++)
			if (!isfinite(p[i]))
				return err_set(e, EXIT_BAD, "%s: x holds a non-finite value at "
					       "example %lld", name, (long long)(i / d->ex));
	}
	return 0;
}

/* Record 2 of the stream, when there is one: y, N labels of an integer dtype
 * (shape (N,)) for the N examples of x; then nothing more. */
static int check_rest(FILE *f, const char *name, const Tensor *x, Err *e)
{
	Tensor y;
	int rc = npy_read(f, name, 2, &y, e);
	if (rc <= 0)
		return rc;
	DType dt = y.dtype;
	int integer = dt != DT_BOOL && dt != DT_F16 && dt != DT_F32 && dt != DT_F64;
	if (y.ndim != 1 || y.shape[0] != x->shape[0] || !integer) {
		char got[96];
		err_set(e, EXIT_BAD, "%s: record 2: expected labels y (integers, shape (%lld,)), "
			"got %s", name, (long long)x->shape[0], tensor_describe(&y, got, sizeof got));
		tensor_free(&y);
		return -1;
	}
	tensor_free(&y);
	Tensor more;
	rc = npy_read_header(f, name, 3, &more, e);
	if (rc > 0)
		return err_set(e, EXIT_BAD, "%s: record 3: unexpected record (a data set is x "
			       "and an optional y)", name);
	return rc;
}

int trainset_read(FILE *f, const char *name, const Trainer *t, Tensor *x, TrainSet *d,
		  Err *e)
{
	int rc = npy_read(f, name, 1, x, e);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, EXIT_BAD, "%s: empty stream (expected an x record)", name);
	/* f64, f16 and integer arrays as NumPy makes them: integer pixels to u8
	 * for image models, the rest to f32 (u8 stays: scaled as images) */
	if (x->dtype != DT_U8 && (t->m.data.ndim == 3 ? convert_to_images(x, name, e) :
				   convert_to_f32(x, name, e))) {
		tensor_free(x);
		return -1;
	}
	if (trainset_check(t, x, name, d, e) || check_rest(f, name, x, e)) {
		tensor_free(x);
		return -1;
	}
	return 0;
}
