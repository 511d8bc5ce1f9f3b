/*
 * sidecar-slurm/sconf.h - SlurmConfig.yaml, with upstream's key names.
 */
#ifndef SIDECAR_SCONF_H
#define SIDECAR_SCONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "conf.h"

#define SCONF_DEFAULT_PATH "/etc/interlink/SlurmConfig.yaml"

struct sconf {
	char *sidecar_port;  /* SidecarPort */
	char *sidecar_address; /* SidecarAddress */
	char *socket;        /* Socket: unix:///path */
	char *data_root;     /* DataRootFolder */
	char *state_dir;     /* StateDirectory */
	char *singularity_path;
	struct conf_strlist singularity_default_options;
	char *image_prefix;
	char *bash_path;
	bool verbose;
	bool errors_only;
	bool tls_enabled;
	char *tls_cert_file;
	char *tls_key_file;
	char *tls_ca_file;
	struct conf_strlist tls_allowed_clients;
	char *partition;
	char *backend;             /* Backend */
	char *metrics_address;     /* MetricsAddress */
	int64_t poll_interval_ms;
	int64_t default_cpus;
	int64_t default_memory_mb;
	int64_t max_body_bytes;
	int64_t idle_timeout_s;
	bool cancel_orphans;
	bool allow_raw_shell;      /* AllowRawShellAnnotations */
	bool allow_tunnel;         /* AllowTunnelAnnotations */
	char *claim_pattern;       /* VolumeClaimPattern (claims.h) */
	struct conf_strlist claim_prefixes;   /* VolumeClaimPrefixes */
	struct conf_strlist claim_pv_sources; /* VolumeClaimPVSources */
	char *connect;             /* Connect (reverse.h) */
	int64_t connect_pool;      /* ConnectPool */
	int64_t connect_max;       /* ConnectMax */
	int64_t connect_backoff_max_s; /* ConnectBackoffMaxSeconds */
	int64_t connect_keepalive_s;   /* ConnectKeepAliveSeconds */
	char *command_prefix;      /* CommandPrefix */
	struct conf_strlist host_path_prefixes;
	bool allow_plain_http;     /* AllowPlainHTTP */
	bool enable_probes;        /* EnableProbes */
	bool allow_root_jobs;      /* AllowRootJobs */
	char *socket_group;        /* SocketGroup: name or number */
	gid_t socket_gid;          /* resolved SocketGroup */
	bool has_socket_gid;       /* SocketGroup is set */
	int64_t max_connections;   /* MaxConnections */
	int64_t max_per_address;   /* MaxConnectionsPerAddress, 0: no limit */
	int64_t handshake_timeout_s; /* HandshakeTimeoutSeconds */
	cJSON *raw; /* the file as read (strings mode) */
};

extern const struct conf_key sconf_table[];

/*
 * Load the file at path (or $SLURMCONFIGPATH, or the default when path is
 * NULL), apply env overrides (SIDECARPORT) and check the result.
 * Returns 0 or -1 with the reason in err.
 */
int sconf_load(struct sconf *c, const char *path, char *err, size_t errlen);
void sconf_free(struct sconf *c);
/* A top-level key's text value from the raw file, or NULL. */
const char *sconf_raw_get(const struct sconf *c, const char *key);

#endif /* SIDECAR_SCONF_H */
