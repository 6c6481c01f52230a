# mpi/mpi.mk - the MPI half of libcommon/engine/comm.h, included by the top
# Makefile (which defines B, CPPFLAGS, CFLAGS). Built only where mpicc is
# found (Debian: libopenmpi-dev, openmpi-bin):
#   $(MPI_SO)   libgantools-mpi.so: mpi/comm_mpi.c alone, linked to libmpi;
#               comm.c loads it with dlopen only in processes that mpirun
#               started, so the tools never link or initialise MPI otherwise.
# Sets HAVE_MPI (y or empty) and MPI_SO.

MPICC    ?= $(shell command -v mpicc 2>/dev/null)
HAVE_MPI := $(if $(MPICC),y)
MPI_SO   := $(B)/lib/libgantools-mpi.so

ifeq ($(HAVE_MPI),y)
# The sanitizer flags stay out: the library is loaded into sanitized tools
# too, and needs no instrumentation of its own (it only forwards buffers).
MPI_CFLAGS := $(filter-out $(SANFLAGS) -fopenmp -march=native,$(CFLAGS))
$(MPI_SO): mpi/comm_mpi.c libcommon/engine/comm_api.h mpi/mpi.mk
	@mkdir -p $(dir $@)
	$(MPICC) $(filter -D% -I%,$(CPPFLAGS)) $(MPI_CFLAGS) -fPIC -shared \
		-Wl,--no-undefined $< -o $@
endif
