/*
 * interlink-api/routes_ops.c - /healthz, /readyz and /metrics, for probes
 * and Prometheus (see gateway.h).
 */
#include "gateway.h"

#define READYZ_TIMEOUT_S 5

/* The gateway is alive: it answers. */
int gateway_route_healthz(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "ok");
}

/* Ready when the sidecar answers its /healthz. */
int gateway_route_readyz(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	char err[GATEWAY_ERRLEN];
	struct buf resp;
	long code;
	int r;

	buf_init(&resp, 4096);
	code = upstream_call_timeout(g->sidecar, "GET", "/healthz",
				     req->session, "", 0, READYZ_TIMEOUT_S,
				     &resp, err, sizeof(err));
	if (code == 200)
		r = httpd_reply_text(req, 200, "ready: the sidecar at %s "
				     "answers", upstream_describe(g->sidecar));
	else if (code < 0)
		r = httpd_reply_text(req, 503, "not ready: interlink-api "
				     "cannot reach the sidecar at %s: %s",
				     upstream_describe(g->sidecar), err);
	else
		r = httpd_reply_text(req, 503, "not ready: the sidecar's "
				     "/healthz answered %ld", code);
	buf_done(&resp);
	return r;
}

int gateway_route_metrics(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct buf out;
	int r;

	buf_init(&out, 8u << 20);
	if (metrics_render(g->metrics, statustable_count(g->status),
			   &out) < 0)
		r = httpd_reply_text(req, 503, "interlink-api: out of memory");
	else
		r = httpd_reply(req, 200, "text/plain; version=0.0.4; "
				"charset=utf-8", buf_str(&out), out.len);
	buf_done(&out);
	return r;
}

const struct httpd_route gateway_ops_routes[] = {
	{"/metrics", gateway_route_metrics},
	{"/healthz", gateway_route_healthz},
	{"/readyz", gateway_route_readyz},
	{NULL, NULL},
};
