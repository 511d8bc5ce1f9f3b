# interlink-c: interLink's gateway and Slurm sidecar in C.
# One non-recursive Makefile.  `make`, `make check`, `make demo`,
# `make install PREFIX=DIR`, `make check SANITIZE=address,undefined`,
# `make check-matrix` (make check on Debian 13 / Slurm 24.11, in a root),
# `make SLURM_PREFIX=/opt/slurm MUNGE_PREFIX=...` (a site's own builds).

PREFIX   ?= /usr/local
DESTDIR  ?=
B        ?= build
CC       ?= gcc
PKGS     := libmicrohttpd gnutls libcjson libcurl yaml-0.1
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation

# A site's own Slurm or munge: `make SLURM_PREFIX=/opt/slurm` (headers from
# PREFIX/include, libslurm from PREFIX/lib or PREFIX/lib64, with an rpath);
# without it, `pkg-config slurm` when a slurm.pc is found (Slurm's own
# `make install` writes one), else the system's -lslurm (Debian has no
# slurm.pc).  MUNGE_PREFIX likewise; else pkg-config munge.
SLURM_PREFIX ?=
MUNGE_PREFIX ?=
# libdir of PREFIX: the one that holds lib$(2).so, else PREFIX/lib
prefix_libdir = $(patsubst %/,%,$(dir $(firstword $(wildcard \
                  $(1)/lib/lib$(2).so $(1)/lib64/lib$(2).so) $(1)/lib/)))
# -L and an rpath for a libdir outside the loader's default path
rpath_flags = $(if $(filter /usr/lib /usr/lib64 /lib /lib64 \
                /usr/lib/$(shell $(CC) -dumpmachine 2>/dev/null),$(1)),,\
                -L$(1) -Wl,-rpath,$(1))

# Only probe pkg-config for targets that compile: `make demo`/`check` on
# a fresh machine install the packages first.
NEEDS_LIBS := $(filter-out deps clean help check-matrix,$(or $(MAKECMDGOALS),all))
ifneq ($(NEEDS_LIBS),)
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA     := $(shell pkg-config --libs cmocka 2>/dev/null)
ifneq ($(SLURM_PREFIX),)
SLURM_LIBDIR := $(call prefix_libdir,$(SLURM_PREFIX),slurm)
SLURM_CFLAGS := -I$(SLURM_PREFIX)/include
SLURM_LIBS   := $(call rpath_flags,$(SLURM_LIBDIR)) -lslurm
else ifeq ($(shell pkg-config --exists slurm 2>/dev/null && echo y),y)
SLURM_CFLAGS := $(shell pkg-config --cflags slurm)
SLURM_LIBS   := $(call rpath_flags,$(shell pkg-config --variable=libdir \
                  slurm)) $(shell pkg-config --libs slurm)
endif
ifneq ($(MUNGE_PREFIX),)
MUNGE_LIBDIR := $(call prefix_libdir,$(MUNGE_PREFIX),munge)
MUNGE_CFLAGS := -I$(MUNGE_PREFIX)/include
MUNGE_LIBS   := $(call rpath_flags,$(MUNGE_LIBDIR)) -lmunge
else
MUNGE_CFLAGS := $(shell pkg-config --cflags munge 2>/dev/null)
MUNGE_LIBS   := $(or $(shell pkg-config --libs munge 2>/dev/null),-lmunge)
endif
endif
SLURM_LIBS ?= -lslurm

# The Makefile's flags come first, the caller's CPPFLAGS, CFLAGS, LDFLAGS
# and LDLIBS (command line or environment) after them, so that they add to
# ours (and win where flags conflict, e.g. -O0) instead of replacing them.
# Hence `override` on every change below.
override CPPFLAGS := -D_GNU_SOURCE -Icommon -Iproto -Isidecar-slurm \
                     -Iinterlink-api $(SLURM_CFLAGS) $(MUNGE_CFLAGS) \
                     $(PKG_CFLAGS) $(CPPFLAGS)
override CFLAGS   := -std=gnu11 $(OPT) $(WARN) -fno-strict-aliasing \
                     -pthread $(CFLAGS)
ifneq ($(SANITIZE),)
override CFLAGS   := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer $(CFLAGS)
override LDFLAGS  := -fsanitize=$(SANITIZE) $(LDFLAGS)
B        := build-san
endif
LIBS       := $(PKG_LIBS) $(MUNGE_LIBS) -lm $(LDLIBS)

COMMON_SRC := common/log.c common/buf.c common/fsutil.c common/safefs.c common/text.c \
              common/conf.c common/yamljson.c common/httpd.c \
              common/strmap.c common/daemon.c common/memtrim.c \
              common/sdnotify.c common/confdiff.c common/procmetrics.c \
              common/confcheck.c common/confsuggest.c \
              common/dialer.c common/connreaper.c
PROTO_SRC  := proto/wire.c
SIDECAR_SRC := sidecar-slurm/main.c sidecar-slurm/sconf.c \
               sidecar-slurm/routes.c sidecar-slurm/route_create.c \
               sidecar-slurm/route_status.c sidecar-slurm/route_delete.c \
               sidecar-slurm/route_logs.c sidecar-slurm/route_pods.c sidecar-slurm/reconcile.c sidecar-slurm/ownership.c \
               sidecar-slurm/sbatch_flags.c sidecar-slurm/policy.c \
               sidecar-slurm/tenancy.c sidecar-slurm/flavors.c \
               sidecar-slurm/backend_loader.c \
               sidecar-slurm/sidecar_util.c sidecar-slurm/reload.c \
               sidecar-slurm/smetrics.c sidecar-slurm/sconfcheck.c \
               sidecar-slurm/podstore.c sidecar-slurm/journal.c \
               sidecar-slurm/jobscript.c sidecar-slurm/probes.c \
               sidecar-slurm/tunnels.c sidecar-slurm/claims.c \
               sidecar-slurm/reverse.c \
               sidecar-slurm/volumes.c \
               sidecar-slurm/poller.c \
               sidecar-slurm/logs.c sidecar-slurm/backend_slurm.c \
               sidecar-slurm/slurm_api.c sidecar-slurm/munge_check.c
GATEWAY_SRC := interlink-api/main.c interlink-api/gconf.c \
               interlink-api/routes.c interlink-api/upstream.c \
               interlink-api/transform.c interlink-api/routes_status.c \
               interlink-api/routes_logs.c interlink-api/routes_ops.c \
               interlink-api/statustable.c interlink-api/podjson.c \
               interlink-api/auth.c interlink-api/metrics.c \
               interlink-api/reload.c interlink-api/gconfcheck.c \
               interlink-api/reverse.c
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

.PHONY: all deps install check check-drmaa check-matrix unit demo bench bench-scale soak fuzz clean help man deb deb-check \
        upstream-k8s check-upstream image
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
		common/text.c common/fsutil.c common/safefs.c $(PROTO_SRC))
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

# `make bench`'s reference: libslurm submits and `sbatch` forks
$(BIN)/tests/bench_submit: $(call obj,tests/bench_submit.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(SLURM_LIBS) -lm

# Manual pages (man/): the two configuration pages get their KEYS section
# from the daemons' own tables, printed by man/confdoc.c.
MAN_SRC := $(wildcard man/*.[1358])
MAN_GEN := $(B)/man/InterLinkConfig.yaml.5 $(B)/man/SlurmConfig.yaml.5
MANS    := $(MAN_SRC) $(MAN_GEN)
man: $(MAN_GEN)

$(B)/obj/man/confdoc-gateway.o: man/confdoc.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DCONFDOC_GATEWAY $(CFLAGS) -MMD -MP -c -o $@ $<
$(BIN)/tests/confdoc-gateway: $(B)/obj/man/confdoc-gateway.o \
	$(call obj,$(filter-out %/main.c,$(GATEWAY_SRC)) $(COMMON_SRC) $(PROTO_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS)
$(BIN)/tests/confdoc-sidecar: $(call obj,man/confdoc.c \
	$(filter-out %/main.c,$(SIDECAR_SRC)) $(COMMON_SRC) $(PROTO_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS) $(SLURM_LIBS) -ldl

# man/X.5.in with the line '.\" @KEYS@' replaced by the generated list
$(B)/man/InterLinkConfig.yaml.5: man/InterLinkConfig.yaml.5.in $(BIN)/tests/confdoc-gateway
$(B)/man/SlurmConfig.yaml.5: man/SlurmConfig.yaml.5.in $(BIN)/tests/confdoc-sidecar
$(MAN_GEN):
	@mkdir -p $(dir $@)
	$(word 2,$^) mdoc >$@.keys
	awk -v f=$@.keys '/^\.\\" @KEYS@$$/ { while ((getline l < f) > 0) print l; next } { print }' \
		$< >$@.tmp
	rm -f $@.keys
	mv -f $@.tmp $@

unit: $(UNIT_TESTS)
	@UNIT_ONLY=1 bash tests/run-tests.sh $(BIN)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(TEST_BINS) man
	@bash tests/run-tests.sh $(BIN)

# The same `make check` on Debian 13 (Slurm 24.11, gcc 14), in a cached
# Debian root made by tests/debroot.sh (tests/matrix.sh)
check-matrix:
	@bash tests/matrix.sh trixie
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
	@$(MAKE) --no-print-directory all $(BIN)/tests/bench_client \
		$(BIN)/tests/bench_submit $(TEST_BINS)
	@bash tests/bench.sh $(BIN)

# 1k/5k/10k pending pods: RSS, idle CPU, refresh and VK pass cost
bench-scale: deps
	@$(MAKE) --no-print-directory all $(BIN)/tests/bench_client
	@BENCH_SCALE=1 bash tests/bench.sh $(BIN)

# SIGKILL loops against real daemons and Slurm (long; figures in README)
soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK=1 TESTS='0520*' bash tests/run-tests.sh $(BIN)

# OCI image of interlink-api, no registry (images/gateway/build.sh)
IMAGE ?= interlink-c/interlink-api:dev
image: all
	@bash images/gateway/build.sh $(BIN) $(IMAGE)

# kube-apiserver and kubectl from the Go module proxy for the upstream tests
# (tests/upstream/; Go caches in /var/cache/interlink-ci/go)
upstream-k8s:
	@bash tests/upstream/build-k8s.sh

# Only the upstream tests (tests/integration/06*): upstream's API and VK from
# $ILK_UPSTREAM_DIR (skipped without), kube-apiserver, the gateway image
check-upstream: deps
	@$(MAKE) --no-print-directory all
	@bash tests/upstream/build-k8s.sh
	@TESTS='06*' bash tests/run-tests.sh $(BIN)

# libFuzzer harnesses (clang), each run for FUZZ_SECONDS (tests/fuzz/)
FUZZ_SECONDS ?= 60
-include tests/fuzz/fuzz.mk

# Daemons in sbin, commands in bin; units, sysusers and tmpfiles where
# systemd looks for them under PREFIX; the units' paths follow PREFIX.
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DOCDIR     ?= $(PREFIX)/share/doc/interlink
MANDIR     ?= $(PREFIX)/share/man
UNITS      := examples/systemd/interlink-api.service \
              examples/systemd/sidecar-slurm.service
install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin \
		$(DESTDIR)$(PREFIX)/include/interlink \
		$(DESTDIR)$(PREFIX)/share/pkgconfig $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(DOCDIR)/examples/pods \
		$(addprefix $(DESTDIR)$(MANDIR)/man,1 3 5 8)
	install -m 0755 $(BIN)/sidecar-slurm $(BIN)/interlink-api \
		$(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(BIN)/ilctl $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 tools/interlink-certs.sh \
		$(DESTDIR)$(PREFIX)/bin/interlink-certs
	$(if $(DRMAA_H),install -d $(DESTDIR)$(PREFIX)/lib/interlink && \
	  install -m 0755 $(BIN)/backend-drmaa.so $(DESTDIR)$(PREFIX)/lib/interlink/ && \
	  install -m 0711 $(BIN)/ilk-drmaa-helper $(DESTDIR)$(PREFIX)/lib/interlink/)
	install -m 0644 proto/ilk_plugin.h \
		$(DESTDIR)$(PREFIX)/include/interlink/plugin.h
	sed 's|@PREFIX@|$(PREFIX)|g' proto/interlink-plugin.pc.in \
		>$(DESTDIR)$(PREFIX)/share/pkgconfig/interlink-plugin.pc
	for u in $(UNITS); do \
		sed 's|/usr/sbin/|$(PREFIX)/sbin/|g; s|/etc/interlink|$(SYSCONFDIR)/interlink|g' \
			$$u >$(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	install -m 0644 examples/systemd/interlink.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/interlink.conf
	install -m 0644 examples/systemd/interlink.tmpfiles \
		$(DESTDIR)$(TMPFILESDIR)/interlink.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 examples/config/*.yaml $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 examples/pods/*.yaml $(DESTDIR)$(DOCDIR)/examples/pods/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	$(BIN)/ilctl completion bash \
		>$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ilctl
	for m in $(MANS); do s=$${m##*.}; \
		install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done

# Debian packages (debian/) from a copy of the tree: $(B)/deb/*.deb for
# Debian 12 (this machine), $(B)/deb-trixie/ with SUITE=trixie (built in a
# fresh Debian 13 root, tests/deb-in-root.sh); lintian allows no error.
DEB_TOOLS := debhelper dpkg-dev lintian fakeroot mmdebstrap
SUITE ?= bookworm
deb:
	@bash tests/install-deps.sh $(DEB_TOOLS)
ifeq ($(SUITE),bookworm)
	rm -rf $(B)/deb
	mkdir -p $(B)/deb/src
	tar -c --exclude='./build*' --exclude=./.git . | tar -x -C $(B)/deb/src
	cd $(B)/deb/src && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	lintian --fail-on error --suppress-tags-from-file debian/lintian-suppress \
		$(B)/deb/*.changes
	@ls $(B)/deb/*.deb
else
	bash tests/deb-in-root.sh $(SUITE) $(B)/deb-$(SUITE)
endif

# both suites' packages on fresh roots (tests/integration/0900-deb.sh)
deb-check:
	@$(MAKE) --no-print-directory deb SUITE=bookworm
	@$(MAKE) --no-print-directory deb SUITE=trixie
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(TEST_BINS) man
	@TESTS='0900*' bash tests/run-tests.sh $(BIN)

clean:
	rm -rf build build-san

help:
	@echo "make [all|check|check-matrix|check-upstream|image|demo|bench|bench-scale|deb|install PREFIX=DIR|clean]"

-include $(shell find $(B) -path $(B)/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
