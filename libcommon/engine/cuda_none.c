/* cuda_none.c - cuda_lib.h without CUDA, linked by the unit tests: no
 * library, no devices, and opening a CUDA backend fails with "CUDA support
 * not built". */
#include "cuda_lib.h"

int cuda_built(void)
{
	return 0;
}

int cuda_devices(void)
{
	return 0;
}

int cuda_open(Backend *be, int flags, Err *e)
{
	return err_set(e, EXIT_BAD, "CUDA support not built");
}
