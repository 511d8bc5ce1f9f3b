# tests/fuzz/fuzz.mk - libFuzzer harnesses, included by the Makefile.
#
#   make fuzz                      build every harness, run each FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=10      (CI's short pass)
#   make fuzz FUZZ_TARGETS='wire_pod conf'
#   make fuzz FUZZ_STRICT=1        also fail on the known findings the
#                                  harnesses otherwise step around
#   make fuzz-build                only build build-fuzz/bin/fuzz_<target>
#
# A target is a harness tests/fuzz/fuzz_<target>.c (found by wildcard)
# plus the modules it links, FUZZ_DEPS_<target> below; its seed corpus is
# tests/fuzz/corpus/<target>/.  Adding a target is those three things.
# Everything is built with clang, -fsanitize=fuzzer,address,undefined,
# into build-fuzz/ (build-fuzz-strict/ with FUZZ_STRICT).  tests/fuzz/run.sh
# runs the harnesses and prints executions and crashes per target.

FUZZ_CC     ?= clang
FUZZ_B      := build-fuzz$(if $(FUZZ_STRICT),-strict)
FUZZ_SAN    := -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer -pthread \
               -fno-strict-aliasing $(FUZZ_SAN) \
               $(filter-out -Werror -Wno-format-truncation,$(WARN)) -Itests/fuzz \
               $(if $(FUZZ_STRICT),-DFUZZ_STRICT)

FUZZ_TARGETS ?= $(sort $(patsubst tests/fuzz/fuzz_%.c,%,\
                  $(wildcard tests/fuzz/fuzz_*.c)))

FUZZ_DEPS_wire_pod     := proto/wire.c
FUZZ_DEPS_wire_create  := proto/wire.c interlink-api/transform.c \
                          common/text.c
FUZZ_DEPS_wire_status  := proto/wire.c
FUZZ_DEPS_wire_misc    := proto/wire.c
FUZZ_DEPS_wire_logs    := proto/wire.c
FUZZ_DEPS_yamljson     := common/yamljson.c
FUZZ_DEPS_conf         := common/conf.c common/yamljson.c common/log.c \
                          common/text.c common/buf.c common/fsutil.c \
                          common/httpd.c sidecar-slurm/sconf.c \
                          interlink-api/gconf.c \
                          $(wildcard sidecar-slurm/tenancy.c)
FUZZ_DEPS_jobscript    := sidecar-slurm/jobscript.c common/buf.c \
                          common/text.c common/log.c proto/wire.c \
                          common/fsutil.c
FUZZ_DEPS_sbatch_flags := sidecar-slurm/sbatch_flags.c common/buf.c \
                          common/text.c
FUZZ_DEPS_manifest     := interlink-api/ilctl_pod.c common/yamljson.c \
                          common/buf.c common/text.c proto/wire.c

fuzz_obj = $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(1))
FUZZ_BINS := $(patsubst %,$(FUZZ_B)/bin/fuzz_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-clean

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

# objects are intermediate files of the pattern rules below: keep them
.PRECIOUS: $(FUZZ_B)/obj/%.o

$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

.SECONDEXPANSION:
$(FUZZ_B)/bin/fuzz_%: $$(call fuzz_obj,tests/fuzz/fuzz_$$*.c $$(FUZZ_DEPS_$$*))
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -pthread -o $@ $^ $(LIBS)

fuzz-clean:
	rm -rf build-fuzz build-fuzz-strict

clean: fuzz-clean

-include $(shell find $(FUZZ_B) -name '*.d' 2>/dev/null)
