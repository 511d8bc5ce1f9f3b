/*
 * interlink-api/gateway.h - the gateway's context (its only mutable state)
 * and the virtual-kubelet API handlers.
 */
#ifndef GATEWAY_GATEWAY_H
#define GATEWAY_GATEWAY_H

#include <cjson/cJSON.h>

#include "auth.h"
#include "buf.h"
#include "gconf.h"
#include "httpd.h"
#include "metrics.h"
#include "statustable.h"
#include "upstream.h"

struct gateway_reload; /* reload.c */

struct gateway {
	struct gconf conf;
	struct upstream *sidecar;
	struct metrics *metrics;
	struct auth *auth; /* replaced by a reload: read it atomically */
	struct statustable *status;
	struct gateway_reload *reload;
};

/*
 * SIGHUP (reload.c): re-read the configuration file; the log levels and
 * the authentication keys (BearerTokensFile and its tokens,
 * AllowEmptyTokenOnPing, TLS.AllowedClients) take effect at once, every
 * other changed key is logged as needing a restart, and a file that does
 * not load keeps the running configuration.  gateway_reload_init records
 * how the first load was made (path may be NULL, as for gconf_load).
 */
int gateway_reload_init(struct gateway *g, const char *path, bool verbose);
void gateway_reload(void *g);
/* systemd's STATUS= line: the pods the gateway knows. */
void gateway_status_line(void *g, char *buf, size_t len);
/* Free what reloads replaced (after the listeners stopped). */
void gateway_reload_free(struct gateway *g);

/*
 * The virtual-kubelet API: /create /status /delete /getLogs /pinglink
 * /updateCache, plus /healthz and /readyz.  Any method, exact paths.
 */
extern const struct httpd_route gateway_routes[];
/* The operations listener (MetricsAddress): /metrics /healthz /readyz. */
extern const struct httpd_route gateway_ops_routes[];

/* httpd hooks: authentication before a route, metrics after a request. */
int gateway_filter(void *ctx, struct httpd_request *req,
		   const struct httpd_route *route);
void gateway_done(void *ctx, const struct httpd_request *req, unsigned code,
		  double seconds, bool completed);

/* ---- shared by the route files --------------------------------------- */

#define GATEWAY_ERRLEN 512
#define GATEWAY_MAX_ANSWER (16u << 20)

/* The body as JSON, or NULL after replying 400 (owned: cJSON_Delete). */
cJSON *gateway_parse_body(struct httpd_request *req);

/*
 * Answer a failed sidecar call: code < 0 (no answer: 502 saying the
 * gateway cannot reach the sidecar, with why) or the sidecar's own status
 * with its body, shortened and on one line, as "sidecar: <body>".
 */
int gateway_reply_sidecar_error(struct gateway *g, struct httpd_request *req,
				long code, const struct buf *resp,
				const char *why);

/* The handlers that live in their own files. */
int gateway_route_status(void *ctx, struct httpd_request *req);
int gateway_route_logs(void *ctx, struct httpd_request *req);
int gateway_route_healthz(void *ctx, struct httpd_request *req);
int gateway_route_readyz(void *ctx, struct httpd_request *req);
int gateway_route_metrics(void *ctx, struct httpd_request *req);

#endif /* GATEWAY_GATEWAY_H */
