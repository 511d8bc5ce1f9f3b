/* interlink-api/gconf.c - see gconf.h */
#include "gconf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd.h"
#include "text.h"

#define OFF(f) offsetof(struct gconf, f)
#define UPSTREAM_ONLY "accepted for compatibility; no effect"

static const struct conf_key tls_table[] = {
	{"Enabled", CONF_BOOL, OFF(tls_enabled), "false", 0, 0, NULL,
	 "serve https:// (required for an https InterlinkAddress)"},
	{"CertFile", CONF_STRING, OFF(tls_cert_file), NULL, 0, 0, NULL,
	 "server certificate (PEM)"},
	{"KeyFile", CONF_STRING, OFF(tls_key_file), NULL, 0, 0, NULL,
	 "server key (PEM)"},
	{"CACertFile", CONF_STRING, OFF(tls_ca_file), NULL, 0, 0, NULL,
	 "when set, require client certificates from this CA (mTLS)"},
	{"AllowedClients", CONF_STRLIST, OFF(tls_allowed_clients), NULL, 0, 0,
	 NULL, "when not empty, only client certificates whose CN or a "
	 "subject alternative name (DNS, IP, e-mail, URI) is listed are "
	 "served; others get 403 (needs CACertFile)"},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

static const struct conf_key sidecar_tls_table[] = {
	{"CertFile", CONF_STRING, OFF(sidecar_cert_file), NULL, 0, 0, NULL,
	 "client certificate presented to the sidecar (PEM)"},
	{"KeyFile", CONF_STRING, OFF(sidecar_key_file), NULL, 0, 0, NULL,
	 "its key (PEM)"},
	{"CACertFile", CONF_STRING, OFF(sidecar_ca_file), NULL, 0, 0, NULL,
	 "CA that signed the sidecar's certificate (PEM)"},
	{"ServerName", CONF_STRING, OFF(sidecar_server_name), NULL, 0, 0, NULL,
	 "name expected in the sidecar's certificate (default: the host of "
	 "SidecarURL)"},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

const struct conf_key gconf_table[] = {
	{"InterlinkAddress", CONF_STRING, OFF(interlink_address),
	 "http://127.0.0.1", 0, 0, NULL,
	 "where the virtual-kubelet reaches us (env INTERLINKURL)"},
	{"InterlinkPort", CONF_STRING, OFF(interlink_port), "3000", 0, 0, NULL,
	 "port for http(s) (env INTERLINKPORT)"},
	{"SidecarURL", CONF_STRING, OFF(sidecar_url), "http://127.0.0.1", 0, 0,
	 NULL, "the sidecar: https://host, http://host or unix:///path "
	 "(env SIDECARURL)"},
	{"SidecarPort", CONF_STRING, OFF(sidecar_port), "4000", 0, 0, NULL,
	 "the sidecar's port (env SIDECARPORT)"},
	{"VerboseLogging", CONF_BOOL, OFF(verbose), "false", 0, 0, NULL,
	 "debug logging"},
	{"ErrorsOnlyLogging", CONF_BOOL, OFF(errors_only), "false", 0, 0, NULL,
	 "log errors only"},
	{"DataRootFolder", CONF_STRING, OFF(data_root), NULL, 0, 0, NULL,
	 UPSTREAM_ONLY},
	{"SidecarReverseListen", CONF_STRING, OFF(reverse_listen), NULL, 0, 0,
	 NULL, "ADDRESS:PORT where the sidecar dials in (its Connect key); "
	 "requests then go over those connections"},
	{"SidecarReverseMaxIdle", CONF_INT, OFF(reverse_max_idle), "64", 1,
	 1024, NULL, "idle reverse connections kept at most"},
	{"SidecarReverseWaitSeconds", CONF_INT, OFF(reverse_wait_s), "5", 1,
	 300, NULL, "how long a request waits for an idle reverse connection"},
	{"SidecarReverseKeepAliveSeconds", CONF_INT, OFF(reverse_keepalive_s),
	 "15", 1, 3600, NULL, "TCP keep-alive idle time of reverse "
	 "connections"},
	{"AllowPlainHTTP", CONF_BOOL, OFF(allow_plain_http), "false", 0, 0,
	 NULL, "allow plain http off loopback (listener or SidecarURL)"},
	{"TLS", CONF_SECTION, 0, NULL, 0, 0, tls_table,
	 "the virtual-kubelet-facing listener"},
	{"SidecarTLS", CONF_SECTION, 0, NULL, 0, 0, sidecar_tls_table,
	 "mutual TLS towards the sidecar"},
	{"MaxBodyBytes", CONF_INT, OFF(max_body_bytes), "16777216", 1024,
	 INT64_C(1) << 30, NULL, "largest request body accepted"},
	{"IdleTimeoutSeconds", CONF_INT, OFF(idle_timeout_s), "30", 1, 3600,
	 NULL, "idle keep-alive connections are closed after this"},
	{"SidecarTimeoutSeconds", CONF_INT, OFF(sidecar_timeout_s), "120", 1,
	 3600, NULL, "longest wait for the sidecar's answer headers"},
	{"MaxConnections", CONF_INT, OFF(max_connections), "1024", 16, 65536,
	 NULL, "most virtual-kubelet connections open at once (one thread "
	 "each; a VK with TLS opens one per call and leaves it idle)"},
	{"HandshakeTimeoutSeconds", CONF_INT, OFF(handshake_timeout_s), "5", 1,
	 300, NULL, "a new connection that finishes no TLS handshake and "
	 "sends no request for this long is closed"},
	{"BearerTokensFile", CONF_STRING, OFF(bearer_tokens_file), NULL, 0, 0,
	 NULL, "when set, every call needs 'Authorization: Bearer T' with T "
	 "one of this file's lines (blank and # lines ignored; re-read when "
	 "it changes; must not be readable by group or others)"},
	{"AllowEmptyTokenOnPing", CONF_BOOL, OFF(allow_empty_token_on_ping),
	 "true", 0, 0, NULL, "with BearerTokensFile: accept /pinglink with "
	 "'Authorization: Bearer ' and an empty token, as the helm chart's "
	 "VKTokenFile=/dev/null sends"},
	{"StatusRefreshIntervalMs", CONF_INT, OFF(status_refresh_ms), "2000",
	 100, 600000, NULL, "the status table asks the sidecar about every "
	 "tracked pod in one call this often; /status answers from it"},
	{"MetricsAddress", CONF_STRING, OFF(metrics_address), "", 0, 0, NULL,
	 "host:port of a plain-http listener, without authentication, for "
	 "/metrics (Prometheus), /healthz and /readyz; keep it on a private "
	 "address; empty: off"},
	{"JobScriptTemplate", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"JobScriptBuildConfig", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"Pprof", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{"ExportPodData", CONF_RAW, 0, NULL, 0, 0, NULL, UPSTREAM_ONLY},
	{NULL, CONF_END, 0, NULL, 0, 0, NULL, NULL},
};

static int need_file(const char *key, const char *path, char *err,
		     size_t errlen)
{
	if (!path || !*path) {
		snprintf(err, errlen, "%s: required", key);
		return -1;
	}
	if (access(path, R_OK) < 0) {
		snprintf(err, errlen, "%s: cannot read '%s'", key, path);
		return -1;
	}
	return 0;
}

/* An http:// URL whose host is not a loopback address. */
static bool plain_off_loopback(const char *url)
{
	char host[256], e[128];
	uint16_t port;
	bool tls, unx;

	if (httpd_parse_url(url, &tls, &unx, host, sizeof(host), &port, e,
			    sizeof(e)) < 0)
		return false; /* reported where the URL is used */
	return !tls && !unx && !text_is_loopback(host);
}

static int check(struct gconf *c, char *err, size_t errlen)
{
	if (!c->interlink_address || !*c->interlink_address) {
		snprintf(err, errlen, "InterlinkAddress: required");
		return -1;
	}
	if (!c->sidecar_url || !*c->sidecar_url) {
		snprintf(err, errlen, "SidecarURL: required");
		return -1;
	}
	if (plain_off_loopback(c->interlink_address) &&
	    !c->allow_plain_http) {
		snprintf(err, errlen, "InterlinkAddress: '%s' is plain http "
			 "off loopback; use https:// (TLS) or set "
			 "AllowPlainHTTP: true", c->interlink_address);
		return -1;
	}
	if (plain_off_loopback(c->sidecar_url) && !c->allow_plain_http) {
		snprintf(err, errlen, "SidecarURL: '%s' is plain http off "
			 "loopback; use https:// (mutual TLS) or set "
			 "AllowPlainHTTP: true", c->sidecar_url);
		return -1;
	}
	if (c->tls_enabled &&
	    strncmp(c->interlink_address, "https://", 8) != 0) {
		snprintf(err, errlen, "TLS.Enabled: true needs an https:// "
			 "InterlinkAddress (it is '%s')", c->interlink_address);
		return -1;
	}
	if (strncmp(c->interlink_address, "https://", 8) == 0) {
		if (!c->tls_enabled) {
			snprintf(err, errlen, "TLS.Enabled: must be true for "
				 "an https:// InterlinkAddress");
			return -1;
		}
		if (need_file("TLS.CertFile", c->tls_cert_file, err,
			      errlen) < 0 ||
		    need_file("TLS.KeyFile", c->tls_key_file, err, errlen) < 0)
			return -1;
		if (c->tls_ca_file && *c->tls_ca_file &&
		    need_file("TLS.CACertFile", c->tls_ca_file, err,
			      errlen) < 0)
			return -1;
	}
	if (c->tls_allowed_clients.n &&
	    (strncmp(c->interlink_address, "https://", 8) != 0 ||
	     !c->tls_ca_file || !*c->tls_ca_file)) {
		snprintf(err, errlen, "TLS.AllowedClients: needs an https:// "
			 "InterlinkAddress and TLS.CACertFile");
		return -1;
	}
	if (c->metrics_address && *c->metrics_address) {
		char url[300], host[256], why[300];
		uint16_t port;
		bool tls, unx;

		snprintf(url, sizeof(url), "http://%s", c->metrics_address);
		if (!strchr(c->metrics_address, ':') ||
		    strchr(c->metrics_address, '/') ||
		    httpd_parse_url(url, &tls, &unx, host, sizeof(host), &port,
				    why, sizeof(why)) < 0) {
			snprintf(err, errlen, "MetricsAddress: '%s' is not "
				 "host:port", c->metrics_address);
			return -1;
		}
	}
	if (c->bearer_tokens_file && *c->bearer_tokens_file &&
	    need_file("BearerTokensFile", c->bearer_tokens_file, err,
		      errlen) < 0)
		return -1;
	if (strncmp(c->sidecar_url, "https://", 8) == 0) {
		if (need_file("SidecarTLS.CertFile", c->sidecar_cert_file, err,
			      errlen) < 0 ||
		    need_file("SidecarTLS.KeyFile", c->sidecar_key_file, err,
			      errlen) < 0 ||
		    need_file("SidecarTLS.CACertFile", c->sidecar_ca_file, err,
			      errlen) < 0)
			return -1;
	}
	return 0;
}

int gconf_load(struct gconf *c, const char *path, char *err, size_t errlen)
{
	static const struct {
		const char *env, *key;
	} overrides[] = {
		{"INTERLINKURL", "InterlinkAddress"},
		{"INTERLINKPORT", "InterlinkPort"},
		{"SIDECARURL", "SidecarURL"},
		{"SIDECARPORT", "SidecarPort"},
	};

	if (!path)
		path = getenv("INTERLINKCONFIGPATH");
	if (!path || !*path)
		path = GCONF_DEFAULT_PATH;
	if (conf_load(gconf_table, c, path, &c->raw, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		const char *v = getenv(overrides[i].env);

		if (v && *v &&
		    conf_set(gconf_table, c, overrides[i].key, v, err,
			     errlen) < 0)
			return -1;
	}
	return check(c, err, errlen);
}

void gconf_free(struct gconf *c)
{
	conf_free(gconf_table, c);
	cJSON_Delete(c->raw);
	c->raw = NULL;
}
