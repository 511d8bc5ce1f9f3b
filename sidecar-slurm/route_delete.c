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

/* ---- /delete ---------------------------------------------------------- */

int sidecar_route_delete(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_pod pod = {0};
	struct pod_record rec;
	char err[ERRLEN] = "";
	cJSON *j = sidecar_parse_body(req);
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
	if (podstore_get(sc->store, pod.uid, &rec) < 0) {
		rc = httpd_reply_text(req, 200, "pod %s is not known here; "
				      "nothing to delete", pod.uid);
		goto out;
	}
	if (rec.job_id[0]) {
		sidecar_backend_lock(sc);
		r = sc->ops->cancel(sc->bstate, rec.job_id, err, sizeof(err));
		sidecar_backend_unlock(sc);
		if (r != ILK_OK && r != ILK_ERR_NOT_FOUND) {
			log_error("pod %s: cannot cancel job %s: %s", rec.uid,
				  rec.job_id, err);
			rc = httpd_reply_text(req, sidecar_http_code(r),
					      "cannot cancel job %s: %s",
					      rec.job_id, err);
			pod_record_done(&rec);
			goto out;
		}
	}
	r = podstore_mark_deleting(sc->store, rec.uid);
	if (r < 0 && r != -ENOENT)
		log_warn_errno(r, "pod %s: cannot record the deletion",
			       rec.uid);
	log_notice("pod %s/%s (%s): job %s cancelled, pod deleted",
		   rec.namespace, rec.name, rec.uid,
		   rec.job_id[0] ? rec.job_id : "none");
	poller_kick(sc->poller);
	rc = httpd_reply_text(req, 200, "pod %s deleted", rec.uid);
	pod_record_done(&rec);
out:
	wire_pod_done(&pod);
	cJSON_Delete(j);
	return rc;
}

