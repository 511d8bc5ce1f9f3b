/*
 * interlink-api/routes_status.c - GET /status: the virtual-kubelet's poll,
 * answered from the status table (see statustable.h and gateway.h).
 */
#include "gateway.h"

#include <stdlib.h>

#include "text.h"
#include "wire.h"

static void pods_done(struct wire_pod *pods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wire_pod_done(&pods[i]);
	free(pods);
}

/*
 * The request's pods, decoded (leniently) and with usable UIDs; NULL after
 * replying 400.  null stands for [] as upstream reads it.
 */
static struct wire_pod *decode_pods(struct httpd_request *req, const cJSON *j,
				    size_t *ret_n)
{
	char err[GATEWAY_ERRLEN];
	struct wire_pod *pods;
	const cJSON *e;
	size_t n = 0;

	if (!cJSON_IsArray(j) && !cJSON_IsNull(j)) {
		httpd_reply_text(req, 400, "the body must be a JSON array of "
				 "pods");
		return NULL;
	}
	pods = calloc((size_t)cJSON_GetArraySize(j) + 1, sizeof(*pods));
	if (!pods) {
		httpd_reply_text(req, 503, "interlink-api: out of memory");
		return NULL;
	}
	cJSON_ArrayForEach(e, j)
	{
		if (!cJSON_IsObject(e) ||
		    wire_pod_decode(e, &pods[n], err, sizeof(err)) < 0) {
			httpd_reply_text(req, 400, "pod [%zu]: %s", n,
					 cJSON_IsObject(e) ? err :
					 "expected a JSON object");
			pods_done(pods, n + 1);
			return NULL;
		}
		n++;
		if (!text_is_uid(pods[n - 1].uid)) {
			httpd_reply_text(req, 400, "pod [%zu]: no usable "
					 "metadata.uid", n - 1);
			pods_done(pods, n);
			return NULL;
		}
	}
	*ret_n = n;
	return pods;
}

int gateway_route_status(void *ctx, struct httpd_request *req)
{
	struct gateway *g = ctx;
	char err[GATEWAY_ERRLEN] = "";
	struct wire_pod *pods;
	struct buf out;
	size_t n = 0;
	unsigned code;
	cJSON *j = gateway_parse_body(req);
	int r;

	if (!j)
		return 0;
	pods = decode_pods(req, j, &n);
	cJSON_Delete(j);
	if (!pods)
		return 0;
	buf_init(&out, GATEWAY_MAX_ANSWER * 4);
	code = statustable_query(g->status, pods, n, &out, err, sizeof(err));
	if (code == 200)
		r = httpd_reply(req, 200, "application/json", buf_str(&out),
				out.len);
	else
		r = httpd_reply_text(req, code, "%s", err);
	buf_done(&out);
	pods_done(pods, n);
	return r;
}
