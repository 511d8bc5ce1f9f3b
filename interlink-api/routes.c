/*
 * interlink-api/routes.c - the virtual-kubelet API's route table, the
 * httpd hooks, and the handlers of /create /delete /pinglink /updateCache
 * (see gateway.h).
 */
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text.h"
#include "transform.h"
#include "wire.h"

#define SIDECAR_BODY_SHOWN 400 /* bytes of a sidecar error passed on */

cJSON *gateway_parse_body(struct httpd_request *req)
{
	char err[GATEWAY_ERRLEN];
	cJSON *j = NULL;

	if (wire_parse(req->body, req->body_len, &j, err, sizeof(err)) < 0) {
		httpd_reply_text(req, 400, "malformed JSON body: %s", err);
		return NULL;
	}
	return j;
}

int gateway_reply_sidecar_error(struct gateway *g, struct httpd_request *req,
				long code, const struct buf *resp,
				const char *why)
{
	char body[SIDECAR_BODY_SHOWN + 1], clean[SIDECAR_BODY_SHOWN + 1];
	size_t n;

	if (code < 0 || !resp) {
		if (!why)
			why = "no answer";
		log_error("%s %s: %s", req->method, req->path, why);
		/* 503: unavailable for now, as the sidecar says of Slurm */
		return httpd_reply_text(req, 503, "interlink-api cannot reach "
					"the sidecar at %s: %s",
					upstream_describe(g->sidecar), why);
	}
	/* one line: without the trailing newline, control bytes as '?' */
	n = resp->len;
	while (n && strchr(" \t\r\n", resp->data[n - 1]))
		n--;
	if (n > SIDECAR_BODY_SHOWN)
		n = SIDECAR_BODY_SHOWN;
	if (n)
		memcpy(body, resp->data, n);
	body[n] = '\0';
	text_sanitize(body, clean, sizeof(clean));
	log_warn("%s %s: the sidecar answered %ld: %s", req->method,
		 req->path, code, clean);
	if (code < 100 || code > 599)
		code = 502;
	return httpd_reply_text(req, (unsigned)code, "sidecar: %s",
				clean[0] ? clean : "(no message)");
}

/* Call the sidecar; on anything but a 200 reply for the caller. */
static long call_sidecar(struct gateway *g, struct httpd_request *req,
			 const char *method, const char *path,
			 const char *body, size_t len, struct buf *resp)
{
	char err[GATEWAY_ERRLEN];
	long code;

	code = upstream_call(g->sidecar, method, path, req->session, body, len,
			     resp, err, sizeof(err));
	if (code != 200)
		(void)gateway_reply_sidecar_error(g, req, code, resp, err);
	return code;
}

/* The sidecar's CreateStruct, checked and in canonical form. */
static int reply_created(struct gateway *g, struct httpd_request *req,
			 const struct wire_pod *pod, const struct buf *resp)
{
	struct wire_create_struct cs = {0};
	char err[GATEWAY_ERRLEN] = "not a JSON object";
	cJSON *j = NULL, *out = NULL;
	int r;

	if (wire_parse(resp->data, resp->len, &j, err, sizeof(err)) < 0 ||
	    !cJSON_IsObject(j) ||
	    wire_create_struct_decode(j, &cs, err, sizeof(err)) < 0) {
		r = httpd_reply_text(req, 502, "interlink-api: the sidecar's "
				     "/create answer is not a CreateStruct: "
				     "%s", err);
		goto out;
	}
	if (!cs.pod_uid || strcmp(cs.pod_uid, pod->uid) != 0) {
		r = httpd_reply_text(req, 502, "interlink-api: the sidecar "
				     "answered /create for pod '%.64s', not "
				     "'%s'", cs.pod_uid ? cs.pod_uid : "",
				     pod->uid);
		goto out;
	}
	if (statustable_add(g->status, pod) < 0)
		log_warn("pod %s: cannot track it (out of memory); its "
			 "status is fetched on demand", pod->uid);
	out = wire_create_struct_encode(&cs);
	r = out ? httpd_reply_json(req, 200, out) :
		  httpd_reply_text(req, 503, "interlink-api: out of memory");
out:
	cJSON_Delete(out);
	cJSON_Delete(j);
	wire_create_struct_done(&cs);
	return r;
}

static int route_create(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct wire_pod_create_requests pcr = {0};
	char err[GATEWAY_ERRLEN], *body = NULL;
	cJSON *j = gateway_parse_body(req), *out = NULL;
	bool too_large = false;
	struct buf resp;
	int r;

	if (!j)
		return 0;
	buf_init(&resp, GATEWAY_MAX_ANSWER);
	if (!cJSON_IsObject(j) ||
	    wire_pod_create_requests_decode(j, &pcr, err, sizeof(err)) < 0) {
		r = httpd_reply_text(req, 400, "bad create request: %s",
				     cJSON_IsObject(j) ? err :
				     "expected a JSON object");
		goto out;
	}
	if (!text_is_uid(pcr.pod.uid)) {
		r = httpd_reply_text(req, 400, "bad create request: the pod "
				     "has no usable metadata.uid");
		goto out;
	}
	out = transform_create(j, (size_t)g->conf.max_body_bytes, &too_large,
			       err, sizeof(err));
	body = out ? cJSON_PrintUnformatted(out) : NULL;
	if (too_large ||
	    (body && strlen(body) > (size_t)g->conf.max_body_bytes)) {
		log_notice("pod %s: refused: %s", pcr.pod.uid, err);
		r = httpd_reply_text(req, 413, "interlink-api: %s", too_large ?
				     err : "the body for the sidecar would "
				     "exceed MaxBodyBytes");
		goto out;
	}
	if (!body) {
		r = httpd_reply_text(req, 503, "interlink-api: out of memory");
		goto out;
	}
	if (call_sidecar(g, req, "POST", "/create", body, strlen(body),
			 &resp) != 200)
		r = 0; /* answered */
	else
		r = reply_created(g, req, &pcr.pod, &resp);
out:
	buf_done(&resp);
	cJSON_free(body);
	cJSON_Delete(out);
	cJSON_Delete(j);
	wire_pod_create_requests_done(&pcr);
	return r;
}

/*
 * /delete: forget the pod, then pass the body to the sidecar byte for byte
 * (upstream drops its cache entry first, too).
 */
static int route_delete(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct wire_pod pod = {0};
	char err[GATEWAY_ERRLEN];
	cJSON *j = gateway_parse_body(req);
	struct buf resp;
	int r;

	if (!j)
		return 0;
	buf_init(&resp, GATEWAY_MAX_ANSWER);
	if (!cJSON_IsObject(j) ||
	    wire_pod_decode(j, &pod, err, sizeof(err)) < 0) {
		r = httpd_reply_text(req, 400, "the body must be a pod: %s",
				     cJSON_IsObject(j) ? err :
				     "expected a JSON object");
		goto out;
	}
	if (pod.uid && *pod.uid)
		statustable_remove(g->status, pod.uid);
	if (call_sidecar(g, req, "POST", "/delete", req->body, req->body_len,
			 &resp) != 200)
		r = 0;
	else
		r = httpd_reply(req, 200, "text/plain; charset=utf-8",
				buf_str(&resp), resp.len);
out:
	buf_done(&resp);
	wire_pod_done(&pod);
	cJSON_Delete(j);
	return r;
}

/*
 * /pinglink is the sidecar's /status with []: 200 only when the sidecar
 * and its batch system are usable; its PingResponse passes through.  The
 * body says which side fails.
 */
static int route_ping(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct buf resp;
	cJSON *j = NULL;
	long code;
	int r;

	buf_init(&resp, GATEWAY_MAX_ANSWER);
	code = call_sidecar(g, req, "GET", "/status", "[]", 2, &resp);
	if (code != 200) {
		buf_done(&resp);
		return 0;
	}
	(void)wire_parse(resp.data, resp.len, &j, NULL, 0);
	r = httpd_reply(req, 200, cJSON_IsObject(j) ? "application/json" :
			"text/plain; charset=utf-8", buf_str(&resp), resp.len);
	cJSON_Delete(j);
	buf_done(&resp);
	return r;
}

/* Upstream's /updateCache is a no-op; we refresh the stored pod. */
static int route_update_cache(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct wire_pod pod = {0};
	char err[GATEWAY_ERRLEN];
	cJSON *j = gateway_parse_body(req);
	int r;

	if (!j)
		return 0;
	if (!cJSON_IsObject(j) ||
	    wire_pod_decode(j, &pod, err, sizeof(err)) < 0) {
		r = httpd_reply_text(req, 400, "the body must be a pod: %s",
				     cJSON_IsObject(j) ? err :
				     "expected a JSON object");
		goto out;
	}
	if (text_is_uid(pod.uid))
		(void)statustable_update(g->status, &pod);
	r = httpd_reply_text(req, 200, "Updated cache");
out:
	wire_pod_done(&pod);
	cJSON_Delete(j);
	return r;
}

/* ---- httpd hooks -------------------------------------------------------- */

int gateway_filter(void *ctx, struct httpd_request *req,
		   const struct httpd_route *route)
{
	struct gateway *g = ctx;
	char msg[256];
	unsigned code;

	/* probes carry no credentials */
	if (route && (route->fn == gateway_route_healthz ||
		      route->fn == gateway_route_readyz))
		return 0;
	code = auth_check(__atomic_load_n(&g->auth, __ATOMIC_ACQUIRE), req,
			  route && route->fn == route_ping, msg, sizeof(msg));
	if (!code)
		return 0;
	log_warn("%s %s refused (%u): %s", req->method, req->path, code, msg);
	if (code == 401)
		(void)httpd_reply_header(req, "WWW-Authenticate",
					 "Bearer realm=\"interlink\"");
	return httpd_reply_text(req, code, "interlink-api: %s", msg) == 0 ? 1 :
									    -1;
}

void gateway_done(void *ctx, const struct httpd_request *req, unsigned code,
		  double seconds, bool completed)
{
	struct gateway *g = ctx;

	(void)completed;
	metrics_request(g->metrics, req->path, code, seconds);
}

const struct httpd_route gateway_routes[] = {
	{"/create", route_create},
	{"/status", gateway_route_status},
	{"/delete", route_delete},
	{"/getLogs", gateway_route_logs},
	{"/pinglink", route_ping},
	{"/updateCache", route_update_cache},
	{"/healthz", gateway_route_healthz},
	{"/readyz", gateway_route_readyz},
	{NULL, NULL},
};
