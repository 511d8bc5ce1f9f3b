/*
 * sidecar-slurm/reconcile.c - at start-up, make the pod records and the
 * batch system's jobs agree (see sidecar.h).  Nothing is ever submitted
 * here, so a pod can never run twice.
 */
#include "sidecar.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct jobs {
	struct ilk_job_info *v;
	size_t n, cap;
	bool oom;
};

static void collect(void *ctx, const struct ilk_job_info *job)
{
	struct jobs *j = ctx;

	if (strncmp(job->tag, SIDECAR_TAG_PREFIX,
		    strlen(SIDECAR_TAG_PREFIX)) != 0)
		return; /* not a pod's job */
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 64;
		struct ilk_job_info *nv = realloc(j->v, cap * sizeof(*nv));

		if (!nv) {
			j->oom = true;
			return;
		}
		j->v = nv;
		j->cap = cap;
	}
	j->v[j->n++] = *job;
}

/* The newest live (or else newest) job tagged with uid, or NULL. */
static const struct ilk_job_info *job_of(const struct jobs *j,
					 const char *uid)
{
	const struct ilk_job_info *best = NULL;

	for (size_t i = 0; i < j->n; i++) {
		const char *u = j->v[i].tag + strlen(SIDECAR_TAG_PREFIX);

		if (strcmp(u, uid) != 0)
			continue;
		if (!best || (best->phase == ILK_JOB_DONE &&
			      j->v[i].phase != ILK_JOB_DONE) ||
		    j->v[i].submit_time > best->submit_time)
			best = &j->v[i];
	}
	return best;
}

static bool has_record(const struct pod_record *v, size_t n, const char *uid,
		       const char *job_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].uid, uid) == 0 &&
		    strcmp(v[i].job_id, job_id) == 0)
			return true;
	return false;
}

static void fix_records(struct sidecar *sc, struct pod_record *v, size_t n,
			const struct jobs *jobs)
{
	for (size_t i = 0; i < n; i++) {
		const struct ilk_job_info *job;

		if (v[i].job_id[0])
			continue;
		job = job_of(jobs, v[i].uid);
		if (!job) {
			log_warn("pod %s/%s (%s): the sidecar stopped before "
				 "its job was submitted; dropping the record",
				 v[i].namespace, v[i].name, v[i].uid);
			(void)podstore_remove(sc->store, v[i].uid);
			continue;
		}
		snprintf(v[i].job_id, sizeof(v[i].job_id), "%s", job->job_id);
		if (podstore_put(sc->store, &v[i]) == 0)
			log_notice("pod %s/%s (%s): adopted job %s",
				   v[i].namespace, v[i].name, v[i].uid,
				   job->job_id);
	}
}

static void report_orphans(struct sidecar *sc, const struct pod_record *v,
			   size_t n, const struct jobs *jobs,
			   bool cancel_orphans)
{
	for (size_t i = 0; i < jobs->n; i++) {
		const struct ilk_job_info *job = &jobs->v[i];
		const char *uid = job->tag + strlen(SIDECAR_TAG_PREFIX);
		char err[ERRLEN];

		if (job->phase == ILK_JOB_DONE ||
		    has_record(v, n, uid, job->job_id))
			continue;
		if (!cancel_orphans) {
			log_warn("job %s runs pod %s but no pod record knows it "
				 "(set CancelOrphanJobs to cancel such jobs)",
				 job->job_id, uid);
			continue;
		}
		if (!sc->ops->cancel) {
			log_warn("job %s of unknown pod %s: the backend cannot "
				 "cancel jobs", job->job_id, uid);
			continue;
		}
		sidecar_backend_lock(sc);
		if (sc->ops->cancel(sc->bstate, job->job_id, err,
				    sizeof(err)) == ILK_OK)
			log_notice("job %s of unknown pod %s cancelled",
				   job->job_id, uid);
		else
			log_error("cannot cancel orphan job %s: %s",
				  job->job_id, err);
		sidecar_backend_unlock(sc);
	}
}

int sidecar_reconcile(struct sidecar *sc, bool cancel_orphans)
{
	struct jobs jobs = {0};
	struct pod_record *v = NULL;
	size_t n = 0;
	char err[ERRLEN] = "";
	int r;

	if (!sc->ops->poll)
		return 0;
	sidecar_backend_lock(sc);
	r = sc->ops->poll(sc->bstate, collect, &jobs, err, sizeof(err));
	sidecar_backend_unlock(sc);
	if (r != ILK_OK || jobs.oom) {
		log_error("cannot reconcile pods with the batch system: %s",
			  jobs.oom ? "out of memory" : err);
		free(jobs.v);
		return -1;
	}
	if (podstore_list(sc->store, &v, &n) < 0) {
		free(jobs.v);
		return -1;
	}
	fix_records(sc, v, n, &jobs);
	report_orphans(sc, v, n, &jobs, cancel_orphans);
	log_info("reconciled %zu pod records with %zu pod jobs", n, jobs.n);
	podstore_free_list(v, n);
	free(jobs.v);
	return 0;
}
