/*
 * sidecar-slurm - runs Kubernetes pods as Slurm jobs.
 *
 * Lifecycle: arguments -> configuration -> backend init -> pod store ->
 * status poller -> listeners -> wait for SIGTERM/SIGINT -> the same in
 * reverse.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_loader.h"
#include "daemon.h"
#include "reload.h"
#include "sconfcheck.h"
#include "smetrics.h"
#include "httpd.h"
#include "log.h"
#include "memtrim.h"
#include "reverse.h"
#include "sidecar.h"
#include "text.h"

static const struct sconf *host_conf; /* for host_config_get only */

static void host_log(int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(level, "backend", "%s", msg);
}

static const char *host_config_get(const char *key)
{
	return host_conf ? sconf_raw_get(host_conf, key) : NULL;
}

static const struct ilk_host host = {
	.abi_major = ILK_PLUGIN_ABI_MAJOR,
	.abi_minor = ILK_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct ilk_host),
	.log = host_log,
	.config_get = host_config_get,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sidecar-slurm [-c FILE] [-t] [-T] [-v] [-h] [-V]\n"
		"Run Kubernetes pods as Slurm jobs, serving the interLink "
		"plugin API.\n\n"
		"  -c FILE  configuration (default $SLURMCONFIGPATH or %s)\n"
		"  -t       check the configuration and exit\n"
		"  -T       print the effective configuration and exit\n"
		"  -v       verbose logging\n"
		"  -V       print the version\n",
		SCONF_DEFAULT_PATH);
}

static struct httpd *start_tcp(struct sidecar *sc, char *err, size_t errlen)
{
	struct sconf *c = &sc->conf;
	struct httpd_conf hc = {0};
	uint64_t port;

	if (!c->sidecar_port || !*c->sidecar_port)
		return NULL;
	if (text_parse_u64(c->sidecar_port, 65535, &port) < 0) {
		snprintf(err, errlen, "SidecarPort: '%s' is not a port",
			 c->sidecar_port);
		return NULL;
	}
	hc.name = c->tls_enabled ? "plugin API (mTLS)" : "plugin API";
	hc.host = c->sidecar_address;
	hc.port = (uint16_t)port;
	hc.tls = c->tls_enabled;
	hc.cert_file = c->tls_cert_file;
	hc.key_file = c->tls_key_file;
	hc.ca_file = c->tls_ca_file;
	hc.max_body = (size_t)c->max_body_bytes;
	hc.idle_timeout_s = (unsigned)c->idle_timeout_s;
	hc.max_connections = (unsigned)c->max_connections;
	hc.max_per_address = (unsigned)c->max_per_address;
	hc.handshake_timeout_s = (unsigned)c->handshake_timeout_s;
	hc.done = smetrics_request_done;
	return httpd_start(&hc, sidecar_routes, sc, err, errlen);
}

static struct httpd *start_unix(struct sidecar *sc, char *err, size_t errlen)
{
	struct sconf *c = &sc->conf;
	struct httpd_conf hc = {0};

	if (!c->socket || !*c->socket)
		return NULL;
	hc.name = "plugin API (unix)";
	hc.unix_socket = true;
	hc.unix_path = c->socket + strlen("unix://");
	hc.unix_group_set = c->has_socket_gid;
	hc.unix_gid = c->socket_gid;
	hc.max_body = (size_t)c->max_body_bytes;
	hc.idle_timeout_s = (unsigned)c->idle_timeout_s;
	hc.max_connections = (unsigned)c->max_connections;
	hc.max_per_address = (unsigned)c->max_per_address;
	hc.handshake_timeout_s = (unsigned)c->handshake_timeout_s;
	hc.done = smetrics_request_done;
	return httpd_start(&hc, sidecar_routes, sc, err, errlen);
}

/* The operations listener (MetricsAddress), or NULL when it is off. */
static int start_ops(struct sidecar *sc, struct httpd **ret, char *err,
		     size_t errlen)
{
	struct httpd_conf hc = {0};
	char url[300], ohost[256];
	uint16_t port;
	bool tls, unx;

	*ret = NULL;
	if (!sc->conf.metrics_address || !*sc->conf.metrics_address)
		return 0;
	snprintf(url, sizeof(url), "http://%s", sc->conf.metrics_address);
	if (httpd_parse_url(url, &tls, &unx, ohost, sizeof(ohost), &port, err,
			    errlen) < 0)
		return -1;
	hc.name = "operations";
	hc.host = ohost;
	hc.port = port;
	hc.max_body = 4096;
	hc.idle_timeout_s = 30;
	hc.max_connections = 64;
	*ret = httpd_start(&hc, smetrics_routes, sc, err, errlen);
	if (!*ret)
		return -1;
	log_notice("/metrics, /healthz and /readyz on http://%s%s%s:%u",
		   strchr(ohost, ':') ? "[" : "", ohost,
		   strchr(ohost, ':') ? "]" : "", httpd_port(*ret));
	return 0;
}

int main(int argc, char **argv)
{
	static struct sidecar sc;
	static struct backend be;
	struct daemon_args args;
	bool initialised = false;
	struct httpd *tcp = NULL, *unx = NULL, *ops = NULL;
	struct sidecar_reload rl = {&sc, NULL, false};
	struct daemon_hooks hooks = {&rl, sidecar_reload, sidecar_status_line};
	struct reverse *rev = NULL;
	char err[1024] = "";
	sigset_t sigs;
	int rc = 1;

	memtrim_setup();
	log_set_ident("sidecar-slurm");
	rc = daemon_parse_args(argc, argv, "sidecar-slurm", ILK_VERSION, usage,
			       &args);
	if (rc >= 0)
		return rc;
	rc = 1;
	if (sconf_load(&sc.conf, args.config, err, sizeof(err)) < 0) {
		log_error("configuration: %s", err);
		return 1;
	}
	if (sconf_check(&sc.conf, sconfcheck_path(args.config), err,
			sizeof(err)) < 0) {
		log_error("configuration: %s", err);
		sconf_free(&sc.conf);
		return 1;
	}
	if (daemon_config_only(&args, sconf_table, &sc.conf)) {
		sconf_free(&sc.conf);
		return 0;
	}
	log_apply_flags(sc.conf.verbose || args.verbose, sc.conf.errors_only);
	/* every thread inherits this mask; only daemon_wait sees them */
	daemon_signals(&sigs);
	host_conf = &sc.conf;
	pthread_mutex_init(&sc.backend_lock, NULL);
	for (size_t i = 0; i < sizeof(sc.create_locks) /
				sizeof(sc.create_locks[0]); i++)
		pthread_mutex_init(&sc.create_locks[i], NULL);
	sc.js.runtime = sc.conf.singularity_path;
	sc.js.default_options = sc.conf.singularity_default_options.v;
	sc.js.n_default_options = sc.conf.singularity_default_options.n;
	sc.js.image_prefix = sc.conf.image_prefix;
	sc.js.bash_path = sc.conf.bash_path;
	sc.js.command_prefix = sc.conf.command_prefix;
	sc.js.allow_raw = sc.conf.allow_raw_shell;
	sc.js.allow_tunnel = sc.conf.allow_tunnel;
	sc.js.enable_probes = sc.conf.enable_probes;

	if (backend_load(sc.conf.backend, &host, &be, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto out;
	}
	sc.ops = &be.ops;
	if (sc.ops->init(&host, &sc.bstate, err, sizeof(err)) != ILK_OK) {
		log_error("backend %s: %s", sc.ops->name, err);
		sc.bstate = NULL;
		goto out;
	}
	initialised = true;
	sc.metrics = smetrics_new();
	if (!sc.metrics || smetrics_wrap(sc.metrics, &sc.ops, &sc.bstate) < 0) {
		log_error("out of memory");
		goto out;
	}
	sc.serial = sc.ops->flags & ILK_BACKEND_SERIAL;
	log_info("backend %s ready", sc.ops->name);
	sc.store = podstore_open(sc.conf.data_root, sc.conf.state_dir, err,
				 sizeof(err));
	if (!sc.store) {
		log_error("%s", err);
		goto out;
	}
	/* slurmctld down now: the records stand as they are; the poller
	 * catches up once it answers */
	(void)sidecar_reconcile(&sc, sc.conf.cancel_orphans);
	sc.poller = poller_start(sc.ops, sc.bstate, sc.conf.poll_interval_ms,
				 sidecar_need_poll,
				 sidecar_after_poll, &sc);
	if (!sc.poller) {
		log_error("cannot start the status poller");
		goto out;
	}
	tcp = start_tcp(&sc, err, sizeof(err));
	if (!tcp && err[0]) {
		log_error("TCP listener: %s", err);
		goto out;
	}
	unx = start_unix(&sc, err, sizeof(err));
	if (!unx && err[0]) {
		log_error("unix socket listener: %s", err);
		goto out;
	}
	if (!tcp && !unx) {
		log_error("nothing to listen on: set SidecarPort or Socket");
		goto out;
	}
	if (start_ops(&sc, &ops, err, sizeof(err)) < 0) {
		log_error("MetricsAddress: %s", err);
		goto out;
	}
	if (tcp)
		log_notice("listening on %s://%s:%u", sc.conf.tls_enabled ?
			   "https" : "http", sc.conf.sidecar_address,
			   httpd_port(tcp));
	if (unx)
		log_notice("listening on %s", sc.conf.socket);
	if (!sc.conf.tls_enabled && tcp)
		log_warn("the TCP listener has no TLS (AllowPlainHTTP): anyone "
			 "who can reach it can run jobs");
	if (sc.conf.allow_root_jobs && getuid() == 0)
		log_warn("AllowRootJobs: pods of namespaces without a Tenants "
			 "entry run as root");
	rev = reverse_start(&sc.conf, tcp ? httpd_port(tcp) : 0, err,
			    sizeof(err));
	if (!rev && err[0]) {
		log_error("%s", err);
		goto out;
	}
	rl.path = args.config;
	rl.verbose = args.verbose;
	log_notice("signal %d: shutting down", daemon_run(&sigs, &hooks));
	rc = 0;
out:
	reverse_stop(rev);
	httpd_stop(ops);
	httpd_stop(tcp);
	httpd_stop(unx);
	poller_stop(sc.poller);
	podstore_close(sc.store);
	if (initialised && sc.ops->fini)
		sc.ops->fini(sc.bstate);
	backend_unload(&be);
	smetrics_free(sc.metrics);
	sconf_free(&sc.conf);
	return rc;
}
