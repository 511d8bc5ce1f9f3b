# Module lists of the unit tests: test_X links tests/unit/test_X.c + these.
UNIT_DEPS_test_wire     := proto/wire.c
UNIT_DEPS_test_yamljson := common/yamljson.c
UNIT_DEPS_test_common   := common/buf.c common/text.c common/fsutil.c common/safefs.c common/strmap.c \
                           common/conf.c common/confsuggest.c common/yamljson.c \
                           common/log.c common/memtrim.c
UNIT_DEPS_test_ilctl_pod := interlink-api/ilctl_pod.c interlink-api/ilctl_util.c \
                            common/yamljson.c common/buf.c common/text.c \
                            proto/wire.c
UNIT_DEPS_test_jobscript := sidecar-slurm/jobscript.c sidecar-slurm/probes.c \
                            sidecar-slurm/tunnels.c \
                            common/buf.c common/text.c common/log.c \
                            proto/wire.c common/fsutil.c common/safefs.c
UNIT_DEPS_test_probes    := sidecar-slurm/probes.c sidecar-slurm/jobscript.c \
                            sidecar-slurm/tunnels.c \
                            common/buf.c common/text.c common/log.c \
                            proto/wire.c common/fsutil.c common/safefs.c
UNIT_DEPS_test_podstore  := sidecar-slurm/podstore.c sidecar-slurm/journal.c common/fsutil.c common/safefs.c common/strmap.c \
                            common/log.c common/text.c
UNIT_DEPS_test_journal   := sidecar-slurm/journal.c common/fsutil.c common/safefs.c
UNIT_DEPS_test_poller    := sidecar-slurm/poller.c common/strmap.c common/log.c
UNIT_DEPS_test_logs_tail := sidecar-slurm/logs.c common/fsutil.c common/safefs.c common/buf.c \
                            proto/wire.c
UNIT_DEPS_test_volumes   := sidecar-slurm/volumes.c common/fsutil.c common/safefs.c \
                            sidecar-slurm/claims.c common/buf.c \
                            common/log.c common/text.c proto/wire.c
UNIT_DEPS_test_safefs   := common/safefs.c common/fsutil.c
UNIT_DEPS_test_claims    := sidecar-slurm/claims.c common/buf.c common/text.c common/safefs.c \
                            common/fsutil.c proto/wire.c
UNIT_DEPS_test_dialer    := common/dialer.c common/text.c
UNIT_DEPS_test_sbatch_flags := sidecar-slurm/sbatch_flags.c common/buf.c \
                               common/text.c
UNIT_DEPS_test_gateway   := interlink-api/statustable.c interlink-api/podjson.c \
                            interlink-api/auth.c \
                            interlink-api/metrics.c common/procmetrics.c \
                            common/buf.c common/text.c \
                            common/log.c common/memtrim.c proto/wire.c
UNIT_DEPS_test_upstream  := interlink-api/upstream.c interlink-api/transform.c \
                            interlink-api/reverse.c common/dialer.c \
                            common/httpd.c common/connreaper.c common/buf.c common/text.c \
                            common/fsutil.c common/safefs.c common/log.c proto/wire.c
UNIT_DEPS_test_slurm_api := sidecar-slurm/slurm_api.c
# Libraries beyond $(LIBS) and cmocka
UNIT_LIBS_test_slurm_api := $(SLURM_LIBS) -ldl
UNIT_DEPS_test_drmaa     := backends/drmaa/drmaa_req.c backends/drmaa/drmaa_acct.c \
                            backends/drmaa/drmaa_table.c

.SECONDEXPANSION:
$(BIN)/tests/unit/%: $$(call obj,tests/unit/$$*.c $$(UNIT_DEPS_$$*))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(LIBS) $(UNIT_LIBS_$*) $(CMOCKA)
