/* test_device.c - --device parsing and picking, and the engine without
 * CUDA (the unit tests link cuda_none.c): a CUDA run is refused with a
 * clear message and leaves the trainer usable on the CPU. */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "cuda_lib.h"
#include "epoch.h"
#include "check.h"

static const char *mbd_text =
	"[model]\ndata = 1\nlatent = 1\n"
	"[G]\nlinear 1 4\nsoftplus\nlinear 4 1\n"
	"[D]\nlinear 1 8\ntanh\nmbdisc 8 5 3\nlinear 13 1\n";

static void parse(void)
{
	Device d = DEV_AUTO;
	Err e = { 0 };
	CHECK(device_parse("cpu", &d, &e) == 0 && d == DEV_CPU);
	CHECK(device_parse("gpu", &d, &e) == -1 && e.code == EXIT_BAD);
	CHECK_STR(e.msg, "--device: expected cpu or cuda, got 'gpu'");
	CHECK(device_parse("", &d, &e) == -1);
	CHECK(cuda_built() == 0 && cuda_devices() == 0);
	d = DEV_AUTO;
	CHECK(device_parse("cuda", &d, &e) == -1 && e.code == EXIT_BAD && d == DEV_AUTO);
	CHECK_STR(e.msg, "CUDA support not built");
}

static void pick(void)
{
	Model m;
	Err e = { 0 };
	Device d = DEV_CUDA;
	CHECK_MSG(model_load(&m, mbd_text, "mbd", &e) == 0, "%s", e.msg);
	snprintf(m.name, sizeof m.name, "mbd");
	CHECK(device_model_ok(&m, 1) == 0);
	CHECK(device_model_ok(&m, 0) == 1);
	CHECK(device_pick(DEV_AUTO, &m, 1, &d, &e) == 0 && d == DEV_CPU);
	CHECK(device_pick(DEV_CPU, &m, 1, &d, &e) == 0 && d == DEV_CPU);
	CHECK(device_pick(DEV_CUDA, &m, 1, &d, &e) == -1 && e.code == EXIT_BAD);
	CHECK_STR(e.msg, "--device cuda: model mbd uses minibatch discrimination (mbdisc), "
		  "which has no GPU implementation; use --device cpu");
	CHECK(device_pick(DEV_CUDA, &m, 0, &d, &e) == 0 && d == DEV_CUDA);
	CHECK(model_load_preset(&m, "dcgan-mnist", &e) == 0);
	CHECK(device_model_ok(&m, 1) == 1);
	CHECK(device_pick(DEV_AUTO, &m, 1, &d, &e) == 0 && d == DEV_CPU);
}

/* A DEV_CUDA trainer_run fails cleanly; the trainer then trains on the CPU. */
static void run_without_cuda(void)
{
	Model m;
	Trainer t;
	Err e = { 0 };
	float data[16 * 2];
	for (int i = 0; i < 32; i++)
		data[i] = (float)(i % 7) * 0.25f;
	Tensor x = { .dtype = DT_F32, .ndim = 2, .shape = { 16, 2 }, .data = data,
		     .borrowed = 1 };
	TrainSet d;
	RunOpts o = { .steps = 3 };
	Backend cpu = backend_cpu(), be = { NULL, &t };
	CHECK(model_load_preset(&m, "gaussian2d", &e) == 0);
	CHECK(trainer_init(&t, &m, 8, 1, &e) == 0);
	CHECK(backend_same(t.be, cpu) && backend_same(t.g.be, cpu) && t.on.dl == t.dlog &&
	      t.on.df == t.dfake);
	CHECK(trainset_check(&t, &x, "x.npy", &d, &e) == 0);
	CHECK(device_open(DEV_CUDA, &be, &e) == -1);
	CHECK_STR(e.msg, "CUDA support not built");
	CHECK(backend_same(be, cpu) && backend_same(t.be, cpu) && t.step == 0 &&
	      t.on.dl == t.dlog);
	o.backend = &be;
	CHECK(trainer_run(&t, &d, &o, &e) == 0 && t.step == 3);
	CHECK(device_open(DEV_CPU, &be, &e) == 0 && backend_same(be, cpu));
	device_close(be);
	CHECK(net_place(&t.g, be, &e) == 0 && backend_same(t.g.be, cpu));
	float z[2] = { 0.5f, -1 }, out[2];
	CHECK(net_forward_host(&t.g, z, 1, 0, out, &e) == 0 && isfinite(out[0]));
	CHECK(net_forward_host(&t.g, z, 9, 0, out, &e) == -1 && e.code == EXIT_BAD);
	trainer_free(&t);
}

static void run(void)
{
	parse();
	pick();
	run_without_cuda();
}

CHECK_MAIN("test_device")
