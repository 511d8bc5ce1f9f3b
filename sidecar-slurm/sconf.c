/* sidecar-slurm/sconf.c - see sconf.h */
#include "sconf.h"

#include <grp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims.h"
#include "flavors.h"
#include "tenancy.h"
#include "text.h"

#define OFF(f) offsetof(struct sconf, f)
#define UPSTREAM_ONLY "accepted for compatibility with the Go plugin; no effect"

static const struct conf_key tls_table[] = {
	{"Enabled", CONF_BOOL, OFF(tls_enabled), "false", 0, 0, NULL,
	 "serve the plugin API over TLS, requiring client certificates"},
	{"CertFile", CONF_STRING, OFF(tls_cert_file), NULL, 0, 0, NULL,
	 "server certificate (PEM)"},
	{"KeyFile", CONF_STRING, OFF(tls_key_file), NULL, 0, 0, NULL,
	 "server key (PEM)"},
	{"CACertFile", CONF_STRING, OFF(tls_ca_file), NULL, 0, 0, NULL,
	 "CA whose client certificates are accepted (PEM)"},
	{"AllowedClients", CONF_STRLIST, OFF(tls_allowed_clients), NULL, 0, 0,
	 NULL, "client certificate names (CN or SAN) accepted; empty: any "
	 "from the CA"},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

const struct conf_key sconf_table[] = {
	{"SidecarPort", CONF_STRING, OFF(sidecar_port), NULL, 0, 0, NULL,
	 "TCP port of the plugin API (env SIDECARPORT); unset: 4000 with "
	 "TLS, no TCP listener without"},
	{"SidecarAddress", CONF_STRING, OFF(sidecar_address), "127.0.0.1", 0,
	 0, NULL, "address the TCP listener binds"},
	{"Socket", CONF_STRING, OFF(socket), NULL, 0, 0, NULL,
	 "unix:///path: also serve plain HTTP on this unix socket"},
	{"SocketGroup", CONF_STRING, OFF(socket_group), NULL, 0, 0, NULL,
	 "group (name or number) that may use the unix socket (mode 0660)"},
	{"MaxConnections", CONF_INT, OFF(max_connections), "1024", 16, 65536,
	 NULL, "connections at once, per listener"},
	{"MaxConnectionsPerAddress", CONF_INT, OFF(max_per_address), "512", 0,
	 65536, NULL, "connections at once from one client address (0: no "
	 "limit of its own)"},
	{"HandshakeTimeoutSeconds", CONF_INT, OFF(handshake_timeout_s), "5", 1,
	 300, NULL, "a new connection that finishes no TLS handshake and "
	 "sends no request for this long is closed"},
	{"DataRootFolder", CONF_STRING, OFF(data_root),
	 "/var/lib/interlink/pods", 0, 0, NULL,
	 "per-pod folders; must be shared with the compute nodes"},
	{"StateDirectory", CONF_STRING, OFF(state_dir),
	 "/var/lib/interlink/state", 0, 0, NULL,
	 "the sidecar's own records (root-owned, 0700; never in a pod "
	 "folder)"},
	{"SingularityPath", CONF_STRING, OFF(singularity_path), "apptainer", 0,
	 0, NULL, "container runtime binary (apptainer or singularity)"},
	{"SingularityDefaultOptions", CONF_STRLIST,
	 OFF(singularity_default_options), NULL, 0, 0, NULL,
	 "options on every runtime command line "
	 "(default --nv --no-eval --containall)"},
	{"ImagePrefix", CONF_STRING, OFF(image_prefix), "", 0, 0, NULL,
	 "prepended to image names without a scheme, e.g. docker://"},
	{"BashPath", CONF_STRING, OFF(bash_path), "/bin/bash", 0, 0, NULL,
	 "shell of the job script"},
	{"VerboseLogging", CONF_BOOL, OFF(verbose), "false", 0, 0, NULL,
	 "debug logging"},
	{"ErrorsOnlyLogging", CONF_BOOL, OFF(errors_only), "false", 0, 0, NULL,
	 "log errors only"},
	{"TLS", CONF_SECTION, 0, NULL, 0, 0, tls_table, "TCP listener TLS"},
	{"Backend", CONF_STRING, OFF(backend), "slurm", 0, 0, NULL,
	 "\"slurm\" (built in) or the absolute path of a backend .so built "
	 "against <interlink/plugin.h>"},
	{"MetricsAddress", CONF_STRING, OFF(metrics_address), "", 0, 0, NULL,
	 "host:port of a plain-HTTP listener for Prometheus /metrics, "
	 "/healthz and /readyz (off when empty)"},
	{"Partition", CONF_STRING, OFF(partition), NULL, 0, 0, NULL,
	 "Slurm partition for pods (default: the cluster's default)"},
	{"StatusPollIntervalMs", CONF_INT, OFF(poll_interval_ms), "1000", 100,
	 600000, NULL, "how often one slurm_load_jobs call refreshes status"},
	{"DefaultCPUs", CONF_INT, OFF(default_cpus), "1", 1, 4096, NULL,
	 "CPUs of a pod without cpu limits or requests"},
	{"DefaultMemoryMB", CONF_INT, OFF(default_memory_mb), "0", 0,
	 INT64_C(1) << 40, NULL,
	 "memory of a pod without memory limits (0: Slurm's default)"},
	{"MaxBodyBytes", CONF_INT, OFF(max_body_bytes), "16777216", 1024,
	 INT64_C(1) << 30, NULL, "largest request body accepted"},
	{"IdleTimeoutSeconds", CONF_INT, OFF(idle_timeout_s), "30", 1, 3600,
	 NULL, "idle keep-alive connections are closed after this"},
	{"CancelOrphanJobs", CONF_BOOL, OFF(cancel_orphans), "false", 0, 0,
	 NULL, "at start-up, cancel pod jobs that no pod record knows"},
	{"AllowRawShellAnnotations", CONF_BOOL, OFF(allow_raw_shell), "false",
	 0, 0, NULL, "honour slurm-job.vk.io/pre-exec, singularity-options and "
	 "singularity-mounts (raw shell in jobs)"},
	{"AllowTunnelAnnotations", CONF_BOOL, OFF(allow_tunnel), "false", 0,
	 0, NULL, "run upstream's interlink.eu/wstunnel-, rathole- and "
	 "ssh-client-commands and the mesh script in pre-exec (shell "
	 "supplied with the pod)"},
	{"CommandPrefix", CONF_STRING, OFF(command_prefix), NULL, 0, 0, NULL,
	 "shell text run at the start of every job (site set-up)"},
	{"HostPathPrefixes", CONF_STRLIST, OFF(host_path_prefixes), NULL, 0, 0,
	 NULL, "hostPath volumes only under these paths (none by default)"},
	{"VolumeClaims", CONF_RAW, 0, NULL, 0, 0, NULL,
	 "namespace/claim (or namespace/*) -> folder for "
	 "persistentVolumeClaim volumes; {namespace} and {claim} expand"},
	{"VolumeClaimPattern", CONF_STRING, OFF(claim_pattern), NULL, 0, 0,
	 NULL, "folder of any namespace's claim, e.g. "
	 "/lustre/projects/{namespace}/{claim}"},
	{"VolumeClaimPrefixes", CONF_STRLIST, OFF(claim_prefixes), NULL, 0, 0,
	 NULL, "claim folders only below these paths (none by default)"},
	{"VolumeClaimPVSources", CONF_STRLIST, OFF(claim_pv_sources), NULL, 0,
	 0, NULL, "use the bound PersistentVolume's hostPath and/or nfs "
	 "source for unmapped claims"},
	{"VolumeClaimNFSMounts", CONF_RAW, 0, NULL, 0, 0, NULL,
	 "\"server:/export\" -> where the nodes mount it, for nfs PVs"},
	{"Connect", CONF_STRING, OFF(connect), NULL, 0, 0, NULL,
	 "https://gateway:port: dial the gateway's SidecarReverseListen "
	 "instead of waiting for it (no inbound port; HTTPS_PROXY honoured)"},
	{"ConnectPool", CONF_INT, OFF(connect_pool), "4", 1, 64, NULL,
	 "idle reverse connections kept ready"},
	{"ConnectMax", CONF_INT, OFF(connect_max), "32", 1, 256, NULL,
	 "reverse connections at most (busy and idle)"},
	{"ConnectBackoffMaxSeconds", CONF_INT, OFF(connect_backoff_max_s),
	 "30", 1, 3600, NULL, "longest wait between failed dials"},
	{"ConnectKeepAliveSeconds", CONF_INT, OFF(connect_keepalive_s), "15",
	 1, 3600, NULL, "TCP keep-alive idle time of reverse connections"},
	{"AllowPlainHTTP", CONF_BOOL, OFF(allow_plain_http), "false", 0, 0,
	 NULL, "allow a TCP listener without TLS (loopback included): "
	 "anyone who can connect can run jobs"},
	{"AllowRootJobs", CONF_BOOL, OFF(allow_root_jobs), "false", 0, 0, NULL,
	 "a sidecar running as root without a Tenants entry for the pod's "
	 "namespace runs its job as root (single-user test set-ups only)"},
	{"Flavors", CONF_RAW, 0, NULL, 0, 0, NULL,
	 "name -> {CPUDefault, MemoryDefault, SlurmFlags[]}"},
	{"DefaultFlavor", CONF_RAW, 0, NULL, 0, 0, NULL,
	 "the flavor of pods that name none"},
	{"EnableProbes", CONF_BOOL, OFF(enable_probes), "false", 0, 0, NULL,
	 "run startup, readiness and liveness probes and lifecycle hooks "
	 "(postStart, preStop) in jobs"},
	{"Taints", CONF_RAW, 0, NULL, 0, 0, NULL,
	 "[{Key, Value, Effect}] for the virtual node, sent with the ping"},
	{"Tenants", CONF_RAW, 0, NULL, 0, 0, NULL,
	 "namespace -> {User, Group, Account, AllowedUIDs, AllowRoot}"},
	{"SbatchPath", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"ScancelPath", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"SqueuePath", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"SinfoPath", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"SingularityPrefix", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"ExportPodData", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"Namespace", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"VKConfigPath", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"ContainerRuntime", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

static const char *const default_options[] = {"--nv", "--no-eval",
					      "--containall"};

static int check_taints(const cJSON *raw, char *err, size_t errlen)
{
	static const char *const effects[] = {"NoSchedule", "PreferNoSchedule",
					      "NoExecute"};
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(raw, "Taints");
	const cJSON *t;
	int i = 0;

	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list)) {
		snprintf(err, errlen, "Taints: expected a list");
		return -1;
	}
	cJSON_ArrayForEach(t, list)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "Effect");
		bool ok = !e;

		for (size_t j = 0; e && j < 3; j++)
			ok |= cJSON_IsString(e) &&
			      strcmp(e->valuestring, effects[j]) == 0;
		if (!cJSON_IsString(k) || !*k->valuestring || !ok) {
			snprintf(err, errlen, "Taints[%d]: needs a Key and an "
				 "Effect of NoSchedule, PreferNoSchedule or "
				 "NoExecute", i);
			return -1;
		}
		i++;
	}
	return 0;
}

/* A group by name or number. */
static int resolve_group(const char *s, gid_t *ret)
{
	struct group gr, *grp = NULL;
	char buf[4096];
	uint64_t v;

	if (text_parse_u64(s, UINT32_MAX - 1, &v) == 0) {
		*ret = (gid_t)v;
		return 0;
	}
	if (getgrnam_r(s, &gr, buf, sizeof(buf), &grp) != 0 || !grp)
		return -1;
	*ret = grp->gr_gid;
	return 0;
}

static int check(struct sconf *c, char *err, size_t errlen)
{
	struct conf_strlist *o = &c->singularity_default_options;

	if (!c->data_root || c->data_root[0] != '/') {
		snprintf(err, errlen,
			 "DataRootFolder: must be an absolute path");
		return -1;
	}
	if (!c->state_dir || c->state_dir[0] != '/') {
		snprintf(err, errlen,
			 "StateDirectory: must be an absolute path");
		return -1;
	}
	/* upstream's defaults, unless the file sets the key (even to []) */
	if (!cJSON_GetObjectItemCaseSensitive(c->raw,
					      "SingularityDefaultOptions")) {
		free(o->v);
		o->n = 0;
		o->v = calloc(3, sizeof(char *));
		if (!o->v)
			goto oom;
		for (size_t i = 0; i < 3; i++) {
			o->v[i] = strdup(default_options[i]);
			if (!o->v[i])
				goto oom;
			o->n = i + 1;
		}
	}
	if (c->socket && *c->socket && strncmp(c->socket, "unix://", 7) != 0) {
		snprintf(err, errlen, "Socket: must start with unix://");
		return -1;
	}
	if (tenancy_check(c->raw, err, errlen) < 0 ||
	    flavors_check(c->raw, err, errlen) < 0 ||
	    check_taints(c->raw, err, errlen) < 0 ||
	    claims_check_conf(c, err, errlen) < 0)
		return -1;
	/* a TCP port only when asked for: SidecarPort, or TLS's 4000 */
	if (!c->sidecar_port && c->tls_enabled) {
		c->sidecar_port = strdup("4000");
		if (!c->sidecar_port)
			goto oom;
	}
	/* loopback is no protection on a login node: every user reaches it */
	if (!c->tls_enabled && c->sidecar_port && *c->sidecar_port &&
	    !c->allow_plain_http) {
		snprintf(err, errlen, "SidecarPort: a TCP listener without TLS "
			 "(on %s) would serve anyone who can connect, "
			 "loopback included; enable TLS, drop SidecarPort "
			 "(the unix socket is enough) or set AllowPlainHTTP: "
			 "true",
			 c->sidecar_address ? c->sidecar_address : "");
		return -1;
	}
	if (c->socket_group && *c->socket_group &&
	    resolve_group(c->socket_group, &c->socket_gid) < 0) {
		snprintf(err, errlen, "SocketGroup: no group '%s'",
			 c->socket_group);
		return -1;
	}
	c->has_socket_gid = c->socket_group && *c->socket_group;
	if (c->tls_enabled) {
		const char *files[] = {c->tls_cert_file, c->tls_key_file,
				       c->tls_ca_file};
		const char *names[] = {"TLS.CertFile", "TLS.KeyFile",
				       "TLS.CACertFile"};

		for (int i = 0; i < 3; i++) {
			if (!files[i] || !*files[i]) {
				snprintf(err, errlen,
					 "%s: required when TLS.Enabled is "
					 "true",
					 names[i]);
				return -1;
			}
			if (access(files[i], R_OK) < 0) {
				snprintf(err, errlen, "%s: cannot read '%s'",
					 names[i], files[i]);
				return -1;
			}
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int sconf_load(struct sconf *c, const char *path, char *err, size_t errlen)
{
	const char *env;

	if (!path)
		path = getenv("SLURMCONFIGPATH");
	if (!path || !*path)
		path = SCONF_DEFAULT_PATH;
	if (conf_load(sconf_table, c, path, &c->raw, err, errlen) < 0)
		return -1;
	env = getenv("SIDECARPORT");
	if (env && *env &&
	    conf_set(sconf_table, c, "SidecarPort", env, err, errlen) < 0)
		return -1;
	return check(c, err, errlen);
}

void sconf_free(struct sconf *c)
{
	conf_free(sconf_table, c);
	cJSON_Delete(c->raw);
	c->raw = NULL;
}

const char *sconf_raw_get(const struct sconf *c, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->raw, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
