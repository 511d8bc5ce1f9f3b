/* sidecar-slurm/routes.c - the route table and housekeeping (see sidecar.h) */
#include "sidecar.h"

#include "memtrim.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "text.h"

static int route_healthz(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "ok");
}

/*
 * TLS.AllowedClients: a client certificate must name one of them (subject
 * CN or a SAN); one that names nothing usable is refused.  Requests
 * without a verified certificate come over the unix socket (its file mode
 * and SocketGroup are its access control) or plain TCP (AllowPlainHTTP).
 */
static bool client_allowed(struct sidecar *sc, struct httpd_request *req)
{
	const struct conf_strlist *allow = &sc->conf.tls_allowed_clients;
	const char *names[16];
	char shown[128];
	size_t n;

	if (!allow->n || !httpd_peer_verified(req))
		return true;
	n = httpd_peer_names(req, names, 16);
	if (n == 0) {
		log_warn("a client certificate without a name (no CN, no "
			 "SAN) was refused (TLS.AllowedClients)");
		httpd_reply_text(req, 403, "the client certificate carries no "
				 "name (CN or SAN); TLS.AllowedClients "
				 "refuses it");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < allow->n; j++)
			if (strcmp(names[i], allow->v[j]) == 0)
				return true;
	text_sanitize(names[0], shown, sizeof(shown));
	log_warn("client certificate '%s' is not in TLS.AllowedClients, "
		 "refused", shown);
	httpd_reply_text(req, 403, "client certificate '%s' is not allowed "
			 "here (TLS.AllowedClients)", shown);
	return false;
}

#define GUARDED(fn)                                                            \
	static int guarded_##fn(void *ctx, struct httpd_request *req)          \
	{                                                                      \
		return client_allowed(ctx, req) ? fn(ctx, req) : 0;            \
	}
GUARDED(sidecar_route_create)
GUARDED(sidecar_route_status)
GUARDED(sidecar_route_delete)
GUARDED(sidecar_route_logs)
GUARDED(sidecar_route_pods)

const struct httpd_route sidecar_routes[] = {
	{"/create", guarded_sidecar_route_create},
	{"/status", guarded_sidecar_route_status},
	{"/delete", guarded_sidecar_route_delete},
	{"/getLogs", guarded_sidecar_route_logs},
	{"/pods", guarded_sidecar_route_pods},
	{"/healthz", route_healthz},
	{NULL, NULL},
};

bool sidecar_need_poll(void *ctx)
{
	struct sidecar *sc = ctx;

	return podstore_has_live(sc->store);
}

/* ---- housekeeping ----------------------------------------------------- */

void sidecar_after_poll(void *ctx, struct poller *p)
{
	struct sidecar *sc = ctx;
	struct pod_record *v = NULL;
	size_t n = 0, removed = 0;
	char err[256];

	if (podstore_list(sc->store, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct ilk_job_info ji;
		int r;

		if (!v[i].job_id[0]) {
			if (v[i].deleting &&
			    podstore_remove(sc->store, v[i].uid) == 0)
				removed++;
			continue;
		}
		r = poller_lookup(p, v[i].job_id, &ji, err, sizeof(err));
		if (r == 0 && ji.phase == ILK_JOB_DONE &&
		    (!v[i].has_final || v[i].final.exit_code < 0))
			(void)podstore_set_final(sc->store, v[i].uid, &ji);
		/* a deletion Slurm could not carry out: retry each poll; a
		 * job stopping by itself (preStop hooks) gets its time */
		if (v[i].deleting && r == 0 && ji.phase != ILK_JOB_DONE &&
		    !sidecar_stop_pending(&v[i], time(NULL)) &&
		    sidecar_cancel_job(sc, &v[i], err, sizeof(err)) == ILK_OK)
			log_notice("pod %s: job %s of the deleted pod cancelled",
				   v[i].uid, v[i].job_id);
		/* a deleted pod's folder goes once its job has ended and
		 * let go of its nodes (a job still completing may write, or
		 * recreate, its output there) */
		if (v[i].deleting &&
		    ((r == 0 && ji.phase == ILK_JOB_DONE && !ji.settling) ||
		     r == -ENOENT)) {
			log_info("pod %s: job %s ended, removing '%s'",
				 v[i].uid, v[i].job_id, v[i].dir);
			if (podstore_remove(sc->store, v[i].uid) == 0)
				removed++;
		}
	}
	podstore_free_list(v, n);
	/* after many deletes, the freed records' pages go back */
	(void)memtrim_after_drop(n - removed, &sc->trim_mark);
}
