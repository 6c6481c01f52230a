# cuda/cuda.mk - the GPU operations, included by the top Makefile (which
# defines B, CPPFLAGS, LDFLAGS, LDLIBS, $(B)/libcommon.a and NVCC, the path of
# nvcc or empty). Builds only when nvcc and cuDNN's header and library are found:
#   make gpu-check      $(B)/libgpu.a and $(B)/tests-gpu/test_gpu_ops, then runs
#                       it (it prints "skipped" and passes on a machine
#                       without a device); without nvcc or cuDNN, says skipped.
# For the engine: HAVE_GPU (y or empty), GPU_LIB, GPU_CPPFLAGS, GPU_LDLIBS.

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
GPU_TEST     := $(B)/tests-gpu/test_gpu_ops
GPU_CPPFLAGS := -Icuda $(addprefix -I,$(sort $(patsubst %/,%,$(dir $(CUDNN_INC)) \
                $(CUDA_HOME)/include)))
GPU_LIBDIRS  := $(sort $(patsubst %/,%,$(dir $(CUDNN_LIB)) $(wildcard $(CUDA_HOME)/lib64 \
                $(CUDA_HOME)/lib)))
GPU_LDLIBS   := $(addprefix -L,$(GPU_LIBDIRS)) $(addprefix -Wl$(comma)-rpath$(comma),$(GPU_LIBDIRS)) \
                -lcudnn -lcublas -lcudart_static -ldl -lrt -lstdc++
GPU_NVLIBS   := $(addprefix -L,$(GPU_LIBDIRS)) $(addprefix -Xlinker -rpath=,$(GPU_LIBDIRS)) \
                -lcudnn -lcublas
# The link: -l and -L as they are, every other flag (-pthread, -fopenmp,
# sanitizers) handed to the host compiler.
GPU_LDDIRECT := $(filter -l% -L%,$(LDLIBS))
GPU_HOSTLD   := $(foreach f,$(LDFLAGS) $(filter-out -l% -L%,$(LDLIBS)),-Xcompiler $(f))

.PHONY: gpu gpu-check

ifeq ($(HAVE_GPU),y)

gpu: $(GPU_LIB) $(GPU_TEST)

$(B)/obj/cuda/%.o: cuda/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(filter -D% -I%,$(CPPFLAGS)) $(GPU_CPPFLAGS) $(NVCCFLAGS) -MMD -MP -c $< -o $@

$(GPU_LIB): $(GPU_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(GPU_TEST): $(B)/obj/cuda/test_gpu_ops.o $(GPU_LIB) $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCC_ARCH) $(GPU_HOSTLD) $^ $(GPU_NVLIBS) $(GPU_LDDIRECT) -o $@

gpu-check: $(GPU_TEST)
	@$(GPU_TEST)

-include $(GPU_OBJ:.o=.d) $(B)/obj/cuda/test_gpu_ops.d

else

gpu gpu-check:
	@echo "gpu-check: skipped (nvcc or cuDNN not found)"

endif
