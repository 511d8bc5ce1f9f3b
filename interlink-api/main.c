/*
 * interlink-api - serves the virtual-kubelet's interLink API and forwards
 * every call over mutual TLS to sidecar-slurm.
 *
 * Lifecycle: arguments -> configuration -> metrics, sidecar client,
 * authentication, status table -> listeners (API, then operations) ->
 * status refresher -> daemon_run (READY=1 to systemd; SIGHUP reloads, see
 * reload.c) until SIGTERM/SIGINT -> stop the refresher (it
 * wakes waiting requests) -> listeners -> the rest in reverse.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "daemon.h"
#include "gateway.h"
#include "gconfcheck.h"
#include "ilk_plugin.h"
#include "log.h"
#include "memtrim.h"
#include "reverse.h"
#include "text.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: interlink-api [-c FILE] [-t] [-T] [-v] [-h] [-V]\n"
		"Serve the interLink API to the virtual-kubelet; forward to "
		"sidecar-slurm.\n\n"
		"  -c FILE  configuration (default $INTERLINKCONFIGPATH or "
		"%s)\n"
		"  -t       check the configuration and exit\n"
		"  -T       print the effective configuration and exit\n"
		"  -v       verbose logging\n"
		"  -V       print the version\n",
		GCONF_DEFAULT_PATH);
}

static struct httpd *start_listener(struct gateway *g, char *err,
				    size_t errlen)
{
	struct gconf *c = &g->conf;
	struct httpd_conf hc = {0};
	char host[256];
	uint16_t port = 0;
	uint64_t p;
	bool tls, unx;

	if (httpd_parse_url(c->interlink_address, &tls, &unx, host,
			    sizeof(host), &port, err, errlen) < 0)
		return NULL;
	hc.name = "interLink API";
	hc.max_body = (size_t)c->max_body_bytes;
	hc.idle_timeout_s = (unsigned)c->idle_timeout_s;
	hc.max_connections = (unsigned)c->max_connections;
	hc.handshake_timeout_s = (unsigned)c->handshake_timeout_s;
	hc.filter = gateway_filter;
	hc.done = gateway_done;
	if (unx) {
		hc.unix_socket = true;
		hc.unix_path = host;
		return httpd_start(&hc, gateway_routes, g, err, errlen);
	}
	if (c->interlink_port && *c->interlink_port) {
		if (text_parse_u64(c->interlink_port, 65535, &p) < 0) {
			snprintf(err, errlen, "InterlinkPort: '%s' is not a "
				 "port", c->interlink_port);
			return NULL;
		}
		port = (uint16_t)p;
	}
	hc.host = host;
	hc.port = port;
	hc.tls = tls;
	hc.cert_file = c->tls_cert_file;
	hc.key_file = c->tls_key_file;
	hc.ca_file = c->tls_ca_file;
	return httpd_start(&hc, gateway_routes, g, err, errlen);
}

/* The operations listener (MetricsAddress), or NULL when it is off. */
static int start_ops(struct gateway *g, struct httpd **ret, char *err,
		     size_t errlen)
{
	struct httpd_conf hc = {0};
	char url[300], host[256];
	uint16_t port;
	bool tls, unx;

	*ret = NULL;
	if (!g->conf.metrics_address || !*g->conf.metrics_address)
		return 0;
	snprintf(url, sizeof(url), "http://%s", g->conf.metrics_address);
	if (httpd_parse_url(url, &tls, &unx, host, sizeof(host), &port, err,
			    errlen) < 0)
		return -1;
	hc.name = "operations";
	hc.host = host;
	hc.port = port;
	hc.max_body = 4096;
	hc.idle_timeout_s = 30;
	hc.max_connections = 64;
	hc.done = gateway_done;
	*ret = httpd_start(&hc, gateway_ops_routes, g, err, errlen);
	if (!*ret)
		return -1;
	log_notice("/metrics, /healthz and /readyz on http://%s%s%s:%u",
		   strchr(host, ':') ? "[" : "", host,
		   strchr(host, ':') ? "]" : "", httpd_port(*ret));
	return 0;
}

static void observe_sidecar(void *ctx, const char *path, long code,
			    double seconds)
{
	struct gateway *g = ctx;

	metrics_sidecar(g->metrics, path, code, seconds);
}

int main(int argc, char **argv)
{
	static struct gateway g;
	struct daemon_args args;
	struct httpd *h = NULL, *ops = NULL;
	struct daemon_hooks hooks = {&g, gateway_reload, gateway_status_line};
	struct greverse *rev = NULL;
	char err[1024] = "";
	sigset_t sigs;
	int rc;

	memtrim_setup();
	log_set_ident("interlink-api");
	rc = daemon_parse_args(argc, argv, "interlink-api", ILK_VERSION, usage,
			       &args);
	if (rc >= 0)
		return rc;
	rc = 1;
	if (gconf_load(&g.conf, args.config, err, sizeof(err)) < 0) {
		log_error("configuration: %s", err);
		return 1;
	}
	if (gconf_check(&g.conf, gconfcheck_path(args.config), err,
			sizeof(err)) < 0) {
		log_error("configuration: %s", err);
		gconf_free(&g.conf);
		return 1;
	}
	if (daemon_config_only(&args, gconf_table, &g.conf)) {
		gconf_free(&g.conf);
		return 0;
	}
	log_apply_flags(g.conf.verbose || args.verbose, g.conf.errors_only);
	/* every thread inherits this mask; only daemon_wait sees them */
	daemon_signals(&sigs);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		goto out;
	}
	g.metrics = metrics_new();
	if (!g.metrics) {
		log_error("out of memory");
		goto out;
	}
	g.sidecar = upstream_new(&g.conf, err, sizeof(err));
	if (!g.sidecar) {
		log_error("SidecarURL: %s", err);
		goto out;
	}
	upstream_set_observer(g.sidecar, observe_sidecar, &g);
	rev = greverse_start(&g.conf, err, sizeof(err));
	if (!rev && err[0]) {
		log_error("%s", err);
		goto out;
	}
	upstream_set_reverse(g.sidecar, rev);
	g.auth = auth_new(&g.conf, g.metrics, err, sizeof(err));
	if (!g.auth) {
		log_error("%s", err);
		goto out;
	}
	if (gateway_reload_init(&g, args.config, args.verbose) < 0) {
		log_error("out of memory");
		goto out;
	}
	g.status = statustable_new(&g.conf, g.sidecar, g.metrics);
	if (!g.status) {
		log_error("out of memory");
		goto out;
	}
	h = start_listener(&g, err, sizeof(err));
	if (!h) {
		log_error("listener: %s", err);
		goto out;
	}
	if (start_ops(&g, &ops, err, sizeof(err)) < 0) {
		log_error("MetricsAddress: %s", err);
		goto out;
	}
	if (statustable_start(g.status, err, sizeof(err)) < 0) {
		log_error("%s", err);
		goto out;
	}
	if (strncmp(g.conf.interlink_address, "unix:", 5) == 0)
		log_notice("listening on %s", g.conf.interlink_address);
	else
		log_notice("listening on %s:%u", g.conf.interlink_address,
			   httpd_port(h));
	log_notice("signal %d: shutting down", daemon_run(&sigs, &hooks));
	rc = 0;
out:
	if (g.status)
		statustable_stop(g.status);
	httpd_stop(ops);
	httpd_stop(h);
	statustable_free(g.status);
	auth_free(g.auth);
	gateway_reload_free(&g);
	upstream_free(g.sidecar);
	greverse_stop(rev);
	metrics_free(g.metrics);
	curl_global_cleanup();
	gconf_free(&g.conf);
	return rc;
}
