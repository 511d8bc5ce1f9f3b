/* sidecar-slurm/route_logs.c - GET /getLogs: a container log, optionally followed (see sidecar.h) */
#include "sidecar.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "log.h"
#include "text.h"
#include "wire.h"
#include "logs.h"
#include "tunnels.h"

/* ---- /getLogs --------------------------------------------------------- */

struct alive_ctx {
	struct sidecar *sc;
	char uid[65];
};

static bool pod_alive(void *arg)
{
	struct alive_ctx *a = arg;
	struct pod_record rec;
	bool alive;

	if (podstore_get(a->sc->store, a->uid, &rec) < 0)
		return false;
	alive = !rec.deleting;
	pod_record_done(&rec);
	return alive;
}

int sidecar_route_logs(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_log_struct ls = {0};
	struct pod_record rec;
	char err[ERRLEN], out[PATH_MAX], status[PATH_MAX];
	const char *kind = NULL;
	struct alive_ctx *alive;
	cJSON *j = sidecar_parse_body(req);
	int rc;

	if (!j)
		return 0;
	if (wire_log_struct_decode(j, &ls, err, sizeof(err)) < 0) {
		rc = httpd_reply_text(req, 400, "bad log request: %s", err);
		goto out;
	}
	if (!text_is_uid(ls.pod_uid) ||
	    (ls.container_name && *ls.container_name &&
	     !text_is_dns_label(ls.container_name))) {
		rc = httpd_reply_text(req, 400, "bad log request: PodUID or "
				      "ContainerName is not valid");
		goto out;
	}
	if ((ls.opts.tail && ls.opts.bytes) ||
	    (ls.opts.since_seconds && ls.opts.has_since_time)) {
		rc = httpd_reply_text(req, 400, "bad log request: Tail and "
				      "Bytes, or SinceSeconds and SinceTime, "
				      "cannot both be set");
		goto out;
	}
	if (ls.opts.previous) {
		/* containers are never restarted: there is no previous one */
		rc = httpd_reply_text(req, 400, "previous terminated container "
				      "'%s' in pod '%s' not found",
				      ls.container_name ? ls.container_name : "",
				      ls.pod_name ? ls.pod_name : "");
		goto out;
	}
	if (podstore_get(sc->store, ls.pod_uid, &rec) < 0) {
		rc = httpd_reply_text(req, 404, "pod %s is not known here",
				      ls.pod_uid);
		goto out;
	}
	for (size_t i = 0; !kind && i < rec.n_names; i++)
		if (!ls.container_name || !*ls.container_name ||
		    strcmp(rec.names[i], ls.container_name) == 0)
			kind = "run";
	for (size_t i = 0; !kind && i < rec.n_init; i++)
		if (strcmp(rec.init_names[i], ls.container_name) == 0)
			kind = "init";
	if (!kind && ls.container_name &&
	    strcmp(ls.container_name, TUNNELS_LOG_NAME) == 0)
		kind = "tunnels"; /* tunnels.h: the client commands' output */
	if (!kind) {
		rc = httpd_reply_text(req, 404, "pod %s has no container "
				      "'%s'", rec.uid, ls.container_name);
		pod_record_done(&rec);
		goto out;
	}
	if (strcmp(kind, "tunnels") == 0) {
		snprintf(out, sizeof(out), "%s/" TUNNELS_LOG_FILE, rec.dir);
		snprintf(status, sizeof(status), "%s/" TUNNELS_STATUS_FILE,
			 rec.dir);
	} else {
		const char *name = ls.container_name && *ls.container_name ?
					   ls.container_name : rec.names[0];

		snprintf(out, sizeof(out), "%s/%s-%s.out", rec.dir, kind,
			 name);
		snprintf(status, sizeof(status), "%s/%s-%s.status", rec.dir,
			 kind, name);
	}
	pod_record_done(&rec);
	alive = calloc(1, sizeof(*alive));
	if (!alive) {
		rc = httpd_reply_text(req, 503, "out of memory");
		goto out;
	}
	alive->sc = sc;
	snprintf(alive->uid, sizeof(alive->uid), "%s", ls.pod_uid);
	rc = logs_reply(req, out, status, &ls.opts, &sc->log_watches,
			pod_alive, alive, free);
out:
	wire_log_struct_done(&ls);
	cJSON_Delete(j);
	return rc;
}

