/* sidecar-slurm/route_status.c - GET /status: pod states from the poller table; [] is the ping (see sidecar.h) */
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
#include "probes.h"
#include "safefs.h"
#include "text.h"
#include "wire.h"

/* ---- /status ---------------------------------------------------------- */

static char *xstrdup_or(const char *s)
{
	return strdup(s ? s : "");
}

/*
 * Read the small file <dir>/<kind>-<name><ext> of a pod's folder: the
 * folder opened without following a symlink, the file below it (safefs:
 * no symlink, FIFO or device; no hard link to another user's file).
 */
static int read_pod_file(const char *dir, const char *kind, const char *name,
			 const char *ext, char **data, struct stat *st)
{
	char file[NAME_MAX + 1];
	int dfd, r;

	if (snprintf(file, sizeof(file), "%s-%s%s", kind, name, ext) >=
	    (int)sizeof(file))
		return -ENAMETOOLONG;
	dfd = sfs_open_trusted_dir(dir);
	if (dfd < 0)
		return dfd;
	r = sfs_read_file(dfd, file, 64, data, NULL, st);
	close(dfd);
	return r;
}

/* Exit code in <dir>/<kind>-<name>.status, with its time; -ENOENT. */
static int read_status_file(const char *dir, const char *kind,
			    const char *name, int *ret_code, int64_t *ret_time)
{
	char *data = NULL;
	struct stat st;
	int64_t v;
	int r;

	r = read_pod_file(dir, kind, name, ".status", &data, &st);
	if (r < 0)
		return r;
	data[strcspn(data, "\n")] = '\0';
	r = text_parse_i64(data, 0, 255, &v);
	free(data);
	if (r < 0)
		return -EINVAL;
	*ret_code = (int)v;
	*ret_time = (int64_t)st.st_mtime;
	return 0;
}

/* When the container started (its .start file), else fallback. */
static int64_t container_start(const char *dir, const char *kind,
			       const char *name, int64_t fallback)
{
	char *data = NULL;
	int64_t v;

	if (read_pod_file(dir, kind, name, ".start", &data, NULL) < 0)
		return fallback;
	data[strcspn(data, "\n")] = '\0';
	if (text_parse_i64(data, 1, INT64_MAX, &v) < 0)
		v = fallback;
	free(data);
	return v;
}

/* How the job as a whole stands, for the containers without a file. */
struct job_view {
	bool known;       /* we have info (live or final) */
	struct ilk_job_info info;
	char why[256];    /* when !known */
};

static void set_terminated(struct wire_container_state *s, int code,
			   int64_t start, int64_t end, const char *reason,
			   const char *message)
{
	s->kind = WIRE_STATE_TERMINATED;
	s->exit_code = code;
	s->started_at = start;
	s->finished_at = end;
	s->reason = reason ? strdup(reason) : NULL;
	s->message = message ? strdup(message) : NULL;
}

static void set_waiting(struct wire_container_state *s, const char *reason,
			const char *message)
{
	s->kind = WIRE_STATE_WAITING;
	s->reason = reason && *reason ? strdup(reason) : NULL;
	s->message = message && *message ? strdup(message) : NULL;
}

/*
 * A container that runs.  With probes or a postStart hook (probes.h): it
 * waits (ContainerCreating) until its postStart hook succeeded, is not
 * started until its startup probe succeeded, and is ready only when
 * started and its readiness probe, if any, says ok.  Without: started and
 * ready.
 */
static void running_state(const char *dir, const char *name, bool regular,
			  int64_t started_at, struct wire_container_status *cs)
{
	struct probes_view v = {0};
	bool started;

	if (regular)
		probes_read(dir, name, &v);
	if (v.post_start == PROBES_PENDING || v.post_start == PROBES_FAIL) {
		set_waiting(&cs->state, "ContainerCreating",
			    v.post_start == PROBES_FAIL ?
				    "the postStart hook failed" :
				    "the postStart hook runs");
		return;
	}
	started = v.startup == PROBES_NONE || v.startup == PROBES_OK;
	cs->state.kind = WIRE_STATE_RUNNING;
	cs->state.started_at = started_at;
	cs->has_started = true;
	cs->started = started;
	cs->ready = started && (v.readiness == PROBES_NONE ||
				v.readiness == PROBES_OK);
}

/*
 * One container.  blocked: an earlier init container has not finished
 * (or failed), so this one has not started.
 */
static void container_state(const struct pod_record *rec,
			    const struct job_view *jv, const char *kind,
			    const char *name, bool blocked, bool init_failed,
			    struct wire_container_status *cs)
{
	const struct ilk_job_info *ji = &jv->info;
	int64_t end, started;
	int code;

	cs->name = strdup(name);
	cs->image = xstrdup_or(NULL);
	cs->image_id = xstrdup_or(NULL);
	started = container_start(rec->dir, kind, name, ji->start_time);
	if (read_status_file(rec->dir, kind, name, &code, &end) == 0) {
		char reason[64], msg[256];

		/* a container the job script stopped (probes.h) */
		if (strcmp(kind, "run") == 0 &&
		    probes_read_reason(rec->dir, name, reason, sizeof(reason),
				       msg, sizeof(msg)) == 0 && reason[0]) {
			set_terminated(&cs->state, code, started, end, reason,
				       msg[0] ? msg : NULL);
			return;
		}
		set_terminated(&cs->state, code, started, end,
			       code ? "Error" : "Completed", NULL);
		return;
	}
	if (!jv->known) {
		set_waiting(&cs->state, "StatusUnknown", jv->why);
		return;
	}
	switch (ji->phase) {
	case ILK_JOB_PENDING:
		set_waiting(&cs->state, "Pending", ji->reason);
		return;
	case ILK_JOB_UNKNOWN:
		set_waiting(&cs->state, "StatusUnknown", ji->state);
		return;
	case ILK_JOB_RUNNING:
		if (blocked) {
			set_waiting(&cs->state, "PodInitializing", NULL);
			return;
		}
		running_state(rec->dir, name, strcmp(kind, "run") == 0,
			      started, cs);
		return;
	default: {
		char msg[ILK_STATE_MAX + ILK_REASON_MAX + 64];
		int ec = ji->exit_code >= 0 ? ji->exit_code : 1;

		/* the job ended but this container left no exit code */
		snprintf(msg, sizeof(msg), "Slurm job %s ended %s%s%s",
			 ji->job_id, ji->state, ji->reason[0] ? ": " : "",
			 ji->reason);
		if (init_failed)
			set_terminated(&cs->state, ec ? ec : 1, 0,
				       ji->end_time, "InitContainerFailed",
				       "an init container failed");
		else
			set_terminated(&cs->state, ec ? ec : 1,
				       ji->start_time, ji->end_time,
				       ji->state, msg);
		return;
	}
	}
}

/* rec's job, gone from Slurm without a final state: terminated, LOST. */
static void job_lost(struct sidecar *sc, const struct pod_record *rec,
		     struct job_view *jv, const char *reason)
{
	memset(&jv->info, 0, sizeof(jv->info));
	jv->known = true;
	jv->info.struct_size = sizeof(jv->info);
	jv->info.phase = ILK_JOB_DONE;
	jv->info.exit_code = -1;
	jv->info.user_id = -1;
	snprintf(jv->info.job_id, sizeof(jv->info.job_id), "%s", rec->job_id);
	snprintf(jv->info.tag, sizeof(jv->info.tag), "%s%s",
		 SIDECAR_TAG_PREFIX, rec->uid);
	snprintf(jv->info.state, sizeof(jv->info.state), "LOST");
	snprintf(jv->info.reason, sizeof(jv->info.reason), "%s", reason);
	/* once: later answers come from the record */
	(void)podstore_set_final(sc->store, rec->uid, &jv->info);
}

static void job_view(struct sidecar *sc, const struct pod_record *rec,
		     struct job_view *jv)
{
	struct ilk_job_info q = {.struct_size = sizeof(q)};
	char err[256] = "";
	int r;

	memset(jv, 0, sizeof(*jv));
	if (!rec->job_id[0] && rec->has_final) {
		/* a job id the record had to forget (not the pod's job) */
		jv->info = rec->final;
		jv->known = true;
		return;
	}
	if (!rec->job_id[0]) {
		snprintf(jv->why, sizeof(jv->why), "not submitted");
		return;
	}
	r = poller_lookup(sc->poller, rec->job_id, &jv->info, err,
			  sizeof(err));
	/* a job id Slurm gave to another job since (its state was reset) */
	if (r == 0 && !sidecar_tag_is(jv->info.tag, rec->uid))
		r = -ENOENT;
	if (r == 0) {
		jv->known = true;
		return;
	}
	if (rec->has_final) {
		jv->info = rec->final;
		jv->known = true;
		return;
	}
	if (r == -ENOENT && sc->ops->query) {
		/* submitted after the last poll, or purged: ask once */
		sidecar_backend_lock(sc);
		r = sc->ops->query(sc->bstate, rec->job_id, &q, err,
				   sizeof(err));
		sidecar_backend_unlock(sc);
		if (r == ILK_OK) {
			ilk_job_info_copy(&jv->info, &q);
			if (!sidecar_tag_is(jv->info.tag, rec->uid)) {
				job_lost(sc, rec, jv, "the job id now names "
					 "another job: this pod's job is no "
					 "longer known to Slurm");
				return;
			}
			jv->known = true;
			return;
		}
		if (r == ILK_ERR_NOT_FOUND) {
			/* gone from Slurm and no final record: lost */
			job_lost(sc, rec, jv,
				 "the job is no longer known to Slurm");
			return;
		}
	}
	snprintf(jv->why, sizeof(jv->why), "%s", err);
}

static int pod_status_of(struct sidecar *sc, const struct pod_record *rec,
			 struct wire_pod_status *ps)
{
	struct job_view jv;
	bool blocked = false, init_failed = false;

	job_view(sc, rec, &jv);
	ps->name = strdup(rec->name);
	ps->uid = strdup(rec->uid);
	ps->namespace = strdup(rec->namespace);
	ps->jid = strdup(rec->job_id);
	ps->init_containers = calloc(rec->n_init + 1, sizeof(*ps->init_containers));
	ps->containers = calloc(rec->n_names + 1, sizeof(*ps->containers));
	if (!ps->name || !ps->uid || !ps->namespace || !ps->jid ||
	    !ps->init_containers || !ps->containers)
		return -ENOMEM;
	for (size_t i = 0; i < rec->n_init; i++) {
		struct wire_container_status *cs = &ps->init_containers[i];

		container_state(rec, &jv, "init", rec->init_names[i], blocked,
				init_failed, cs);
		ps->n_init_containers = i + 1;
		if (cs->state.kind != WIRE_STATE_TERMINATED)
			blocked = true;
		else if (cs->state.exit_code != 0)
			blocked = init_failed = true;
	}
	for (size_t i = 0; i < rec->n_names; i++) {
		container_state(rec, &jv, "run", rec->names[i], blocked,
				init_failed, &ps->containers[i]);
		ps->n_containers = i + 1;
	}
	return 0;
}

/* A pod we do not know: one neutral entry per container of the request. */
static int pod_status_unknown(const struct wire_pod *pod,
			      struct wire_pod_status *ps)
{
	ps->name = xstrdup_or(pod->name);
	ps->uid = xstrdup_or(pod->uid);
	ps->namespace = xstrdup_or(pod->namespace);
	ps->jid = xstrdup_or(NULL);
	ps->containers = calloc(pod->n_containers + 1,
				sizeof(*ps->containers));
	if (!ps->containers)
		return -ENOMEM;
	for (size_t i = 0; i < pod->n_containers; i++) {
		ps->containers[i].name = xstrdup_or(pod->containers[i].name);
		ps->containers[i].image = xstrdup_or(NULL);
		ps->containers[i].image_id = xstrdup_or(NULL);
		ps->n_containers = i + 1;
	}
	return 0;
}

/*
 * The Taints of the configuration, for the virtual node: sent whenever the
 * key is set (an empty list clears the node's taints).  The strings stay
 * the configuration's; pr->taints is to be freed.
 */
static int config_taints(struct sidecar *sc, struct wire_ping_response *pr,
			 char *err, size_t errlen)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(sc->conf.raw,
							     "Taints");
	const cJSON *t;
	size_t n = 0;

	if (!list || cJSON_IsNull(list))
		return 0;
	if (!cJSON_IsArray(list)) {
		snprintf(err, errlen, "expected a list");
		return -1;
	}
	pr->has_taints = true;
	pr->taints = calloc((size_t)cJSON_GetArraySize(list) + 1,
			    sizeof(*pr->taints));
	if (!pr->taints) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(t, list)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "Effect");

		if (!cJSON_IsString(k)) {
			snprintf(err, errlen, "every taint needs a Key");
			free(pr->taints);
			pr->taints = NULL;
			return -1;
		}
		pr->taints[n].key = k->valuestring;
		pr->taints[n].value = cJSON_IsString(v) ? v->valuestring : "";
		pr->taints[n].effect = cJSON_IsString(e) ? e->valuestring :
							   "NoSchedule";
		n++;
	}
	pr->n_taints = n;
	return 0;
}

static int reply_ping(struct sidecar *sc, struct httpd_request *req)
{
	struct ilk_capacity cap = {.struct_size = sizeof(cap)};
	struct wire_ping_response pr = {0};
	char err[ERRLEN] = "", cpu[32], mem[32], pods[32], gpus[32];
	struct wire_accelerator acc;
	cJSON *j;
	int r;

	if (!sc->ops->ping)
		return httpd_reply_text(req, 200, "ok");
	sidecar_backend_lock(sc);
	r = sc->ops->ping(sc->bstate, &cap, err, sizeof(err));
	sidecar_backend_unlock(sc);
	if (r != ILK_OK)
		return httpd_reply_text(req, sidecar_http_code(r) == 500 ? 500 : 503,
					"batch system not usable: %s", err);
	pr.status = "ok";
	if (cap.cpus) {
		snprintf(cpu, sizeof(cpu), "%llu",
			 (unsigned long long)cap.cpus);
		pr.cpu = cpu;
	}
	if (cap.memory_mb) {
		snprintf(mem, sizeof(mem), "%lluMi",
			 (unsigned long long)cap.memory_mb);
		pr.memory = mem;
	}
	if (cap.pods) {
		snprintf(pods, sizeof(pods), "%llu",
			 (unsigned long long)cap.pods);
		pr.pods = pods;
	}
	if (cap.gpus && cap.gpu_type[0]) {
		snprintf(gpus, sizeof(gpus), "%llu",
			 (unsigned long long)cap.gpus);
		acc.resource_type = cap.gpu_type;
		acc.available = gpus;
		pr.accelerators = &acc;
		pr.n_accelerators = 1;
	}
	if (config_taints(sc, &pr, err, sizeof(err)) < 0)
		return httpd_reply_text(req, 500, "Taints: %s", err);
	j = wire_ping_response_encode(&pr);
	free(pr.taints);
	if (!j)
		return httpd_reply_text(req, 503, "out of memory");
	r = httpd_reply_json(req, 200, j);
	cJSON_Delete(j);
	return r;
}

int sidecar_route_status(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	cJSON *j = sidecar_parse_body(req), *out = NULL, *e;
	char err[ERRLEN];
	int rc, i = 0, bad = 0;

	if (!j)
		return 0;
	if (cJSON_IsNull(j) || (cJSON_IsArray(j) && !cJSON_GetArraySize(j))) {
		cJSON_Delete(j);
		return reply_ping(sc, req);
	}
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return httpd_reply_text(req, 400,
					"the body must be a JSON array of pods");
	}
	out = cJSON_CreateArray();
	if (!out) {
		rc = httpd_reply_text(req, 503, "out of memory");
		goto done;
	}
	cJSON_ArrayForEach(e, j)
	{
		struct wire_pod pod = {0};
		struct wire_pod_status ps = {0};
		struct pod_record rec;
		cJSON *one = NULL;
		int r;

		if (wire_pod_decode(e, &pod, err, sizeof(err)) < 0) {
			/* one bad pod never fails the others' answers */
			log_warn("status: pod [%d] skipped: %s", i, err);
			wire_pod_done(&pod);
			i++;
			bad++;
			continue;
		}
		i++;
		if (text_is_uid(pod.uid) &&
		    podstore_get(sc->store, pod.uid, &rec) == 0) {
			r = pod_status_of(sc, &rec, &ps);
			pod_record_done(&rec);
		} else {
			r = pod_status_unknown(&pod, &ps);
		}
		if (r == 0)
			one = wire_pod_status_encode(&ps);
		wire_pod_status_done(&ps);
		wire_pod_done(&pod);
		if (!one) {
			rc = httpd_reply_text(req, 503, "out of memory");
			goto done;
		}
		cJSON_AddItemToArray(out, one);
	}
	if (bad && bad == i)
		rc = httpd_reply_text(req, 400, "no pod in the request could "
				      "be read: %s", err);
	else
		rc = httpd_reply_json(req, 200, out);
done:
	cJSON_Delete(out);
	cJSON_Delete(j);
	return rc;
}

