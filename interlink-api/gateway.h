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

struct gateway {
	struct gconf conf;
	struct upstream *sidecar;
	struct metrics *metrics;
	struct auth *auth;
	struct statustable *status;
};

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
