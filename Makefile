# interlink-c: interLink's gateway and Slurm sidecar in C.
# One non-recursive Makefile.  `make`, `make check`, `make demo`,
# `make install PREFIX=DIR`, `make check SANITIZE=address,undefined`.

PREFIX   ?= /usr/local
DESTDIR  ?=
B        ?= build
CC       ?= gcc
PKGS     := libmicrohttpd gnutls libcjson libcurl yaml-0.1 munge
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CPPFLAGS += -D_GNU_SOURCE -Icommon -Iproto -Isidecar-slurm -Iinterlink-api
CFLAGS   += -std=gnu11 $(OPT) $(WARN) -fno-strict-aliasing -pthread
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
B        := build-san
endif

# Only probe pkg-config for targets that compile: `make demo`/`check` on
# a fresh machine install the packages first.
NEEDS_LIBS := $(filter-out deps clean help,$(or $(MAKECMDGOALS),all))
ifneq ($(NEEDS_LIBS),)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA     := $(shell pkg-config --libs cmocka 2>/dev/null)
endif
CPPFLAGS += $(PKG_CFLAGS)
SLURM_LIBS := -lslurm
LIBS       := $(PKG_LIBS) -lm

COMMON_SRC := common/log.c common/buf.c common/fsutil.c common/text.c \
              common/conf.c common/yamljson.c common/httpd.c \
              common/strmap.c common/daemon.c
PROTO_SRC  := proto/wire.c
SIDECAR_SRC := sidecar-slurm/main.c sidecar-slurm/sconf.c \
               sidecar-slurm/routes.c sidecar-slurm/route_create.c \
               sidecar-slurm/route_status.c sidecar-slurm/route_delete.c \
               sidecar-slurm/route_logs.c sidecar-slurm/route_pods.c sidecar-slurm/reconcile.c \
               sidecar-slurm/sbatch_flags.c sidecar-slurm/policy.c \
               sidecar-slurm/tenancy.c sidecar-slurm/flavors.c \
               sidecar-slurm/backend_loader.c \
               sidecar-slurm/sidecar_util.c \
               sidecar-slurm/podstore.c \
               sidecar-slurm/jobscript.c sidecar-slurm/probes.c \
               sidecar-slurm/volumes.c \
               sidecar-slurm/poller.c \
               sidecar-slurm/logs.c sidecar-slurm/backend_slurm.c \
               sidecar-slurm/slurm_api.c sidecar-slurm/munge_check.c
GATEWAY_SRC := interlink-api/main.c interlink-api/gconf.c \
               interlink-api/routes.c interlink-api/upstream.c \
               interlink-api/transform.c interlink-api/routes_status.c \
               interlink-api/routes_logs.c interlink-api/routes_ops.c \
               interlink-api/statustable.c interlink-api/podjson.c \
               interlink-api/auth.c interlink-api/metrics.c
ILCTL_SRC  := $(sort $(wildcard interlink-api/ilctl*.c))

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
BIN := $(B)/bin

# The DRMAA backend (backends/drmaa/): a loadable .so and its helper
# program, built only when drmaa.h is there (gridengine-drmaa-dev); never
# linked into sidecar-slurm.  Only the helper links libdrmaa (which lives
# off the loader's path), the .so does not.
DRMAA_H    ?= $(wildcard /usr/include/drmaa.h)
DRMAA_LIBDIR ?= /usr/lib/gridengine-drmaa/lib
DRMAA_LIBS := -L$(DRMAA_LIBDIR) -ldrmaa -Wl,-rpath,$(DRMAA_LIBDIR)
DRMAA_SRC  := backends/drmaa/backend_drmaa.c backends/drmaa/drmaa_acct.c \
              backends/drmaa/drmaa_req.c backends/drmaa/drmaa_spawn.c \
              backends/drmaa/drmaa_table.c
DRMAA_BINS := $(if $(DRMAA_H),$(BIN)/backend-drmaa.so $(BIN)/ilk-drmaa-helper)

BINS := $(BIN)/sidecar-slurm $(BIN)/interlink-api $(BIN)/ilctl
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BIN)/tests/unit/%,\
                $(wildcard tests/unit/test_*.c))
TEST_BINS := $(BIN)/tests/slurm_backend_check

.PHONY: all deps install check check-drmaa unit demo bench soak fuzz clean help
all: $(BINS) $(DRMAA_BINS)

deps:
	@bash tests/install-deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BIN)/sidecar-slurm: $(call obj,$(SIDECAR_SRC) $(COMMON_SRC) $(PROTO_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS) $(SLURM_LIBS) -ldl

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c -o $@ $<

$(BIN)/backend-drmaa.so: $(patsubst %.c,$(B)/pic/%.o,$(DRMAA_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -Wl,--no-undefined -pthread -o $@ $^

# mode 0711: run as a tenant, it must not be dumpable (drmaa_helper.c)
$(BIN)/ilk-drmaa-helper: $(call obj,backends/drmaa/drmaa_helper.c backends/drmaa/drmaa_req.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(DRMAA_LIBS)
	chmod 0711 $@

$(BIN)/interlink-api: $(call obj,$(GATEWAY_SRC) $(COMMON_SRC) $(PROTO_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS)

$(BIN)/ilctl: $(call obj,$(ILCTL_SRC) common/yamljson.c common/buf.c \
		common/text.c common/fsutil.c $(PROTO_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS)

# Unit tests: each links its own module list (see tests/unit/deps.mk).
include tests/unit/deps.mk

$(BIN)/tests/slurm_backend_check: \
	$(call obj,tests/integration/slurm_backend_check.c \
	  sidecar-slurm/backend_slurm.c sidecar-slurm/slurm_api.c \
	  sidecar-slurm/munge_check.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS) $(SLURM_LIBS)

# `make bench`'s load client: libcurl and pthreads only
$(BIN)/tests/bench_client: $(call obj,tests/bench_client.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $$(pkg-config --libs libcurl) -lm

unit: $(UNIT_TESTS)
	@UNIT_ONLY=1 bash tests/run-tests.sh $(BIN)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(TEST_BINS)
	@bash tests/run-tests.sh $(BIN)

# The pod suite against a real Grid Engine through the DRMAA backend
# (tests/sge-cluster.sh, tests/integration/06*-drmaa*.sh: 0600, and 0601
# which runs 0300 and 0320 through the DRMAA backend)
check-drmaa: deps
	@test -n "$(DRMAA_H)" || { echo "check-drmaa: no drmaa.h (make deps)"; exit 1; }
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@WITH_SGE=1 UNIT_ONLY= TESTS='$(or $(TESTS),*drmaa*)' bash tests/run-tests.sh $(BIN)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash examples/demo.sh $(BIN)

bench: deps
	@$(MAKE) --no-print-directory all $(BIN)/tests/bench_client $(TEST_BINS)
	@bash tests/bench.sh $(BIN)

# SIGKILL loops against real daemons and Slurm (long; figures in README)
soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK=1 TESTS='0520*' bash tests/run-tests.sh $(BIN)

# libFuzzer harnesses (clang), each run for FUZZ_SECONDS (tests/fuzz/)
FUZZ_SECONDS ?= 60
-include tests/fuzz/fuzz.mk

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/interlink
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	$(if $(DRMAA_H),install -d $(DESTDIR)$(PREFIX)/lib/interlink && \
	  install -m 0755 $(BIN)/backend-drmaa.so $(DESTDIR)$(PREFIX)/lib/interlink/ && \
	  install -m 0711 $(BIN)/ilk-drmaa-helper $(DESTDIR)$(PREFIX)/lib/interlink/)
	install -m 0644 proto/ilk_plugin.h \
		$(DESTDIR)$(PREFIX)/include/interlink/plugin.h

clean:
	rm -rf build build-san

help:
	@echo "make [all|check|demo|bench|install PREFIX=DIR|clean]"

-include $(shell find $(B) -name '*.d' 2>/dev/null)
