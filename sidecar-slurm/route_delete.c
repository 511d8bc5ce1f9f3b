/* sidecar-slurm/route_delete.c - POST /delete: cancel the job, forget the pod once it ended (see sidecar.h) */
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

int sidecar_cancel_job(struct sidecar *sc, const struct pod_record *rec,
		       char *err, size_t errlen)
{
	int r;

	if (!sc->ops->cancel) {
		snprintf(err, errlen, "the backend cannot cancel jobs");
		return ILK_ERR_NOT_SUPPORTED;
	}
	/* only the pod's own job: never one a job id now names */
	r = sidecar_check_job(sc, rec, "cancel", err, errlen);
	if (r == ILK_ERR_REJECTED)
		return ILK_ERR_NOT_FOUND;
	if (r != ILK_OK)
		return r;
	sidecar_backend_lock(sc);
	r = sc->ops->cancel(sc->bstate, rec->job_id, err, errlen);
	sidecar_backend_unlock(sc);
	return r;
}

pthread_mutex_t *sidecar_create_lock(struct sidecar *sc, const char *uid)
{
	unsigned h = 5381;

	for (const char *p = uid; *p; p++)
		h = h * 33 + (unsigned char)*p;
	return &sc->create_locks[h % (sizeof(sc->create_locks) /
				      sizeof(sc->create_locks[0]))];
}

bool sidecar_stop_pending(const struct pod_record *rec, int64_t now)
{
	return rec->deleting && rec->stop_grace > 0 &&
	       now < rec->deleted_at + rec->stop_grace + SIDECAR_STOP_SLACK_S;
}

/*
 * Stop rec's job for a delete.  A pod with a preStop hook (stop_grace) is
 * first asked to stop by itself: TERM to its job script alone, which runs
 * the hooks and then stops the containers (probes.c); sidecar_after_poll
 * cancels the job if it still runs when sidecar_stop_pending() turns
 * false.  Anything else, or when that signal cannot be delivered (a
 * pending job, say), is cancelled at once.  *graceful says which.
 */
static int stop_job(struct sidecar *sc, const struct pod_record *rec,
		    bool *graceful, char *err, size_t errlen)
{
	const struct ilk_backend_ops *o = sc->ops;
	int r;

	*graceful = false;
	if (rec->stop_grace > 0 &&
	    o->struct_size >= offsetof(struct ilk_backend_ops, terminate) +
				      sizeof(o->terminate) &&
	    o->terminate) {
		r = sidecar_check_job(sc, rec, "signal", err, errlen);
		if (r == ILK_ERR_REJECTED || r == ILK_ERR_NOT_FOUND)
			return ILK_ERR_NOT_FOUND;
		sidecar_backend_lock(sc);
		r = o->terminate(sc->bstate, rec->job_id, err, errlen);
		sidecar_backend_unlock(sc);
		if (r == ILK_OK) {
			*graceful = true;
			return ILK_OK;
		}
		log_info("pod %s: job %s cannot stop by itself (%s), "
			 "cancelling it", rec->uid, rec->job_id, err);
		err[0] = '\0';
	}
	return sidecar_cancel_job(sc, rec, err, errlen);
}

int sidecar_route_delete(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_pod pod = {0};
	struct pod_record rec;
	char err[ERRLEN] = "";
	cJSON *j = sidecar_parse_body(req);
	bool graceful = false;
	int rc, r;

	if (!j)
		return 0;
	if (wire_pod_decode(j, &pod, err, sizeof(err)) < 0 ||
	    !text_is_uid(pod.uid)) {
		rc = httpd_reply_text(req, 400, "bad pod: %s",
				      err[0] ? err : "metadata.uid is missing "
				      "or not a valid UID");
		goto out;
	}
	/* after any create of the same UID, so none slips past a delete */
	pthread_mutex_lock(sidecar_create_lock(sc, pod.uid));
	if (podstore_get(sc->store, pod.uid, &rec) < 0) {
		pthread_mutex_unlock(sidecar_create_lock(sc, pod.uid));
		rc = httpd_reply_text(req, 200, "pod %s is not known here; "
				      "nothing to delete", pod.uid);
		goto out;
	}
	/*
	 * Record the deletion first: the virtual-kubelet forgets the pod
	 * whatever we answer, so from now on the job is ours to stop, now or
	 * (Slurm unreachable) by the poller once Slurm answers again.
	 */
	r = podstore_mark_deleting(sc->store, rec.uid);
	pthread_mutex_unlock(sidecar_create_lock(sc, pod.uid));
	if (r < 0 && r != -ENOENT)
		log_error_errno(r, "pod %s: cannot record the deletion",
				rec.uid);
	r = rec.job_id[0] ? stop_job(sc, &rec, &graceful, err, sizeof(err)) :
			    ILK_OK;
	if (graceful) {
		log_notice("pod %s/%s (%s): job %s asked to stop (preStop "
			   "hooks first), cancelled unless it ends within "
			   "%d s; pod deleted", rec.namespace, rec.name,
			   rec.uid, rec.job_id,
			   rec.stop_grace + SIDECAR_STOP_SLACK_S);
		rc = httpd_reply_text(req, 200, "pod %s deleted", rec.uid);
	} else if (r == ILK_OK || r == ILK_ERR_NOT_FOUND) {
		log_notice("pod %s/%s (%s): job %s cancelled, pod deleted",
			   rec.namespace, rec.name, rec.uid,
			   rec.job_id[0] ? rec.job_id : "none");
		rc = httpd_reply_text(req, 200, "pod %s deleted", rec.uid);
	} else {
		log_error("pod %s: cannot cancel job %s now (%s); it will be "
			  "cancelled once Slurm answers", rec.uid, rec.job_id,
			  err);
		rc = httpd_reply_text(req, 200, "pod %s deleted; its job %s "
				      "will be cancelled once Slurm answers "
				      "(%s)", rec.uid, rec.job_id, err);
	}
	poller_kick(sc->poller);
	pod_record_done(&rec);
out:
	wire_pod_done(&pod);
	cJSON_Delete(j);
	return rc;
}

