/*
 * interlink-api/ilctl_http.h - ilctl's libcurl transport.  Every call uses
 * its own easy handle and speaks HTTP/1.1 the way the virtual-kubelet
 * does: a JSON body with Content-Length on any method, the
 * InterLink-Http-Session header, and the bearer token read afresh from
 * --token-file.  Call curl_global_init once before the first call.
 */
#ifndef ILCTL_HTTP_H
#define ILCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "ilctl.h"

/* One request. */
struct ilctl_req {
	const char *method; /* "GET", "POST" or "DELETE" */
	const char *path;   /* "/status" */
	const char *op;     /* session operation: "GetStatus" -> GetStatus#n */
	const char *body;   /* the body, NULL for an empty one */
	size_t body_len;
	bool ping;   /* /pinglink rules: no Content-Type; Authorization
		      * whenever --token-file is given, even if empty */
	bool stream; /* write a 200 body to stdout as it arrives */
};

/* What came back. */
struct ilctl_resp {
	long code;       /* HTTP status */
	struct buf body; /* the body, at most ILCTL_MAX_BODY; for a streamed
			  * call only a non-200 body */
};

/*
 * Perform rq against o->url.  cmd names the command in messages.  Returns
 * ILCTL_OK when a response arrived (look at resp->code; release resp with
 * ilctl_resp_done), or ILCTL_EFAIL / ILCTL_EUSAGE / ILCTL_ETRANSPORT with
 * the reason printed, or ILCTL_EINTR (nothing printed) after SIGINT.
 */
int ilctl_http_call(const struct ilctl_opts *o, const char *cmd,
		    const struct ilctl_req *rq, struct ilctl_resp *resp);

/* As ilctl_http_call with body = the compact JSON text of json. */
int ilctl_http_call_json(const struct ilctl_opts *o, const char *cmd,
			 struct ilctl_req *rq, const cJSON *json,
			 struct ilctl_resp *resp);

void ilctl_resp_done(struct ilctl_resp *resp);

/*
 * Print "ilctl: <cmd>: HTTP <code>: <first 2000 bytes of the body>" to
 * stderr and return ILCTL_EFAIL.
 */
int ilctl_http_fail(const char *cmd, const struct ilctl_resp *resp);

#endif /* ILCTL_HTTP_H */
