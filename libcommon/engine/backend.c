/* backend.c - what every backend shares on top of its table (backend.h):
 * twins of host arrays, staging memory, copies that skip a twin onto
 * itself, the sticky error, and the names of layer kinds for the refusals
 * of a supports answer. */
#include "backend.h"

const char *layer_kind_desc(LayerKind k)
{
	static const char *const desc[] = {
		"linear", "convolution (conv2d)", "transposed convolution (convt2d)",
		"batch norm (batchnorm1d)", "batch norm (batchnorm2d)", "an activation",
		"flatten", "unflatten", "minibatch discrimination (mbdisc)",
	};
	return (unsigned)k < sizeof desc / sizeof desc[0] ? desc[k] : "an unknown layer";
}

int backend_same(Backend a, Backend b)
{
	return a.ops == b.ops && a.ctx == b.ctx;
}

int backend_twin(Backend b, void *host, size_t bytes, void **p, Err *e)
{
	if (b.ops->host_memory) {
		*p = host;
		return 0;
	}
	return b.ops->alloc(b.ctx, bytes, p, e);
}

void backend_untwin(Backend b, void *p, const void *host)
{
	if (p && p != host)
		b.ops->free(b.ctx, p);
}

int backend_staging(Backend b, size_t bytes, void **p, Err *e)
{
	*p = NULL;
	return b.ops->host_memory ? 0 : b.ops->alloc(b.ctx, bytes, p, e);
}

int backend_put(Backend b, void *dst, const void *host, size_t bytes)
{
	return dst == host ? 0 : b.ops->upload(b.ctx, dst, host, bytes);
}

int backend_get(Backend b, void *host, const void *src, size_t bytes)
{
	return host == src ? 0 : b.ops->download(b.ctx, host, src, bytes);
}

int backend_error(Backend b, Err *e)
{
	return b.ops->error(b.ctx, e);
}
