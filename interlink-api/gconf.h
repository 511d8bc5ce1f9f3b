/*
 * interlink-api/gconf.h - InterLinkConfig.yaml, with upstream's key names.
 */
#ifndef GATEWAY_GCONF_H
#define GATEWAY_GCONF_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "conf.h"

#define GCONF_DEFAULT_PATH "/etc/interlink/InterLinkConfig.yaml"

struct gconf {
	char *interlink_address; /* http://host, https://host, unix:///p */
	char *interlink_port;
	char *sidecar_url;       /* https://host, http://host, unix:///p */
	char *sidecar_port;
	bool verbose;
	bool errors_only;
	char *data_root;         /* accepted, unused (as upstream) */
	bool tls_enabled;
	bool allow_plain_http;
	char *reverse_listen;        /* SidecarReverseListen (reverse.h) */
	int64_t reverse_max_idle;    /* SidecarReverseMaxIdle */
	int64_t reverse_wait_s;      /* SidecarReverseWaitSeconds */
	int64_t reverse_keepalive_s; /* SidecarReverseKeepAliveSeconds */
	char *tls_cert_file;
	char *tls_key_file;
	char *tls_ca_file;
	char *sidecar_cert_file;
	char *sidecar_key_file;
	char *sidecar_ca_file;
	char *sidecar_server_name;
	int64_t max_body_bytes;
	int64_t idle_timeout_s;
	int64_t sidecar_timeout_s;
	int64_t max_connections;
	int64_t handshake_timeout_s; /* HandshakeTimeoutSeconds */
	struct conf_strlist tls_allowed_clients; /* CN or SAN; empty: any */
	char *bearer_tokens_file;  /* accepted tokens, one a line */
	bool allow_empty_token_on_ping;
	int64_t status_refresh_ms; /* the status table's refresh period */
	char *metrics_address;     /* "host:port" for /metrics; "" = off */
	cJSON *raw;
};

extern const struct conf_key gconf_table[];

/*
 * Load path (or $INTERLINKCONFIGPATH, or the default, when NULL), apply
 * env overrides (INTERLINKURL, INTERLINKPORT, SIDECARURL, SIDECARPORT)
 * and check the result.  Returns 0 or -1 with the reason in err.
 */
int gconf_load(struct gconf *c, const char *path, char *err, size_t errlen);
void gconf_free(struct gconf *c);

#endif /* GATEWAY_GCONF_H */
