# Makefile - builds the gantools library, tools and tests; see README.md.
# Targets: all check demo bench install uninstall clean fuzz.
include config.mk
.DEFAULT_GOAL := all

B ?= build
SAN ?= 0
# A quiet build: one short line per step ("  CC  libcommon/nn/conv2d.c");
# make V=1 prints the commands themselves.
ifeq ($(V),1)
  Q :=
  say := @true
else
  Q := @
  say := @printf '  %-4s %s\n'
endif
# VG=1: the build for valgrind (build-vg/), -O1 and without -march=native:
# valgrind's CPU emulation stops (SIGILL) on the AVX-512 code the native
# build holds. make valgrind builds it and runs tools/valgrind.sh.
VG ?= 0
ifneq ($(OPENMP),)
  HAVE_OPENMP := $(shell echo 'int main(void){return 0;}' | $(CC) $(OPENMP) -x c - -o /dev/null 2>/dev/null && echo y)
  ifeq ($(HAVE_OPENMP),y)
    CFLAGS += $(OPENMP)
    LDFLAGS += $(OPENMP)
  endif
endif
ifeq ($(SAN),1)
  B := build-san
  CFLAGS += $(SANFLAGS) -O1
  LDFLAGS += $(SANFLAGS)
else ifeq ($(PORTABLE),1)
  # The same instructions on every x86-64 CPU (SSE2, no FMA contraction):
  # results that reach no OpenBLAS product are the same bits on any machine.
  B := build-portable
  CFLAGS += -ffp-contract=off
else ifeq ($(VG),1)
  B := build-vg
  CFLAGS += -O1
else
  HAVE_NATIVE := $(shell echo 'int main(void){return 0;}' | $(CC) $(NATIVE) -x c - -o /dev/null 2>/dev/null && echo y)
  ifeq ($(HAVE_NATIVE),y)
    CFLAGS += $(NATIVE)
  endif
endif

# Without the -dev packages the build would die in a compile error: stop at
# once instead, with one line naming them. demo, check and deps install them
# first (scripts/install-deps.sh) and then build in a sub-make, which checks.
NOCHECK_GOALS := deps demo check fresh-check clean uninstall
ifneq ($(filter-out $(NOCHECK_GOALS),$(or $(MAKECMDGOALS),all)),)
  HAVE_HEADERS := $(shell printf '\043include <cblas.h>\n\043include <jansson.h>\n\043include <png.h>\n\043include <zlib.h>\n\043include <cairo.h>\n' | \
	$(CC) $(CPPFLAGS) $$(pkg-config --cflags cairo 2>/dev/null) -E -x c - >/dev/null 2>&1 && echo y)
  ifneq ($(HAVE_HEADERS),y)
    MISSING_PKGS := $(shell sh scripts/install-deps.sh --missing-build 2>/dev/null)
    $(error missing build packages: $(or $(MISSING_PKGS),a C compiler or headers); install them with 'make deps' (scripts/install-deps.sh) or run 'make demo')
  endif
endif

# The library's sources, one folder per layer (config.mk: LIBCOMMON_DIRS).
LIB_DIRS  := $(LIBCOMMON_DIRS:%=libcommon/%)
LIB_SRC   := $(filter-out libcommon/engine/cuda_%.c,$(sort $(wildcard $(LIB_DIRS:%=%/*.c))))
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/obj/%.o)

NVCC := $(shell command -v nvcc 2>/dev/null || ls /usr/local/cuda/bin/nvcc 2>/dev/null)

# GPU: built only where nvcc, cuBLAS and cuDNN are found (cuda/cuda.mk sets
# HAVE_GPU and GPU_SO); make gpu-check runs the GPU-vs-CPU
# operation tests, or says it skipped.
-include cuda/cuda.mk

# MPI: libgantools-mpi.so only where mpicc is found (mpi/mpi.mk sets HAVE_MPI
# and MPI_SO); libcommon/engine/comm.c loads it only under mpirun.
-include mpi/mpi.mk
MPI_SO_ALL := $(if $(HAVE_MPI),$(MPI_SO))

# The CUDA backend (engine/cuda_lib.h): cuda/*.cu in $(GPU_SO), a shared
# library (cuda/cuda.mk) built where nvcc and cuDNN are found, but not for
# SAN=1 (ASan and the CUDA driver do not mix). Every tool links cuda_load.o,
# which loads the library with dlopen on first use and only where an NVIDIA
# device node exists, so a CPU-only run pays nothing for CUDA. The unit
# tests link cuda_none.o ("CUDA support not built"); test_cuda_load tests
# the loader itself.
GPU_ENGINE := $(if $(filter 1,$(SAN) $(VG)),,$(HAVE_GPU))
GPU_SO_ALL := $(if $(GPU_ENGINE),$(GPU_SO))
DL_OBJ     := $(B)/obj/libcommon/engine/cuda_load.o
NONE_OBJ   := $(B)/obj/libcommon/engine/cuda_none.o
DL_LIBS    := -ldl
TEST_ENGINE = $(NONE_OBJ)
$(B)/tests/test_cuda_load: TEST_ENGINE = $(DL_OBJ)
# Installed beside the tools' ../lib, where cuda_load.c looks for it.
LIBDIR     ?= $(PREFIX)/lib

TOOL_SRC  := $(sort $(wildcard tools/gan-*.c))
TOOLS     := $(TOOL_SRC:tools/%.c=$(B)/bin/%)
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TESTS     := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
MAN       := $(sort $(wildcard man/*.[0-9]))
PRESETS   := $(sort $(wildcard models/*.model))

.PHONY: valgrind vg-tools all tools deps check check-fast test-unit test-bats demo fresh-check bench bench-gpu bench-layers bench-trajectory install uninstall clean fuzz
all: $(TOOLS) $(TESTS) $(GPU_SO_ALL) $(MPI_SO_ALL) $(B)/bench/layers $(B)/bench/trajectory
# What make demo runs: the tools, without the unit tests or the GPU library.
tools: $(TOOLS)
# Objects are kept (a second make builds nothing, nor relinks the tests).
.SECONDARY:

# Objects depend on the settings too: a flag changed in config.mk rebuilds.
$(B)/obj/%.o: %.c config.mk
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Adam's sqrtf without errno (a negative v cannot occur; NaN gives NaN either
# way): gcc then vectorises the update, whose sqrt and divisions are correctly
# rounded in any width, so the bits are the same (dcgan-mnist's Adam: scalar
# vsqrtss plus two vdivss per element before).
$(B)/obj/libcommon/nn/optim.o: CFLAGS += -fno-math-errno

# gan-plot draws with cairo.
$(B)/obj/tools/gan-plot.o $(B)/obj/libcommon/plot/plot.o: CFLAGS += $(CAIRO_CFLAGS)

$(B)/libcommon.a: $(LIB_OBJ)
	@rm -f $@
	$(say) AR $@
	$(Q)ar rcs $@ $^

$(B)/bin/%: $(B)/obj/tools/%.o $(B)/libcommon.a $(DL_OBJ)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $< $(DL_OBJ) $(B)/libcommon.a $(LDLIBS) $(DL_LIBS) $(if $(filter gan-plot,$*),$(CAIRO_LIBS)) -o $@

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(B)/libcommon.a $(NONE_OBJ) $(DL_OBJ)
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $< $(TEST_ENGINE) $(B)/libcommon.a $(LDLIBS) $(DL_LIBS) $(CAIRO_LIBS) -o $@

deps:
	@sh scripts/install-deps.sh

test-unit: $(TESTS)
	@sh tests/run-unit.sh $(B)/tests

test-bats: $(TOOLS)
	@GAN_BIN=$(CURDIR)/$(B)/bin bats --print-output-on-failure tests/*.bats

# The whole suite: unit tests and bats on the optimised build, then again
# on the ASan+UBSan build. Prints one closing line with the totals.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 all
	@$(MAKE) --no-print-directory VG=1 vg-tools
	@$(MAKE) --no-print-directory gpu-check
	@sh tests/run-all.sh $(CURDIR)/build $(CURDIR)/build-san

# memcheck on a few tools (tests/valgrind.sh), on the VG=1 build.
valgrind:
	@$(MAKE) --no-print-directory VG=1 vg-tools
	@sh tests/valgrind.sh $(CURDIR)/build-vg/bin
vg-tools: $(TOOLS)

# A bare Debian 12 root (debootstrap), the README's two commands in it.
fresh-check:
	@sh tests/fresh-debian.sh $(FRESH_DIR)

demo: deps
	@$(MAKE) --no-print-directory tools
	@sh scripts/demo.sh

bench: all
	@sh scripts/install-deps.sh --bench
	@sh bench/run.sh $(B)/bin
	@sh bench/mpi.sh $(B)/bin

# gan-step --device cuda against the PyTorch peers on the same GPU
# (bench/gpu.sh; says why and stops where there is no device).
bench-gpu: all
	@sh bench/gpu.sh $(B)/bin

# The per-layer micro-benchmark (bench/layers.c): make bench-layers, then
# build/bench/layers [batch [threads [dcgan64|mnist|all]]].
bench-layers: $(B)/bench/layers
$(B)/bench/layers: $(B)/obj/bench/layers.o $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(B)/libcommon.a $(LDLIBS) -o $@

# gantools on the PyTorch MNIST peer's own random streams (issue 15; see
# bench/trajectory.c and bench/trajectory.sh): make bench-trajectory.
bench-trajectory: $(B)/bench/trajectory
$(B)/bench/trajectory: $(B)/obj/bench/trajectory.o $(B)/libcommon.a $(DL_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $< $(B)/libcommon.a $(DL_OBJ) $(LDLIBS) -o $@

install: $(TOOLS) $(GPU_SO_ALL) $(MPI_SO_ALL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/models
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	$(if $(GPU_SO_ALL),install -d $(DESTDIR)$(LIBDIR)/gantools)
	$(if $(GPU_SO_ALL),install -m 755 $(GPU_SO_ALL) $(DESTDIR)$(LIBDIR)/gantools)
	$(if $(MPI_SO_ALL),install -d $(DESTDIR)$(LIBDIR)/gantools)
	$(if $(MPI_SO_ALL),install -m 755 $(MPI_SO_ALL) $(DESTDIR)$(LIBDIR)/gantools)
	for m in $(MAN); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	$(if $(PRESETS),install -m 644 $(PRESETS) $(DESTDIR)$(DATADIR)/models)

# Removes what install wrote, then the folders it leaves empty, up to (not
# including) $(PREFIX).
uninstall:
	rm -f $(TOOLS:$(B)/bin/%=$(DESTDIR)$(BINDIR)/%)
	for m in $(MAN); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBDIR)/gantools
	@top='$(DESTDIR)$(PREFIX)'; \
	for d in $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man5 $(DATADIR) $(LIBDIR); do \
	  d="$(DESTDIR)$$d"; \
	  while [ "$${d#$$top/}" != "$$d" ] && rmdir "$$d" 2>/dev/null; do d=$${d%/*}; done; \
	done

clean:
	rm -rf build build-san

# Fuzzing: make fuzz (libFuzzer, clang) and make fuzz-replay (corpus replay).
-include fuzz/fuzz.mk

-include $(LIB_OBJ:.o=.d) $(NONE_OBJ:.o=.d) $(DL_OBJ:.o=.d) $(TOOL_SRC:%.c=$(B)/obj/%.d) $(TEST_SRC:%.c=$(B)/obj/%.d)
