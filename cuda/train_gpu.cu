/* train_gpu.cu - a trainer's run on a CUDA device: both networks attached,
 * the data set uploaded once, batches gathered on the device with the CPU's
 * shuffle indices, the host-drawn noise uploaded, and the D losses computed
 * there with two doubles downloaded per call for the checks and the log. */
#include <math.h>
#include <stdlib.h>

#include "net_gpu.h"

extern "C" {
#include "train.h"
}

struct TrainGpu {
	NetGpuDev *dev;
	void *data;               /* rows x ex, u8 or f32 */
	int u8;
	int64_t rows;
	size_t ex, lat;
	int64_t *idx;             /* (max_batch) shuffle indices of the batch */
	float *x, *z, *zg;        /* (max_batch, data), (max_batch, latent) twice */
	float *dl, *df;           /* (max_batch), (max_batch, data) */
};

/* Data set and batch buffers. */
static int alloc_buffers(TrainGpu *tg, const Trainer *t, const void *x, DType dt, Err *e)
{
	NetGpuDev *d = tg->dev;
	size_t mb = (size_t)t->max_batch, dat = tg->ex;
	size_t bytes = (size_t)tg->rows * dat * (tg->u8 ? 1 : sizeof(float));
	if (gpu_malloc(&d->g, &tg->data, bytes, e) ||
	    gpu_malloc(&d->g, (void **)&tg->idx, mb * sizeof(int64_t), e) ||
	    netgpu_falloc(d, &tg->x, mb * dat, e) || netgpu_falloc(d, &tg->z, mb * tg->lat, e) ||
	    netgpu_falloc(d, &tg->zg, mb * tg->lat, e) || netgpu_falloc(d, &tg->dl, mb, e) ||
	    netgpu_falloc(d, &tg->df, mb * dat, e))
		return -1;
	return gpu_upload(&d->g, tg->data, x, bytes, e);
}

static void free_state(Trainer *t)
{
	TrainGpu *tg = t->gpu;
	netgpu_detach(&t->g);
	netgpu_detach(&t->d);
	void *arr[] = { tg->data, tg->idx, tg->x, tg->z, tg->zg, tg->dl, tg->df };
	for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++)
		gpu_mfree(arr[i]);
	netgpu_close(tg->dev);
	free(tg);
	t->gpu = NULL;
	t->dl = t->dlog;
	t->df = t->dfake;
}

int netgpu_train_open(struct Trainer *t, const void *x, DType dt, int64_t rows, int64_t ex,
		      Err *e)
{
	if (t->gpu)
		return err_set(e, EXIT_SYS, "the trainer is already on a GPU");
	if ((dt != DT_U8 && dt != DT_F32) || rows < 1 || ex != shape_numel(&t->m.data))
		return err_set(e, EXIT_BAD, "gpu: data set of %lld x %lld does not fit the model",
			       (long long)rows, (long long)ex);
	TrainGpu *tg = (TrainGpu *)calloc(1, sizeof *tg);
	if (!tg)
		return err_set(e, EXIT_SYS, "out of memory");
	tg->u8 = dt == DT_U8;
	tg->rows = rows;
	tg->ex = (size_t)ex;
	tg->lat = (size_t)shape_numel(&t->m.latent);
	t->gpu = tg;
	int rc = netgpu_open(&tg->dev, e);
	if (rc == 0)
		rc = netgpu_attach(&t->g, tg->dev, e);
	if (rc == 0)
		rc = netgpu_attach(&t->d, tg->dev, e);
	if (rc == 0)
		rc = alloc_buffers(tg, t, x, dt, e);
	if (rc) {
		free_state(t);
		return -1;
	}
	t->dl = tg->dl;
	t->df = tg->df;
	return 0;
}

int netgpu_train_close(struct Trainer *t, int download, Err *e)
{
	if (!t->gpu)
		return 0;
	int rc = 0;
	if (download)
		rc = netgpu_error(t->gpu->dev, e) || netgpu_download(&t->g, e) ||
		     netgpu_download(&t->d, e) ? -1 : 0;
	free_state(t);
	return rc;
}

/* Indices, gather and noise for a batch of bs. */
static int batch(Trainer *t, const int64_t *idx, int bs, const float *z, const float *zg,
		 Err *e)
{
	TrainGpu *tg = t->gpu;
	GpuCtx *g = &tg->dev->g;
	size_t zb = (size_t)bs * tg->lat * sizeof(float);
	if (bs < 1 || bs > t->max_batch)
		return err_set(e, EXIT_BAD, "gpu: batch %d outside 1 .. %d", bs, t->max_batch);
	if (gpu_upload(g, tg->idx, idx, (size_t)bs * sizeof(int64_t), e))
		return -1;
	int rc = tg->u8 ? gpu_gather_u8(g, tg->x, (const uint8_t *)tg->data, tg->rows, tg->idx,
					bs, tg->ex, e)
			: gpu_gather_f32(g, tg->x, (const float *)tg->data, tg->rows, tg->idx, bs,
					 tg->ex, e);
	if (rc || gpu_upload(g, tg->z, z, zb, e))
		return -1;
	return zg ? gpu_upload(g, tg->zg, zg, zb, e) : 0;
}

void netgpu_train_batch(struct Trainer *t, const int64_t *idx, int bs, const float **x,
			const float **z, const float **zg)
{
	TrainGpu *tg = t->gpu;
	NetGpuDev *d = tg->dev;
	if (!d->failed)
		netgpu_note(d, batch(t, idx, bs, *z, *zg, &d->err));
	*x = tg->x;
	*z = tg->z;
	*zg = *zg ? tg->zg : NULL;
}

static int loss(Trainer *t, const float *y, float target, int n, float scale, double res[2],
		Err *e)
{
	GpuCtx *g = &t->gpu->dev->g;
	if (gpu_loss_bce(g, t->m.loss, t->gpu->dl, y, target, n, scale, g->red, e))
		return -1;
	return gpu_download(g, res, g->red, 2 * sizeof(double), e);
}

double netgpu_train_loss(struct Trainer *t, const float *y, float target, int n,
			 float scale, double *prob)
{
	NetGpuDev *d = t->gpu->dev;
	double res[2] = { NAN, NAN };
	if (!d->failed && y)
		netgpu_note(d, loss(t, y, target, n, scale, res, &d->err));
	if (d->failed)
		res[0] = res[1] = NAN;
	if (prob)
		*prob = res[1] / n;
	return res[0];
}

int netgpu_train_error(const struct Trainer *t, Err *e)
{
	return t->gpu ? netgpu_error(t->gpu->dev, e) : 0;
}
