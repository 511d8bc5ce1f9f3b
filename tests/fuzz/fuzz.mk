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
# plus the modules it links, FUZZ_DEPS_<target> below (and libraries
# beyond $(LIBS), FUZZ_LIBS_<target>); its seed corpus is
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

# The daemons' modules but main.c: targets that reach into code which keeps
# growing link all of it, so that a new module it calls needs no change
# here.  ilctl's manifest reader links what its unit test links.
FUZZ_DAEMONS := $(COMMON_SRC) $(PROTO_SRC) \
                $(filter-out sidecar-slurm/main.c,$(SIDECAR_SRC)) \
                $(filter-out interlink-api/main.c,$(GATEWAY_SRC))

FUZZ_DEPS_wire_pod     := proto/wire.c
FUZZ_DEPS_wire_create  := $(FUZZ_DAEMONS)
FUZZ_LIBS_wire_create  := $(SLURM_LIBS)
FUZZ_DEPS_wire_status  := proto/wire.c
FUZZ_DEPS_wire_misc    := proto/wire.c
FUZZ_DEPS_wire_logs    := proto/wire.c
FUZZ_DEPS_yamljson     := common/yamljson.c
FUZZ_DEPS_conf         := $(FUZZ_DAEMONS)
FUZZ_LIBS_conf         := $(SLURM_LIBS)
FUZZ_DEPS_jobscript    := $(FUZZ_DAEMONS)
FUZZ_LIBS_jobscript    := $(SLURM_LIBS)
FUZZ_DEPS_sbatch_flags := $(FUZZ_DAEMONS)
FUZZ_LIBS_sbatch_flags := $(SLURM_LIBS)
FUZZ_DEPS_manifest     := $(UNIT_DEPS_test_ilctl_pod)
FUZZ_DEPS_safefs       := common/safefs.c

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
	$(FUZZ_CC) $(FUZZ_SAN) -pthread -o $@ $^ $(LIBS) $(FUZZ_LIBS_$*)

fuzz-clean:
	rm -rf build-fuzz build-fuzz-strict

clean: fuzz-clean

-include $(shell find $(FUZZ_B) -name '*.d' 2>/dev/null)
