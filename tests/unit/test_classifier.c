/* test_classifier.c - the feature classifier: eval-mode features and logits
 * of a file PyTorch wrote (tests/fixtures/clf_parity.*) against PyTorch's,
 * the file written back tensor for tensor, training that learns and
 * repeats itself from the seed, and the messages of bad inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "ckpt.h"
#include "npy.h"
#include "safetensors.h"
#include "check.h"

#define FIX "tests/fixtures/"

static int read_clf(Classifier *c, const char *path, Err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, EXIT_SYS, "%s: cannot open", path);
	int rc = clf_read(c, f, path, 4, e);
	fclose(f);
	return rc;
}

static void parity(void)
{
	Classifier c;
	Err e = { 0 };
	CHECK_MSG(read_clf(&c, FIX "clf_parity.st", &e) == 0, "%s", e.msg);
	CHECK(c.feat_dim == 32 && c.m.classes == 10 && c.net.l[1].nbt == 17);
	FILE *f = fopen(FIX "clf_parity.npy", "rb");
	Tensor x, feat, logits;
	CHECK(npy_read(f, "p", 1, &x, &e) == 1 && npy_read(f, "p", 2, &feat, &e) == 1 &&
	      npy_read(f, "p", 3, &logits, &e) == 1);
	fclose(f);
	ClfData d;
	int64_t *y;
	CHECK(clf_check_data(&c.m, &x, NULL, "x", &d, &y, &e) == 0 && d.n == 6);
	float fo[6 * 32], lo[6 * 10];
	CHECK(clf_run(&c, &d, fo, lo, &e) == 0);   /* batches of 4: 4 + 2 */
	CHECK_CLOSE(fo, (float *)feat.data, 6 * 32, 1e-5, 1e-4, "features vs PyTorch");
	CHECK_CLOSE(lo, (float *)logits.data, 6 * 10, 1e-5, 1e-4, "logits vs PyTorch");

	/* Written back: the same tensors under the same names. */
	char *buf = NULL;
	size_t n;
	f = open_memstream(&buf, &n);
	CHECK(clf_write(&c, f, "mem", &e) == 0);
	fclose(f);
	SafeTensors a, b;
	f = fmemopen(buf, n, "rb");
	CHECK(st_read(f, "mem", &a, &e) == 0);
	fclose(f);
	f = fopen(FIX "clf_parity.st", "rb");
	CHECK(st_read(f, "fix", &b, &e) == 0);
	fclose(f);
	int same = a.n == b.n && a.n == 18;
	for (int i = 0; same && i < a.n; i++) {
		const Tensor *t = st_get(&b, a.ents[i].name);
		same = t && tensor_numel(t) == tensor_numel(&a.ents[i].t) &&
		       memcmp(t->data, a.ents[i].t.data, (size_t)tensor_numel(t) * dtype_size(t->dtype)) == 0;
	}
	CHECK(same);
	CHECK_STR(st_meta(&a, "format"), CLF_FORMAT);
	st_free(&a);
	st_free(&b);
	free(buf);
	tensor_free(&x), tensor_free(&feat), tensor_free(&logits);
	clf_free(&c);
}

/* 200 images of 4 classes (a bright square at a place per class on noise). */
static void toy(uint8_t *x, int64_t *y, int n)
{
	Rng r;
	rng_init(&r, 8);
	float u[784];
	for (int i = 0; i < n; i++) {
		y[i] = i % 4;
		rng_uniform(&r, u, 784);
		for (int p = 0; p < 784; p++) {
			int row = p / 28, col = p % 28, k = (int)y[i];
			int in = row >= 4 + 5 * k && row < 10 + 5 * k && col >= 6 && col < 14;
			x[i * 784 + p] = (uint8_t)(in ? 180 + 60 * u[p] : 60 * u[p]);
		}
	}
}

static void training(void)
{
	static const char *text =
		"[model]\ndata = 1x28x28\nclasses = 4\n[optimizer]\nlr = 0.01\n[train]\nbatch = 20\n"
		"[C]\nconv2d 1 4 k=5 s=2 p=2\nbatchnorm2d 4\nrelu\nflatten\nlinear 784 16\nrelu\n"
		"linear 16 4\n";
	enum { N = 200 };
	static uint8_t x[N * 784];
	int64_t y[N];
	toy(x, y, N);
	Model m;
	Err e = { 0 };
	CHECK_MSG(model_load(&m, text, "toy.model", &e) == 0, "%s", e.msg);
	CHECK(m.features == 5);
	Tensor tx = { .dtype = DT_U8, .ndim = 4, .shape = { N, 1, 28, 28 }, .data = x, .borrowed = 1 };
	Tensor ty = { .dtype = DT_I64, .ndim = 1, .shape = { N }, .data = y, .borrowed = 1 };
	ClfData d;
	int64_t *yb;
	CHECK(clf_check_data(&m, &tx, &ty, "toy", &d, &yb, &e) == 0);
	Classifier a, b;
	CHECK(clf_init(&a, &m, 20, 5, &e) == 0 && clf_init(&b, &m, 20, 5, &e) == 0);
	double acc0, acc1, l0, l1;
	CHECK(clf_accuracy(&a, &d, &acc0, &l0, &e) == 0);
	CHECK(clf_train(&a, &d, &d, 3, NULL, NULL, &e) == 0 && clf_train(&b, &d, NULL, 3, NULL, NULL, &e) == 0);
	CHECK(clf_accuracy(&a, &d, &acc1, &l1, &e) == 0);
	CHECK_MSG(acc1 > 0.95 && l1 < 0.5 * l0, "accuracy %.3f -> %.3f, loss %.3f -> %.3f", acc0,
		  acc1, l0, l1);
	CHECK(a.step == 30 && a.epoch == 3 && a.test_acc == acc1 && b.test_acc < 0);
	CHECK(memcmp(a.net.params, b.net.params, (size_t)a.net.np * sizeof(float)) == 0);
	free(yb);
	clf_free(&a);
	clf_free(&b);
}

static void bad_inputs(void)
{
	Model m;
	Err e = { 0 };
	CHECK(model_load_preset(&m, "lenet", &e) == 0);
	uint8_t px[2 * 3 * 28 * 28] = { 0 };
	int64_t lab[2] = { 3, 12 };
	Tensor x = { .dtype = DT_U8, .ndim = 4, .shape = { 2, 3, 28, 28 }, .data = px, .borrowed = 1 };
	Tensor y = { .dtype = DT_I64, .ndim = 1, .shape = { 2 }, .data = lab, .borrowed = 1 };
	ClfData d;
	int64_t *yb;
	CHECK(clf_check_data(&m, &x, &y, "t.npy", &d, &yb, &e) == -1);
	CHECK_STR(e.msg, "t.npy: x has shape 3x28x28 per example, classifier lenet expects 1x28x28");
	x.shape[1] = 1;
	CHECK(clf_check_data(&m, &x, &y, "t.npy", &d, &yb, &e) == -1);
	CHECK_STR(e.msg, "t.npy: y[1] is 12, expected 0..9");
	y.dtype = DT_F32;
	CHECK(clf_check_data(&m, &x, &y, "t.npy", &d, &yb, &e) == -1);
	CHECK_STR(e.msg, "t.npy: y is f32 2, expected 2 integer labels");
	float fx[784] = { 0 };
	fx[5] = -1.5f;
	Tensor f = { .dtype = DT_F32, .ndim = 4, .shape = { 1, 1, 28, 28 }, .data = fx, .borrowed = 1 };
	CHECK(clf_check_data(&m, &f, NULL, "f.npy", &d, &yb, &e) == -1);
	CHECK_STR(e.msg, "f.npy: x[0] holds -1.5, expected f32 images in [-1, 1]");

	/* A GAN checkpoint is not a classifier. */
	Trainer t;
	CHECK(model_load_preset(&m, "gaussian2d", &e) == 0 && trainer_init(&t, &m, 8, 1, &e) == 0);
	char *buf = NULL;
	size_t n;
	FILE *mf = open_memstream(&buf, &n);
	CHECK(ckpt_write(&t, mf, "mem", &e) == 0);
	fclose(mf);
	Classifier c;
	mf = fmemopen(buf, n, "rb");
	CHECK(clf_read(&c, mf, "ck.st", 4, &e) == -1);
	fclose(mf);
	CHECK_STR(e.msg, "ck.st: not a gantools classifier (metadata 'format' is "
		  "'gantools-checkpoint-1', expected 'gantools-classifier-1')");
	free(buf);
	trainer_free(&t);
	Classifier g;
	CHECK(clf_init(&g, &m, 4, 1, &e) == -1);
	CHECK_STR(e.msg, "model gaussian2d is a GAN, not a classifier (no [C])");
	CHECK(clf_load(&g, "NoSuch!", 4, &e) == -1);
	CHECK_STR(e.msg, "'NoSuch!': not a classifier file or data set name");
}

static void run(void)
{
	parity();
	training();
	bad_inputs();
}

CHECK_MAIN("test_classifier")
