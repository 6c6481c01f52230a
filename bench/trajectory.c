/* trajectory.c - gantools' trainer on the PyTorch MNIST peer's own random
 * streams (bench/trajectory.py writes them): the peer's initial weights, its
 * batches in its order and its latents, so that the two runs differ in
 * nothing but the arithmetic. Built by `make bench-trajectory`:
 *   build/bench/trajectory PRESET DIR TRAIN.npy STEPS [THREADS]
 * DIR holds trajectory.py's init.st, idx.npy, z.npy and zs.npy; TRAIN.npy
 * the 60,000 training images as gan-data writes them (u8 N x 1 x 28 x 28),
 * scaled as the peer scales them (x / 255 * 2 - 1 in float). Trains the
 * first STEPS of idx.npy's steps (0: all) on THREADS threads (default 1),
 * prints one line per step (step, loss_d, loss_g, d_x, d_g_z: the columns
 * of trajectory.py's peer-stats.tsv) and writes DIR/gantools-samples.npy:
 * G in train mode on zs.npy in batches of 500, as the peer samples; and
 * when DIR holds zs-e1.npy, DIR/gantools-samples-e1.npy after step 943 (the
 * peer's 5 warm-up steps and one epoch) from those latents.
 * GAN_KERNELS=onednn runs the convolutions as gan-step --kernels onednn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "gemm.h"
#include "model.h"
#include "npy.h"
#include "safetensors.h"
#include "train.h"

#define SAMPLE_BATCH 500
#define STEPS_E1 (5 + 938)   /* the peer's 1-epoch run: warm-up and 938 steps */

static _Noreturn void fail(const char *msg, const char *what)
{
	fprintf(stderr, "trajectory: %s%s%s\n", msg, what ? ": " : "", what ? what : "");
	exit(1);
}

/* DIR/name's first record, of dtype dt and rank ndim. */
static void load(Tensor *t, const char *dir, const char *name, DType dt, int ndim)
{
	char path[4096];
	Err e = {0};
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (npy_read_first(path, t, &e))
		fail(e.msg, NULL);
	if (t->dtype != dt || t->ndim != ndim)
		fail("unexpected dtype or rank", path);
}

/* Every tensor of DIR/init.st into the trainer, which must have it by name
 * and size. */
static void set_weights(Trainer *t, const char *dir)
{
	char path[4096];
	SafeTensors st = {0};
	Err e = {0};
	snprintf(path, sizeof path, "%s/init.st", dir);
	FILE *f = fopen(path, "rb");
	if (!f || st_read(f, path, &st, &e))
		fail(f ? e.msg : "cannot open", path);
	fclose(f);
	for (int i = 0; i < st.n; i++) {
		int64_t numel = 0;
		float *p = trainer_tensor(t, st.ents[i].name, &numel);
		if (!p || st.ents[i].t.dtype != DT_F32 || numel != tensor_numel(&st.ents[i].t))
			fail("no such tensor of that size in the model", st.ents[i].name);
		memcpy(p, st.ents[i].t.data, (size_t)numel * sizeof *p);
	}
	st_free(&st);
}

/* DIR/name = G in train mode on the latents zs, in batches of SAMPLE_BATCH;
 * out holds them on the way. */
static void write_samples(Trainer *t, const Tensor *zs, float *out, const char *dir,
			  const char *name)
{
	const int64_t dn = shape_numel(&t->m.data), ln = shape_numel(&t->m.latent);
	Err e = {0};
	for (int64_t i = 0; i < zs->shape[0]; i += SAMPLE_BATCH)
		if (net_forward_host(&t->g, (const float *)zs->data + i * ln, SAMPLE_BATCH, 1,
				     out + i * dn, &e))
			fail(e.msg, NULL);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	Tensor o = { .dtype = DT_F32, .ndim = 4,
		     .shape = { zs->shape[0], t->m.data.c, t->m.data.h, t->m.data.w },
		     .data = out, .borrowed = 1 };
	FILE *f = fopen(path, "wb");
	if (!f || npy_write(f, path, &o, &e) || fclose(f))
		fail("cannot write", path);
}

int main(int argc, char **argv)
{
	if (argc < 5 || argc > 6)
		fail("usage: trajectory PRESET DIR TRAIN.npy STEPS [THREADS]", NULL);
	const char *dir = argv[2];
	int threads = argc > 5 ? atoi(argv[5]) : 1;
	gemm_set_threads(threads > 0 ? threads : 1);
	static Model m;
	static Trainer t;
	Err e = {0};
	if (model_load_preset(&m, argv[1], &e) || trainer_init(&t, &m, SAMPLE_BATCH, 1, &e))
		fail(e.msg, argv[1]);
	set_weights(&t, dir);
	/* GAN_KERNELS=onednn: gan-step --kernels onednn's convolutions. */
	const char *kern = getenv("GAN_KERNELS");
	Backend be = backend_cpu();
	if (kern && strcmp(kern, "blas") && (strcmp(kern, "onednn") || backend_onednn(&be, 0, &e) ||
				      trainer_place(&t, be, &e)))
		fail(e.msg[0] ? e.msg : "GAN_KERNELS: expected blas or onednn", kern);
	const int64_t dn = shape_numel(&m.data), ln = shape_numel(&m.latent);

	Tensor data = {0}, idx = {0}, z = {0}, zs = {0}, zs1 = {0};
	if (npy_read_first(argv[3], &data, &e))
		fail(e.msg, NULL);
	if (data.dtype != DT_U8 || tensor_numel(&data) % dn)
		fail("expected u8 images of the model's size", argv[3]);
	int64_t nimg = tensor_numel(&data) / dn;
	load(&idx, dir, "idx.npy", DT_I64, 2);
	load(&z, dir, "z.npy", DT_F32, 3);
	load(&zs, dir, "zs.npy", DT_F32, 2);
	char p1[4096];
	snprintf(p1, sizeof p1, "%s/zs-e1.npy", dir);
	if (access(p1, F_OK) == 0) {
		load(&zs1, dir, "zs-e1.npy", DT_F32, 2);
		if (zs1.shape[0] != zs.shape[0] || zs1.shape[1] != ln)
			fail("zs-e1.npy and zs.npy disagree", dir);
	}
	int64_t nsteps = idx.shape[0], b = idx.shape[1];
	if (z.shape[0] != nsteps || z.shape[1] != b || z.shape[2] != ln ||
	    zs.shape[1] != ln || zs.shape[0] % SAMPLE_BATCH || b > SAMPLE_BATCH)
		fail("idx.npy, z.npy and zs.npy disagree with each other or the model", dir);
	int64_t steps = atoll(argv[4]);
	if (steps <= 0 || steps > nsteps)
		steps = nsteps;

	const uint8_t *px = data.data;
	const int64_t *pi = idx.data;
	const float *pz = z.data;
	float *x = malloc((size_t)(b * dn) * sizeof *x);
	float *out = malloc((size_t)(zs.shape[0] * dn) * sizeof *out);
	if (!x || !out)
		fail("out of memory", NULL);
	for (int64_t i = 0; i < steps * b; i++)
		if (pi[i] < 0 || pi[i] >= nimg)
			fail("idx.npy: image index out of range", NULL);
	printf("step\tloss_d\tloss_g\td_x\td_g_z\n");
	for (int64_t s = 0; s < steps; s++) {
		for (int64_t i = 0; i < b; i++) {
			int64_t k = pi[s * b + i];
			for (int64_t j = 0; j < dn; j++)
				x[i * dn + j] = (float)px[k * dn + j] / 255.0f * 2.0f - 1.0f;
		}
		StepStats ss = {0};
		if (trainer_step_with(&t, x, (int)b, pz + s * b * ln, NULL, &ss))
			fail("non-finite", t.bad);
		printf("%lld\t%.9g\t%.9g\t%.9g\t%.9g\n", (long long)s + 1, ss.loss_d, ss.loss_g,
		       ss.d_x, ss.d_g_z);
		if (s + 1 == STEPS_E1 && zs1.data)
			write_samples(&t, &zs1, out, dir, "gantools-samples-e1.npy");
	}
	write_samples(&t, &zs, out, dir, "gantools-samples.npy");
	free(x);
	free(out);
	tensor_free(&data);
	tensor_free(&idx);
	tensor_free(&z);
	tensor_free(&zs);
	tensor_free(&zs1);
	trainer_place(&t, backend_cpu(), &e);
	trainer_free(&t);
	if (!backend_same(be, backend_cpu()))
		be.ops->close(be.ctx);
	return 0;
}
