/* netgpu_none.c - netgpu.h without CUDA, linked by the unit tests: no devices,
 * every set-up call fails with "CUDA support not built", and the calls that
 * need a device state (never reached: n->gpu and t->gpu stay NULL) do nothing. */
#include "netgpu.h"

#include <math.h>

static int not_built(Err *e)
{
	return err_set(e, EXIT_BAD, "CUDA support not built");
}

int netgpu_built(void) { return 0; }
int netgpu_devices(void) { return 0; }

int netgpu_open(NetGpuDev **dev, Err *e)
{
	*dev = NULL;
	return not_built(e);
}

void netgpu_close(NetGpuDev *dev) { (void)dev; }
int netgpu_error(const NetGpuDev *dev, Err *e) { return dev ? not_built(e) : 0; }
int netgpu_attach(Net *n, NetGpuDev *dev, Err *e) { return not_built(e); }
int netgpu_download(Net *n, Err *e) { return not_built(e); }
void netgpu_detach(Net *n) { n->gpu = NULL; }

const float *netgpu_forward(Net *n, const float *in, int batch, int train)
{
	return NULL;
}

void netgpu_backward(Net *n, const float *dout, float *din, int param_grads) { }
void netgpu_zero_grads(Net *n) { }
int netgpu_finite(const Net *n) { return 0; }
void netgpu_opt_step(Net *n, const AdamCfg *adam, double lr, int64_t t) { }

int netgpu_forward_host(Net *n, const float *in, int batch, int train, float *out, Err *e)
{
	return not_built(e);
}

int netgpu_train_open(struct Trainer *t, const void *x, DType dt, int64_t rows, int64_t ex,
		      Err *e)
{
	return not_built(e);
}

int netgpu_train_close(struct Trainer *t, int download, Err *e)
{
	return download ? not_built(e) : 0;
}

void netgpu_train_batch(struct Trainer *t, const int64_t *idx, int bs, const float **x,
			const float **z, const float **zg) { }

double netgpu_train_loss(struct Trainer *t, const float *y, float target, int n,
			 float scale, double *prob)
{
	return NAN;
}

int netgpu_train_error(const struct Trainer *t, Err *e) { return not_built(e); }
