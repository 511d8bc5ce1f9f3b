/* interlink-api/routes.c - the virtual-kubelet API (see gateway.h) */
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "text.h"
#include "transform.h"
#include "wire.h"

#define ERRLEN 512
#define MAX_ANSWER (16u << 20)

/*
 * Forward a body to the sidecar and pass its status and body back.
 * A sidecar that cannot be reached is the gateway's 502 with the reason.
 */
static int forward(struct gateway *g, struct httpd_request *req,
		   const char *method, const char *path, const char *body,
		   size_t len)
{
	struct buf resp;
	char err[ERRLEN];
	long code;
	int r;

	buf_init(&resp, MAX_ANSWER);
	code = upstream_call(g->sidecar, method, path, req->session, body, len,
			     &resp, err, sizeof(err));
	if (code < 0) {
		log_error("%s %s: %s", method, path, err);
		r = httpd_reply_text(req, 502, "interlink-api: %s", err);
	} else {
		if (code != 200)
			log_warn("%s %s: the sidecar answered %ld: %.200s",
				 method, path, code, buf_str(&resp));
		r = httpd_reply(req, (unsigned)code,
				code == 200 ? "application/json" :
					      "text/plain; charset=utf-8",
				buf_str(&resp), resp.len);
	}
	buf_done(&resp);
	return r;
}

static cJSON *parse_body(struct httpd_request *req)
{
	char err[ERRLEN];
	cJSON *j = NULL;

	if (wire_parse(req->body, req->body_len, &j, err, sizeof(err)) < 0) {
		httpd_reply_text(req, 400, "malformed JSON body: %s", err);
		return NULL;
	}
	return j;
}

static int route_create(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct wire_pod_create_requests pcr = {0};
	char err[ERRLEN], *body = NULL;
	cJSON *j = parse_body(req), *out = NULL;
	int r;

	if (!j)
		return 0;
	if (!cJSON_IsObject(j) ||
	    wire_pod_create_requests_decode(j, &pcr, err, sizeof(err)) < 0) {
		r = httpd_reply_text(req, 400, "bad create request: %s",
				     cJSON_IsObject(j) ? err :
				     "expected a JSON object");
		goto out;
	}
	if (!pcr.pod.uid || !*pcr.pod.uid) {
		r = httpd_reply_text(req, 400, "bad create request: the pod "
				     "has no metadata.uid");
		goto out;
	}
	out = transform_create(j, err, sizeof(err));
	body = out ? cJSON_PrintUnformatted(out) : NULL;
	if (!body) {
		r = httpd_reply_text(req, 503, "interlink-api: out of memory");
		goto out;
	}
	r = forward(g, req, "POST", "/create", body, strlen(body));
out:
	cJSON_free(body);
	cJSON_Delete(out);
	cJSON_Delete(j);
	wire_pod_create_requests_done(&pcr);
	return r;
}

/* /status, /delete: check the JSON, then pass it on byte for byte. */
static int route_status(void *ctx, struct httpd_request *req)
{
	cJSON *j = parse_body(req);
	int r;

	if (!j)
		return 0;
	if (!cJSON_IsArray(j))
		r = httpd_reply_text(req, 400, "the body must be a JSON array "
				     "of pods");
	else
		r = forward(ctx, req, "GET", "/status", req->body,
			    req->body_len);
	cJSON_Delete(j);
	return r;
}

static int route_delete(void *ctx, struct httpd_request *req)
{
	cJSON *j = parse_body(req);
	int r;

	if (!j)
		return 0;
	if (!cJSON_IsObject(j))
		r = httpd_reply_text(req, 400, "the body must be a pod");
	else
		r = forward(ctx, req, "POST", "/delete", req->body,
			    req->body_len);
	cJSON_Delete(j);
	return r;
}

/* upstream's /getLogs checks (pkg/interlink/api/logs.go), or stricter */
static const char *check_log_request(const struct wire_log_struct *ls)
{
	if (!text_is_dns_label(ls->namespace))
		return "invalid namespace: must be a valid DNS label";
	if (!text_is_uuid(ls->pod_uid))
		return "invalid pod UID: must be a lowercase UUID";
	if (ls->container_name && *ls->container_name &&
	    !text_is_dns_label(ls->container_name))
		return "invalid container name: must be a valid DNS label";
	if (ls->opts.tail && ls->opts.bytes)
		return "Tail and Bytes (LimitBytes) cannot both be set";
	if (ls->opts.since_seconds && ls->opts.has_since_time)
		return "SinceSeconds and SinceTime cannot both be set";
	if (ls->opts.tail < 0 || ls->opts.bytes < 0 ||
	    ls->opts.since_seconds < 0)
		return "Tail, Bytes and SinceSeconds cannot be negative";
	return NULL;
}

static ssize_t log_read(void *arg, char *out, size_t max)
{
	return upstream_stream_read(arg, out, max);
}

static void log_close(void *arg)
{
	upstream_stream_close(arg);
}

static int route_logs(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct wire_log_struct ls = {0};
	struct upstream_stream *s = NULL;
	char err[ERRLEN], *body = NULL;
	const char *bad;
	cJSON *j, *out = NULL;
	long code;
	int r;

	j = NULL;
	if (wire_parse(req->body, req->body_len, &j, err, sizeof(err)) < 0 ||
	    wire_log_struct_decode(j, &ls, err, sizeof(err)) < 0) {
		r = httpd_reply_text(req, 400, "invalid request body: %s",
				     err);
		goto out;
	}
	bad = check_log_request(&ls);
	if (bad) {
		r = httpd_reply_text(req, 400, "%s", bad);
		goto out;
	}
	out = wire_log_struct_encode(&ls);
	body = out ? cJSON_PrintUnformatted(out) : NULL;
	if (!body) {
		r = httpd_reply_text(req, 503, "interlink-api: out of memory");
		goto out;
	}
	code = upstream_stream_open(g->sidecar, "GET", "/getLogs",
				    req->session, body, strlen(body), &s, err,
				    sizeof(err));
	if (code < 0) {
		log_error("GET /getLogs: %s", err);
		r = httpd_reply_text(req, 502, "interlink-api: %s", err);
		goto out;
	}
	r = httpd_reply_stream(req, (unsigned)code,
			       "text/plain; charset=utf-8", log_read, s,
			       log_close);
out:
	cJSON_free(body);
	cJSON_Delete(out);
	cJSON_Delete(j);
	wire_log_struct_done(&ls);
	return r;
}

static int route_ping(void *ctx, struct httpd_request *req)
{
	return forward(ctx, req, "GET", "/status", "[]", 2);
}

static int route_update_cache(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "Updated cache");
}

static int route_healthz(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "ok");
}

const struct httpd_route gateway_routes[] = {
	{"/create", route_create},
	{"/status", route_status},
	{"/delete", route_delete},
	{"/getLogs", route_logs},
	{"/pinglink", route_ping},
	{"/updateCache", route_update_cache},
	{"/healthz", route_healthz},
	{NULL, NULL},
};
