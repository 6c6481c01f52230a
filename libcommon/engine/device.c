/* device.c - the --device option: cpu or cuda, the checks of a CUDA request
 * (built, a device present, every layer supported), the default, and the
 * backend of each device. */
#include "device.h"

#include <string.h>

#include "cuda_lib.h"

int device_parse(const char *arg, Device *d, Err *e)
{
	if (strcmp(arg, "cpu") == 0) {
		*d = DEV_CPU;
		return 0;
	}
	if (strcmp(arg, "cuda") != 0)
		return err_set(e, EXIT_BAD, "--device: expected cpu or cuda, got '%s'", arg);
	if (!cuda_built())
		return err_set(e, EXIT_BAD, "CUDA support not built");
	if (cuda_devices() < 1)
		return err_set(e, EXIT_BAD, "--device cuda: no CUDA device found");
	*d = DEV_CUDA;
	return 0;
}

int device_supports(Device d, const LayerSpec *s)
{
	if (d == DEV_CUDA)
		return cuda_supports(s);
	Backend cpu = backend_cpu();
	return cpu.ops->supports(s);
}

/* The first layer of s that d does not run, or NULL. */
static const LayerSpec *unsupported(Device d, const NetSpec *s)
{
	for (int i = 0; i < s->n; i++)
		if (!device_supports(d, &s->l[i]))
			return &s->l[i];
	return NULL;
}

int device_model_ok(const Model *m, int with_d)
{
	return !unsupported(DEV_CUDA, &m->G) && (!with_d || !unsupported(DEV_CUDA, &m->D));
}

int device_pick(Device req, const Model *m, int with_d, Device *out, Err *e)
{
	int ok = device_model_ok(m, with_d);
	if (req == DEV_AUTO)
		req = ok && cuda_devices() > 0 ? DEV_CUDA : DEV_CPU;
	if (req == DEV_CUDA && !ok) {
		const LayerSpec *l = unsupported(DEV_CUDA, &m->G);
		if (!l)
			l = unsupported(DEV_CUDA, &m->D);
		return err_set(e, EXIT_BAD, "--device cuda: model %s uses %s, which has no GPU "
			       "implementation; use --device cpu", m->name, layer_kind_desc(l->kind));
	}
	*out = req;
	return 0;
}

int device_open(Device d, Backend *be, Err *e)
{
	return device_open_kernels(d, KERNELS_BLAS, be, e);
}

int kernels_parse(const char *arg, Kernels *k, Err *e)
{
	if (strcmp(arg, "blas") == 0)
		*k = KERNELS_BLAS;
	else if (strcmp(arg, "onednn") == 0)
		*k = KERNELS_ONEDNN;
	else
		return err_set(e, EXIT_BAD, "--kernels: expected blas or onednn, got '%s'", arg);
	return 0;
}

int device_open_kernels(Device d, Kernels k, Backend *be, Err *e)
{
	if (d == DEV_CPU && k == KERNELS_CUDA_TF32)
		return err_set(e, EXIT_BAD, TF32_ONLY_GPU "; it needs --device cuda");
	if (d == DEV_CPU && k != KERNELS_BLAS)
		return backend_onednn(be, k == KERNELS_ONEDNN_BF16, e);
	*be = backend_cpu();
	return d == DEV_CUDA ? cuda_open(be, k == KERNELS_CUDA_TF32 ? CUDA_OPEN_TF32 : 0, e) : 0;
}

void device_close(Backend be)
{
	if (be.ops)
		be.ops->close(be.ctx);
}
