/* device.c - the --device option: cpu or cuda, the checks of a CUDA request
 * (built, a device present, every layer supported) and the default. */
#include "device.h"

#include <string.h>

#include "netgpu.h"

int device_parse(const char *arg, Device *d, Err *e)
{
	if (strcmp(arg, "cpu") == 0) {
		*d = DEV_CPU;
		return 0;
	}
	if (strcmp(arg, "cuda") != 0)
		return err_set(e, EXIT_BAD, "--device: expected cpu or cuda, got '%s'", arg);
	if (!netgpu_built())
		return err_set(e, EXIT_BAD, "CUDA support not built");
	if (netgpu_devices() < 1)
		return err_set(e, EXIT_BAD, "--device cuda: no CUDA device found");
	*d = DEV_CUDA;
	return 0;
}

static int net_ok(const NetSpec *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->l[i].kind == LAYER_MBDISC)
			return 0;
	return 1;
}

int device_model_ok(const Model *m, int with_d)
{
	return net_ok(&m->G) && (!with_d || net_ok(&m->D));
}

int device_pick(Device req, const Model *m, int with_d, Device *out, Err *e)
{
	int ok = device_model_ok(m, with_d);
	if (req == DEV_AUTO)
		req = ok && netgpu_devices() > 0 ? DEV_CUDA : DEV_CPU;
	if (req == DEV_CUDA && !ok)
		return err_set(e, EXIT_BAD, "--device cuda: model %s uses minibatch "
			       "discrimination (mbdisc), which has no GPU implementation; "
			       "use --device cpu", m->name);
	*out = req;
	return 0;
}
