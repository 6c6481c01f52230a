/* netgpu_api.c - the one export of libgantools-gpu.so: the table of the
 * engine's netgpu.h calls (cuda/net_gpu.cu, cuda/train_gpu.cu). Built only
 * into the shared library, never into libcommon.a. */
#include "netgpu_api.h"

#include "train.h"

static const NetGpuApi api = {
	.abi = NETGPU_ABI,
	.err_size = sizeof(Err),
	.net_size = sizeof(Net),
	.trainer_size = sizeof(Trainer),
	.devices = netgpu_devices,
	.open = netgpu_open,
	.close = netgpu_close,
	.error = netgpu_error,
	.attach = netgpu_attach,
	.download = netgpu_download,
	.detach = netgpu_detach,
	.forward = netgpu_forward,
	.backward = netgpu_backward,
	.zero_grads = netgpu_zero_grads,
	.finite = netgpu_finite,
	.opt_step = netgpu_opt_step,
	.forward_host = netgpu_forward_host,
	.train_open = netgpu_train_open,
	.train_close = netgpu_train_close,
	.train_batch = netgpu_train_batch,
	.train_loss = netgpu_train_loss,
	.train_error = netgpu_train_error,
};

__attribute__((visibility("default"))) const NetGpuApi *netgpu_api(void)
{
	return &api;
}
