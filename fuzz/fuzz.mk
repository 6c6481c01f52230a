# fuzz/fuzz.mk - parser fuzzing, included by the top Makefile.
#   make fuzz [FUZZ_SECONDS=60]  libFuzzer (clang, ASan+UBSan) on every parser
#                                into build-fuzz/, then 1000 kill -9 trials
#   make fuzz-replay [SAN=1]     the seed corpora through the harnesses built
#                                with $(CC) and a plain main (replay_main.c)
# Also builds $(B)/shim/failwrite.so (write-failure injection for the tests).

FUZZ_HARNESSES := npy safetensors idx png model tsvlog
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -g -O1 -fopenmp-simd -fno-trapping-math $(WARN) $(FUZZ_SAN)
CRASH_TRIALS_FUZZ ?= 1000

# Each harness's -max_len: room for the largest header the format allows.
FUZZ_LEN_npy         := 16384
FUZZ_LEN_safetensors := 16384
FUZZ_LEN_idx         := 4096
FUZZ_LEN_png         := 32768
FUZZ_LEN_model       := 20000
FUZZ_LEN_tsvlog      := 12288

FUZZ_BINS    := $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/fuzz_%)
REPLAY_BINS  := $(FUZZ_HARNESSES:%=$(B)/fuzz/replay_%)
SHIM         := $(B)/shim/failwrite.so
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)

.PHONY: fuzz fuzz-build fuzz-replay
all: $(SHIM)

# The shim is never sanitized: it is preloaded into any build's tools.
$(SHIM): tests/shim/failwrite.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(filter-out $(SANFLAGS),$(CFLAGS)) -fPIC -shared $< -o $@ -ldl

# Library objects for the fuzzers: coverage-instrumented and sanitized, in
# one archive, so each harness links just the libcommon sources it needs.
$(FUZZ_DIR)/obj/libcommon/plot/plot.o: FUZZ_EXTRA = $(CAIRO_CFLAGS)
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(FUZZ_EXTRA) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libcommon.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DIR)/libcommon.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

$(B)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay_main.c $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

# One line per harness: executions, coverage (libFuzzer's final cov:), crashes
# (inputs saved in build-fuzz/crashes/<harness>/); new inputs are kept in
# build-fuzz/corpus/<harness>. Then the tools are built for the kill -9
# trials. Fails on any crash, torn checkpoint or build failure.
fuzz: fuzz-build
	@fail=0; for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$h $(FUZZ_DIR)/crashes/$$h; \
	  case $$h in npy) len=$(FUZZ_LEN_npy);; safetensors) len=$(FUZZ_LEN_safetensors);; \
	    idx) len=$(FUZZ_LEN_idx);; png) len=$(FUZZ_LEN_png);; model) len=$(FUZZ_LEN_model);; \
	    *) len=$(FUZZ_LEN_tsvlog);; esac; \
	  dict=; [ -f fuzz/$$h.dict ] && dict=-dict=fuzz/$$h.dict; \
	  before=$$(ls $(FUZZ_DIR)/crashes/$$h | wc -l); \
	  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(FUZZ_DIR)/fuzz_$$h -max_len=$$len -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 $$dict \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/$$h/ \
	    $(FUZZ_DIR)/corpus/$$h fuzz/corpus/$$h > $(FUZZ_DIR)/$$h.log 2>&1; rc=$$?; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$$h.log | tail -n 1); \
	  cov=$$(grep -o 'cov: [0-9]*' $(FUZZ_DIR)/$$h.log | tail -n 1 | cut -d' ' -f2); \
	  crashes=$$(( $$(ls $(FUZZ_DIR)/crashes/$$h | wc -l) - before )); \
	  [ $$rc -ne 0 ] && [ $$crashes -eq 0 ] && crashes=1; \
	  echo "fuzz $$h: $${execs:-0} executions, cov $${cov:-0}, $$crashes crashes"; \
	  [ $$crashes -eq 0 ] || { fail=1; echo "  see $(FUZZ_DIR)/$$h.log"; }; \
	done; \
	echo "== kill -9 trials ($(CRASH_TRIALS_FUZZ))"; \
	$(MAKE) --no-print-directory -s all && \
	sh tests/crash-safety.sh $(CURDIR)/$(B)/bin $(CRASH_TRIALS_FUZZ) || fail=1; \
	exit $$fail

# Every seed input through every harness, each in a child process; one
# closing line with the totals. Fails on any crash, leak or sanitizer report.
fuzz-replay: $(REPLAY_BINS)
	@pass=0; fail=0; for h in $(FUZZ_HARNESSES); do \
	  out=$$(ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    $(B)/fuzz/replay_$$h fuzz/corpus/$$h); \
	  p=$$(printf '%s\n' "$$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$$/\1/p'); \
	  f=$$(printf '%s\n' "$$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$$/\2/p'); \
	  [ -n "$$p" ] || { p=0; f=1; }; \
	  pass=$$((pass + p)); fail=$$((fail + f)); \
	done; \
	echo "fuzz-replay: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]
