/*
 * interlink-api/routes_logs.c - GET /getLogs: upstream's checks, then the
 * sidecar's answer relayed as it arrives (see gateway.h).
 *
 * The relay is a chunked reply fed by upstream_stream_read: each chunk is
 * handed to libmicrohttpd as soon as the sidecar sends it.  When the
 * virtual-kubelet goes away, libmicrohttpd frees the stream, which aborts
 * the sidecar request (its connection is closed).
 */
#include "gateway.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text.h"
#include "wire.h"

#define ERROR_BODY_MAX 4096 /* bytes of a sidecar error answer read */

struct relay {
	struct upstream_stream *s;
	struct metrics *metrics;
};

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

static ssize_t relay_read(void *arg, char *out, size_t max)
{
	struct relay *rl = arg;

	return upstream_stream_read(rl->s, out, max);
}

static void relay_close(void *arg)
{
	struct relay *rl = arg;

	upstream_stream_close(rl->s);
	metrics_log_streams(rl->metrics, -1);
	free(rl);
}

/* A non-200 answer: read (some of) its body and pass it on as text. */
static int reply_error(struct gateway *g, struct httpd_request *req,
		       long code, struct upstream_stream *s)
{
	struct buf body;
	char chunk[1024];
	ssize_t n;
	int r, waits = 0;

	buf_init(&body, ERROR_BODY_MAX);
	while (body.len < ERROR_BODY_MAX &&
	       (n = upstream_stream_read(s, chunk, sizeof(chunk))) >= 0) {
		if (n == 0 && ++waits > 10)
			break; /* ~10 s without a byte */
		if (n > 0 && buf_append(&body, chunk, (size_t)n) < 0)
			break;
	}
	upstream_stream_close(s);
	r = gateway_reply_sidecar_error(g, req, code, &body, NULL);
	buf_done(&body);
	return r;
}

int gateway_route_logs(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	struct wire_log_struct ls = {0};
	struct upstream_stream *s = NULL;
	struct relay *rl;
	char err[GATEWAY_ERRLEN], *body = NULL;
	const char *bad;
	cJSON *j = NULL, *out = NULL;
	long code;
	int r;

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
	rl = body ? calloc(1, sizeof(*rl)) : NULL;
	if (!rl) {
		r = httpd_reply_text(req, 503, "interlink-api: out of memory");
		goto out;
	}
	code = upstream_stream_open(g->sidecar, "GET", "/getLogs",
				    req->session, body, strlen(body), &s, err,
				    sizeof(err));
	if (code != 200) {
		free(rl);
		r = code < 0 ? gateway_reply_sidecar_error(g, req, code, NULL,
							   err) :
			       reply_error(g, req, code, s);
		goto out;
	}
	rl->s = s;
	rl->metrics = g->metrics;
	metrics_log_streams(g->metrics, 1);
	log_debug("pod %s: relaying %s logs of '%s'", ls.pod_uid,
		  ls.opts.follow ? "followed" : "the", ls.container_name ?
		  ls.container_name : "");
	r = httpd_reply_stream(req, 200, "text/plain; charset=utf-8",
			       relay_read, rl, relay_close);
out:
	cJSON_free(body);
	cJSON_Delete(out);
	cJSON_Delete(j);
	wire_log_struct_done(&ls);
	return r;
}
