/* sidecar-slurm/routes.c - the route table and housekeeping (see sidecar.h) */
#include "sidecar.h"

#include <errno.h>
#include <time.h>

#include "log.h"

static int route_healthz(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "ok");
}

const struct httpd_route sidecar_routes[] = {
	{"/create", sidecar_route_create},
	{"/status", sidecar_route_status},
	{"/delete", sidecar_route_delete},
	{"/getLogs", sidecar_route_logs},
	{"/pods", sidecar_route_pods},
	{"/healthz", route_healthz},
	{NULL, NULL},
};

/* ---- housekeeping ----------------------------------------------------- */

void sidecar_after_poll(void *ctx, struct poller *p)
{
	struct sidecar *sc = ctx;
	struct pod_record *v = NULL;
	size_t n = 0;
	char err[256];

	if (podstore_list(sc->store, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct ilk_job_info ji;
		int r;

		if (!v[i].job_id[0]) {
			if (v[i].deleting)
				(void)podstore_remove(sc->store, v[i].uid);
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
		/* a deleted pod's folder goes once its job has ended */
		if (v[i].deleting &&
		    ((r == 0 && ji.phase == ILK_JOB_DONE) || r == -ENOENT)) {
			log_info("pod %s: job %s ended, removing '%s'",
				 v[i].uid, v[i].job_id, v[i].dir);
			(void)podstore_remove(sc->store, v[i].uid);
		}
	}
	podstore_free_list(v, n);
}
