# cuda/cuda.mk - the GPU operations, included by the top Makefile (which
# defines B, CPPFLAGS, CFLAGS, LDFLAGS, LDLIBS, $(B)/libcommon.a and NVCC, the
# path of nvcc or empty). Builds only when nvcc and cuDNN's header and library
# are found:
#   $(GPU_SO)           the CUDA backend, libgantools-gpu.so: cuda/*.cu (not
#                       test_*) and its own -fPIC copies of libcommon (in
#                       $(B)/pic/), linked -Bsymbolic, exporting only
#                       gantools_cuda (libcommon/engine/cuda_lib.h); the
#                       tools dlopen it
#   make gpu-check      $(B)/libgpu.a and $(B)/tests-gpu/test_gpu_ops, then runs
#                       it (it prints "skipped" and passes on a machine
#                       without a device); without nvcc or cuDNN, says skipped.
# For the engine: HAVE_GPU (y or empty) and GPU_SO.

CUDA_HOME ?= $(if $(NVCC),$(patsubst %/bin/,%,$(dir $(realpath $(NVCC)))))
CUDNN_INC ?= $(firstword $(wildcard $(CUDA_HOME)/include/cudnn.h /usr/include/cudnn.h \
               /usr/include/*-linux-gnu/cudnn.h /usr/local/cuda/include/cudnn.h))
CUDNN_LIB ?= $(firstword $(wildcard $(CUDA_HOME)/lib64/libcudnn.so $(CUDA_HOME)/lib/libcudnn.so \
               /usr/lib/*-linux-gnu/libcudnn.so /usr/lib64/libcudnn.so /usr/local/cuda/lib64/libcudnn.so))
comma     := ,
HAVE_GPU  := $(if $(and $(NVCC),$(CUDNN_INC),$(CUDNN_LIB)),y)

# H100 (sm_90) and A100 (sm_80) machine code, plus PTX for newer devices.
NVCC_ARCH   ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
               -gencode arch=compute_90,code=compute_90
NVCC_WARN   ?= -Xcompiler -Wall,-Wextra,-Wshadow,-Wno-unused-parameter
NVCC_WERROR ?= -Werror all-warnings -Xcompiler -Werror
NVCCFLAGS   ?= -std=c++17 -O3 -g $(NVCC_ARCH) $(NVCC_WARN) $(NVCC_WERROR)

GPU_SRC      := $(filter-out cuda/test_%.cu,$(sort $(wildcard cuda/*.cu)))
GPU_OBJ      := $(GPU_SRC:%.cu=$(B)/obj/%.o)
GPU_LIB      := $(B)/libgpu.a
GPU_SO       := $(B)/lib/libgantools-gpu.so
# The library's own position-independent libcommon: everything but the
# drawing and the tools' loader, as an archive so only what it uses is linked.
PIC_SRC      := $(filter-out libcommon/plot/plot.c libcommon/engine/cuda_%.c,$(LIB_SRC))
PIC_OBJ      := $(PIC_SRC:%.c=$(B)/pic/%.o)
PIC_LIB      := $(B)/pic/libcommon.a
GPU_MAP      := $(B)/pic/libgantools-gpu.map
GPU_TEST     := $(B)/tests-gpu/test_gpu_ops
GPU_CPPFLAGS := -Icuda $(addprefix -I,$(sort $(patsubst %/,%,$(dir $(CUDNN_INC)) \
                $(CUDA_HOME)/include)))
GPU_LIBDIRS  := $(sort $(patsubst %/,%,$(dir $(CUDNN_LIB)) $(wildcard $(CUDA_HOME)/lib64 \
                $(CUDA_HOME)/lib)))
GPU_NVLIBS   := $(addprefix -L,$(GPU_LIBDIRS)) $(addprefix -Xlinker -rpath=,$(GPU_LIBDIRS)) \
                -lcudnn -lcublas
# The link: -l and -L as they are, every other flag (-pthread, -fopenmp,
# sanitizers) handed to the host compiler, except -Wl,... (nvcc would split
# it at the comma; the link below sets --as-needed itself).
comma        := ,
GPU_LDDIRECT := $(filter -l% -L%,$(LDLIBS))
GPU_HOSTLD   := $(foreach f,$(filter-out -Wl$(comma)%,$(LDFLAGS)) $(filter-out -l% -L%,$(LDLIBS)),\
                -Xcompiler $(f))

.PHONY: gpu gpu-check

ifeq ($(HAVE_GPU),y)

gpu: $(GPU_LIB) $(GPU_TEST) $(GPU_SO)

# The objects go into the shared engine too (-fPIC): rebuilt when this file
# changes their flags.
$(B)/obj/cuda/%.o: cuda/%.cu cuda/cuda.mk
	@mkdir -p $(dir $@)
	$(say) NVCC $<
	$(Q)$(NVCC) $(filter -D% -I%,$(CPPFLAGS)) $(GPU_CPPFLAGS) $(NVCCFLAGS) -Xcompiler -fPIC -MMD -MP -c $< -o $@

$(GPU_LIB): $(GPU_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(PIC_LIB): $(PIC_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Only gantools_cuda is exported; -Bsymbolic binds the library to its own
# copies of libcommon (no global mutable state there, so two are harmless).
$(GPU_SO): $(GPU_OBJ) $(PIC_LIB)
	@mkdir -p $(dir $@)
	@printf '{ global: gantools_cuda; local: *; };\n' > $(GPU_MAP)
	$(say) LD $@
	$(Q)$(NVCC) -shared $(NVCC_ARCH) $(GPU_HOSTLD) -Xlinker -Bsymbolic \
		-Xlinker --version-script=$(GPU_MAP) $(GPU_OBJ) $(PIC_LIB) \
		-Xlinker --as-needed $(GPU_NVLIBS) $(GPU_LDDIRECT) -o $@

$(GPU_TEST): $(B)/obj/cuda/test_gpu_ops.o $(GPU_LIB) $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(say) LD $@
	$(Q)$(NVCC) $(NVCC_ARCH) $(GPU_HOSTLD) $^ $(GPU_NVLIBS) $(GPU_LDDIRECT) -o $@

gpu-check: $(GPU_TEST)
	@$(GPU_TEST)

-include $(GPU_OBJ:.o=.d) $(B)/obj/cuda/test_gpu_ops.d $(PIC_OBJ:.o=.d)

else

gpu gpu-check:
	@echo "gpu-check: skipped (nvcc or cuDNN not found)"

endif
