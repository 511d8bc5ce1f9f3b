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
	ilk_job_info_copy(&j->v[j->n++], job);
}

/* The newest live (or else newest) job of rec's pod, or NULL. */
static const struct ilk_job_info *job_of(struct sidecar *sc,
					 const struct jobs *j,
					 const struct pod_record *rec)
{
	const struct ilk_job_info *best = NULL;
	char why[256];

	for (size_t i = 0; i < j->n; i++) {
		if (!sidecar_tag_is(j->v[i].tag, rec->uid))
			continue;
		if (sidecar_job_owned(sc, rec, &j->v[i], why, sizeof(why))) {
			log_warn("pod %s/%s (%s): job %s carries its tag but "
				 "is not its job (%s): not adopted",
				 rec->namespace, rec->name, rec->uid,
				 j->v[i].job_id, why);
			continue;
		}
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

		/* a job id, or a job known to be lost (kept: it reads as
		 * terminated until the pod is deleted) */
		if (v[i].job_id[0] || v[i].has_final)
			continue;
		job = job_of(sc, jobs, &v[i]);
		if (!job) {
			log_warn("pod %s/%s (%s): the sidecar stopped before "
				 "its job was submitted; dropping the record",
				 v[i].namespace, v[i].name, v[i].uid);
			(void)podstore_remove(sc->store, v[i].uid);
			continue;
		}
		snprintf(v[i].job_id, sizeof(v[i].job_id), "%s", job->job_id);
		if (v[i].run_uid < 0 && job->user_id >= 0)
			v[i].run_uid = job->user_id;
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
		if (job->user_id >= 0 &&
		    !sidecar_user_of_any_ns(sc, job->user_id)) {
			log_warn("job %s carries the tag of pod %s but runs as "
				 "uid %lld, which no namespace maps to: not a "
				 "job of this sidecar, left alone", job->job_id,
				 uid, (long long)job->user_id);
			continue;
		}
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

/* Forget rec's job id; the pod reads as terminated (LOST). */
static void drop_job(struct pod_record *rec)
{
	if (!rec->has_final) {
		rec->has_final = true;
		memset(&rec->final, 0, sizeof(rec->final));
		rec->final.struct_size = sizeof(rec->final);
		rec->final.phase = ILK_JOB_DONE;
		rec->final.exit_code = -1;
		rec->final.user_id = -1;
		snprintf(rec->final.state, sizeof(rec->final.state), "LOST");
		snprintf(rec->final.reason, sizeof(rec->final.reason),
			 "job %s of the old record is not this pod's job "
			 "(or is no longer known to Slurm)", rec->job_id);
	}
	rec->job_id[0] = '\0';
}

/*
 * An old-layout record (pod.json in the tenant's folder, so anything in it
 * may be the tenant's): its job id stays only when Slurm says that job
 * carries the pod's tag and runs as a user of the pod's namespace.
 * Returns false when Slurm cannot tell now (the record is left for the
 * next start).
 */
static bool check_legacy(struct sidecar *sc, const struct jobs *jobs,
			 struct pod_record *rec)
{
	const struct ilk_job_info *job = NULL;
	char why[256];

	if (!rec->job_id[0])
		return true; /* adopted (or dropped) like any other record */
	for (size_t i = 0; i < jobs->n; i++)
		if (strcmp(jobs->v[i].job_id, rec->job_id) == 0)
			job = &jobs->v[i];
	if (!job) {
		/* the poll saw every tagged job: not one of ours, or purged */
		log_warn("pod %s/%s (%s): migrating its record: job %s is no "
			 "pod job Slurm knows (purged, or not this pod's): "
			 "dropping the job id", rec->namespace, rec->name,
			 rec->uid, rec->job_id);
		drop_job(rec);
		return true;
	}
	if (job->user_id < 0 ||
	    sidecar_job_owned(sc, rec, job, why, sizeof(why)) != 0) {
		log_warn("pod %s/%s (%s): migrating its record: job %s is not "
			 "its job (%s): dropping the job id", rec->namespace,
			 rec->name, rec->uid, rec->job_id,
			 job->user_id < 0 ? "the backend reports no user" :
					    why);
		drop_job(rec);
		return true;
	}
	rec->run_uid = job->user_id;
	return true;
}

static void migrate_legacy(struct sidecar *sc, const struct jobs *jobs)
{
	struct pod_record *v = NULL;
	size_t n = 0;

	(void)podstore_take_legacy(sc->store, &v, &n);
	for (size_t i = 0; i < n; i++) {
		if (!check_legacy(sc, jobs, &v[i]))
			continue;
		if (podstore_migrate(sc->store, &v[i]) == 0)
			log_notice("pod %s/%s (%s): record moved to the state "
				   "directory (job %s)", v[i].namespace,
				   v[i].name, v[i].uid,
				   v[i].job_id[0] ? v[i].job_id : "none");
		else
			log_error("pod %s: cannot migrate its record",
				  v[i].uid);
	}
	podstore_free_list(v, n);
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
	migrate_legacy(sc, &jobs);
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
