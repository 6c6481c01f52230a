# config.mk - build settings for gantools; override on the command line
# (make CC=clang PREFIX=$HOME/.local).
VERSION  = 0.1.0
PREFIX   = /usr/local
DESTDIR  =
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
DATADIR  = $(PREFIX)/share/gantools

CC       = cc
OPT      = -O2
# Functions and loops at fixed alignments: a hot loop's speed then does not
# move with the code linked before it (gaussian2d's whole run varied by 5 %
# between builds that differed only in unrelated files; bench/ab.sh). Code
# placement only: the same bits.
ALIGN    = -falign-functions=64 -falign-loops=32
# -march=native only where the compiler accepts it (checked in the Makefile).
NATIVE   = -march=native
# The layers' own threads (libcommon/base/par.h), where the compiler has OpenMP
# (checked in the Makefile); `make OPENMP=` builds without, leaving the
# threading to OpenBLAS. Measured idle on 2 cores: dcgan-mnist 1.3x faster.
OPENMP   = -fopenmp
WARN     = -Wall -Wextra -Wshadow -Wno-unused-parameter
# libcommon's folders, lowest layer first (see libcommon/README.md); each is
# on the include path, so a header is named by its file name alone.
LIBCOMMON_DIRS = base cli formats nn engine data plot eval
CPPFLAGS = -D_GNU_SOURCE -DGAN_VERSION=\"$(VERSION)\" -DGAN_DATADIR=\"$(DATADIR)\" \
           -I/usr/include/x86_64-linux-gnu/openblas-pthread $(LIBCOMMON_DIRS:%=-Ilibcommon/%)
# -fopenmp-simd: the `omp simd` loops of par.h vectorise without OpenMP;
# -fno-trapping-math: nothing here reads floating-point exception flags, and
# without it gcc will not vectorise loops with selects (vmath.h).
CFLAGS   = -std=c11 -g $(OPT) $(ALIGN) -fopenmp-simd -fno-trapping-math $(WARN) -pthread
# --as-needed: a tool records only the libraries it calls. OpenBLAS is not
# linked: libcommon/base/gemm.c loads it (dlopen) on the first product that needs
# it, so tools and runs that need none skip its ~2 ms start-up.
LDFLAGS  = -Wl,--as-needed
LDLIBS   = -ljansson -lpng16 -lz -lm -ldl -pthread
CAIRO_CFLAGS = $$(pkg-config --cflags cairo 2>/dev/null)
CAIRO_LIBS   = $$(pkg-config --libs cairo 2>/dev/null)

# Sanitizer build used by `make check` (build-san/).
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
