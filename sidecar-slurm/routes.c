/* sidecar-slurm/routes.c - the plugin API handlers (see sidecar.h) */
#include "sidecar.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "log.h"
#include "logs.h"
#include "text.h"
#include "wire.h"

#define ERRLEN 512

static unsigned http_code(int ilk)
{
	switch (ilk) {
	case ILK_OK: return 200;
	case ILK_ERR_INVALID: return 400;
	case ILK_ERR_REJECTED: return 422;
	case ILK_ERR_NOT_FOUND: return 404;
	case ILK_ERR_UNAVAILABLE: return 503;
	case ILK_ERR_NOT_SUPPORTED: return 501;
	case ILK_ERR_NOMEM: return 503;
	default: return 500;
	}
}

static void backend_lock(struct sidecar *sc)
{
	if (sc->serial)
		pthread_mutex_lock(&sc->backend_lock);
}

static void backend_unlock(struct sidecar *sc)
{
	if (sc->serial)
		pthread_mutex_unlock(&sc->backend_lock);
}

/* Parse the body as JSON; on failure reply 400 and return NULL. */
static cJSON *parse_body(struct httpd_request *req)
{
	char err[ERRLEN];
	cJSON *j = NULL;

	if (wire_parse(req->body, req->body_len, &j, err, sizeof(err)) < 0) {
		httpd_reply_text(req, 400, "malformed JSON body: %s", err);
		return NULL;
	}
	return j;
}

static int check_pod_identity(const struct wire_pod *pod, char *err,
			      size_t errlen)
{
	if (!text_is_uid(pod->uid)) {
		snprintf(err, errlen, "metadata.uid is missing or not a valid "
			 "UID");
		return -1;
	}
	if (!text_is_dns_label(pod->namespace)) {
		snprintf(err, errlen, "metadata.namespace is missing or not a "
			 "valid namespace name");
		return -1;
	}
	if (!pod->name || !text_is_dns_subdomain(pod->name)) {
		snprintf(err, errlen, "metadata.name is missing or not a valid "
			 "pod name");
		return -1;
	}
	return 0;
}

/* ---- /create ---------------------------------------------------------- */

static char **container_names(const struct wire_container *v, size_t n)
{
	char **names = calloc(n ? n : 1, sizeof(char *));

	for (size_t i = 0; names && i < n; i++) {
		names[i] = strdup(v[i].name);
		if (!names[i]) {
			for (size_t j = 0; j < i; j++)
				free(names[j]);
			free(names);
			return NULL;
		}
	}
	return names;
}

static int write_file(const char *dir, const char *name, const struct buf *b,
		      mode_t mode)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return fs_write_atomic(path, buf_str(b), b->len, mode);
}

/* Write the env files and the job script into the pod's folder. */
static int write_pod_files(struct sidecar *sc, const struct wire_pod *pod,
			   const char *dir, struct buf *script)
{
	size_t n = wire_pod_n_all_containers(pod);
	struct buf b;
	int r = 0;

	buf_init(&b, 16u << 20);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);
		char name[128];

		if (ct->n_env == 0)
			continue;
		buf_reset(&b);
		r = jobscript_envfile(ct, &b);
		snprintf(name, sizeof(name), "%s_envfile.properties",
			 ct->name);
		if (r == 0)
			r = write_file(dir, name, &b, 0600);
	}
	if (r == 0)
		r = jobscript_build(&sc->js, pod, dir, NULL, script);
	if (r == 0)
		r = write_file(dir, "job.slurm", script, 0755);
	buf_done(&b);
	return r;
}

/* Resources of the pod: containers run in parallel, init ones alone. */
static void pod_resources(struct sidecar *sc, const struct wire_pod *pod,
			  uint32_t *ret_cpus, uint64_t *ret_mem_mb)
{
	uint64_t cpu_sum = 0, mem_sum = 0, cpu_init = 0, mem_init = 0;
	size_t n = wire_pod_n_all_containers(pod);

	for (size_t i = 0; i < n; i++) {
		bool init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &init);
		const char *cpu = ct->limits.cpu ? ct->limits.cpu :
						   ct->requests.cpu;
		const char *mem = ct->limits.memory ? ct->limits.memory :
						      ct->requests.memory;
		uint64_t c = 0, m = 0;

		if (cpu && text_parse_cpu_milli(cpu, &c) < 0)
			c = 0;
		if (mem && text_parse_mem_bytes(mem, &m) < 0)
			m = 0;
		if (init) {
			cpu_init = c > cpu_init ? c : cpu_init;
			mem_init = m > mem_init ? m : mem_init;
		} else {
			cpu_sum += c;
			mem_sum += m;
		}
	}
	cpu_sum = cpu_sum > cpu_init ? cpu_sum : cpu_init;
	mem_sum = mem_sum > mem_init ? mem_sum : mem_init;
	*ret_cpus = cpu_sum ? (uint32_t)((cpu_sum + 999) / 1000) :
			      (uint32_t)sc->conf.default_cpus;
	*ret_mem_mb = mem_sum ? (mem_sum + 1048575) / 1048576 :
				(uint64_t)sc->conf.default_memory_mb;
}

static int submit(struct sidecar *sc, const struct wire_pod *pod,
		  const char *dir, const char *script, char *job_id,
		  char *err, size_t errlen)
{
	char path_env[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	char home_env[PATH_MAX + 8], out[PATH_MAX];
	const char *env[] = {path_env, home_env, "LANG=C.UTF-8", NULL};
	struct ilk_job_spec spec = {.struct_size = sizeof(spec)};
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];
	int r;

	getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &pwp);
	snprintf(home_env, sizeof(home_env), "HOME=%s",
		 pwp ? pw.pw_dir : "/");
	snprintf(out, sizeof(out), "%s/job.out", dir);
	spec.name = pod->uid;
	spec.tag = pod->uid;
	spec.script = script;
	spec.work_dir = dir;
	spec.stdout_path = out;
	spec.env = env;
	spec.uid = getuid();
	spec.gid = getgid();
	pod_resources(sc, pod, &spec.cpus, &spec.mem_mb);
	spec.partition = sc->conf.partition;
	backend_lock(sc);
	r = sc->ops->submit(sc->bstate, &spec, job_id, err, errlen);
	backend_unlock(sc);
	return r;
}

static int reply_created(struct httpd_request *req, const char *uid,
			 const char *jid)
{
	struct wire_create_struct cs = {(char *)uid, (char *)jid};
	cJSON *j = wire_create_struct_encode(&cs);
	int r;

	if (!j)
		return httpd_reply_text(req, 503, "out of memory");
	r = httpd_reply_json(req, 200, j);
	cJSON_Delete(j);
	return r;
}

static int do_create(struct sidecar *sc, struct httpd_request *req,
		     const struct wire_pod *pod)
{
	struct pod_record rec = {0}, old = {0};
	char err[ERRLEN] = "";
	struct buf script;
	int r, rc;

	if (podstore_get(sc->store, pod->uid, &old) == 0) {
		/* the same UID again: the same job (idempotent create) */
		log_info("pod %s/%s (%s): already created as job %s",
			 old.namespace, old.name, old.uid, old.job_id);
		r = old.job_id[0] ? reply_created(req, old.uid, old.job_id) :
			httpd_reply_text(req, 409, "pod %s is being created",
					 old.uid);
		pod_record_done(&old);
		return r;
	}
	snprintf(rec.uid, sizeof(rec.uid), "%s", pod->uid);
	snprintf(rec.namespace, sizeof(rec.namespace), "%s", pod->namespace);
	snprintf(rec.name, sizeof(rec.name), "%s", pod->name);
	rec.created = time(NULL);
	rec.init_names = container_names(pod->init_containers,
					 pod->n_init_containers);
	rec.n_init = pod->n_init_containers;
	rec.names = container_names(pod->containers, pod->n_containers);
	rec.n_names = pod->n_containers;
	if (!rec.init_names || !rec.names) {
		pod_record_done(&rec);
		return httpd_reply_text(req, 503, "out of memory");
	}
	buf_init(&script, 16u << 20);
	r = podstore_dir(sc->store, pod->namespace, pod->uid, rec.dir,
			 sizeof(rec.dir));
	if (r == 0)
		r = fs_mkdir_p(rec.dir, 0755);
	if (r == 0)
		r = write_pod_files(sc, pod, rec.dir, &script);
	if (r < 0) {
		log_error_errno(r, "pod %s: cannot prepare '%s'", pod->uid,
				rec.dir);
		rc = httpd_reply_text(req, r == -E2BIG ? 413 : 500,
				      "cannot prepare the pod's folder: %s",
				      strerror(-r));
		goto fail;
	}
	r = sc->ops->submit ? submit(sc, pod, rec.dir, buf_str(&script),
				     rec.job_id, err, sizeof(err)) :
			      ILK_ERR_NOT_SUPPORTED;
	if (r != ILK_OK) {
		log_error("pod %s/%s (%s): submit failed: %s", pod->namespace,
			  pod->name, pod->uid, err);
		rc = httpd_reply_text(req, http_code(r), "cannot submit the "
				      "pod's job: %s", err[0] ? err :
				      ilk_strerror(r));
		goto fail;
	}
	r = podstore_put(sc->store, &rec);
	if (r < 0) {
		/* never leave a job nobody tracks */
		log_error_errno(r, "pod %s: cannot record job %s, cancelling",
				pod->uid, rec.job_id);
		backend_lock(sc);
		(void)sc->ops->cancel(sc->bstate, rec.job_id, err,
				      sizeof(err)); /* best effort */
		backend_unlock(sc);
		rc = httpd_reply_text(req, 500, "cannot record the pod: %s",
				      strerror(-r));
		goto fail;
	}
	log_notice("pod %s/%s (%s): submitted as job %s", pod->namespace,
		   pod->name, pod->uid, rec.job_id);
	poller_kick(sc->poller);
	rc = reply_created(req, rec.uid, rec.job_id);
	buf_done(&script);
	pod_record_done(&rec);
	return rc;
fail:
	(void)fs_rm_rf(rec.dir); /* nothing of a failed create stays */
	buf_done(&script);
	pod_record_done(&rec);
	return rc;
}

static int route_create(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_retrieved_pod_data rpd = {0};
	char err[ERRLEN];
	cJSON *j = parse_body(req);
	int rc;

	if (!j)
		return 0;
	if (cJSON_IsArray(j)) {
		/* interLink <= 0.4 sent a one-element array */
		cJSON *first = cJSON_DetachItemFromArray(j, 0);

		cJSON_Delete(j);
		j = first;
	}
	if (!j || wire_retrieved_pod_data_decode(j, &rpd, err,
						 sizeof(err)) < 0) {
		rc = httpd_reply_text(req, 400, "bad pod: %s",
				      j ? err : "empty list");
		goto out;
	}
	if (check_pod_identity(&rpd.pod, err, sizeof(err)) < 0 ||
	    jobscript_validate(&rpd.pod, err, sizeof(err)) < 0) {
		rc = httpd_reply_text(req, 400, "bad pod: %s", err);
		goto out;
	}
	pthread_mutex_lock(&sc->create_lock);
	rc = do_create(sc, req, &rpd.pod);
	pthread_mutex_unlock(&sc->create_lock);
out:
	wire_retrieved_pod_data_done(&rpd);
	cJSON_Delete(j);
	return rc;
}

/* ---- /status ---------------------------------------------------------- */

static char *xstrdup_or(const char *s)
{
	return strdup(s ? s : "");
}

/* Exit code in <dir>/<kind>-<name>.status, with its time; -ENOENT. */
static int read_status_file(const char *dir, const char *kind,
			    const char *name, int *ret_code, int64_t *ret_time)
{
	char path[PATH_MAX], *data = NULL;
	struct stat st;
	int64_t v;
	int r;

	snprintf(path, sizeof(path), "%s/%s-%s.status", dir, kind, name);
	r = fs_read_file(path, 64, &data, NULL);
	if (r < 0)
		return r;
	data[strcspn(data, "\n")] = '\0';
	r = text_parse_i64(data, 0, 255, &v);
	free(data);
	if (r < 0)
		return -EINVAL;
	*ret_code = (int)v;
	*ret_time = stat(path, &st) == 0 ? (int64_t)st.st_mtime : time(NULL);
	return 0;
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
 * One container.  blocked: an earlier init container has not finished
 * (or failed), so this one has not started.
 */
static void container_state(const struct pod_record *rec,
			    const struct job_view *jv, const char *kind,
			    const char *name, bool blocked, bool init_failed,
			    struct wire_container_status *cs)
{
	const struct ilk_job_info *ji = &jv->info;
	int64_t end;
	int code;

	cs->name = strdup(name);
	cs->image = xstrdup_or(NULL);
	cs->image_id = xstrdup_or(NULL);
	if (read_status_file(rec->dir, kind, name, &code, &end) == 0) {
		set_terminated(&cs->state, code, ji->start_time, end,
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
	case ILK_JOB_RUNNING:
		if (blocked) {
			set_waiting(&cs->state, "PodInitializing", NULL);
			return;
		}
		cs->state.kind = WIRE_STATE_RUNNING;
		cs->state.started_at = ji->start_time;
		cs->ready = true;
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

static void job_view(struct sidecar *sc, const struct pod_record *rec,
		     struct job_view *jv)
{
	char err[256] = "";
	int r;

	memset(jv, 0, sizeof(*jv));
	if (!rec->job_id[0]) {
		snprintf(jv->why, sizeof(jv->why), "not submitted");
		return;
	}
	r = poller_lookup(sc->poller, rec->job_id, &jv->info, err,
			  sizeof(err));
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
		backend_lock(sc);
		r = sc->ops->query(sc->bstate, rec->job_id, &jv->info, err,
				   sizeof(err));
		backend_unlock(sc);
		if (r == ILK_OK) {
			jv->known = true;
			return;
		}
		if (r == ILK_ERR_NOT_FOUND) {
			/* gone from Slurm and no final record: lost */
			jv->known = true;
			jv->info.phase = ILK_JOB_DONE;
			jv->info.exit_code = -1;
			snprintf(jv->info.job_id, sizeof(jv->info.job_id),
				 "%s", rec->job_id);
			snprintf(jv->info.state, sizeof(jv->info.state),
				 "LOST");
			snprintf(jv->info.reason, sizeof(jv->info.reason),
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
	backend_lock(sc);
	r = sc->ops->ping(sc->bstate, &cap, err, sizeof(err));
	backend_unlock(sc);
	if (r != ILK_OK)
		return httpd_reply_text(req, http_code(r) == 500 ? 500 : 503,
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
	j = wire_ping_response_encode(&pr);
	if (!j)
		return httpd_reply_text(req, 503, "out of memory");
	r = httpd_reply_json(req, 200, j);
	cJSON_Delete(j);
	return r;
}

static int route_status(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	cJSON *j = parse_body(req), *out = NULL, *e;
	char err[ERRLEN];
	int rc, i = 0;

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
			rc = httpd_reply_text(req, 400, "pod [%d]: %s", i,
					      err);
			goto done;
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
	rc = httpd_reply_json(req, 200, out);
done:
	cJSON_Delete(out);
	cJSON_Delete(j);
	return rc;
}

/* ---- /delete ---------------------------------------------------------- */

static int route_delete(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_pod pod = {0};
	struct pod_record rec;
	char err[ERRLEN] = "";
	cJSON *j = parse_body(req);
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
		backend_lock(sc);
		r = sc->ops->cancel(sc->bstate, rec.job_id, err, sizeof(err));
		backend_unlock(sc);
		if (r != ILK_OK && r != ILK_ERR_NOT_FOUND) {
			log_error("pod %s: cannot cancel job %s: %s", rec.uid,
				  rec.job_id, err);
			rc = httpd_reply_text(req, http_code(r),
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

static int route_logs(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_log_struct ls = {0};
	struct pod_record rec;
	char err[ERRLEN], out[PATH_MAX], status[PATH_MAX];
	const char *kind = NULL;
	struct alive_ctx *alive;
	cJSON *j = parse_body(req);
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
	if (!kind) {
		rc = httpd_reply_text(req, 404, "pod %s has no container "
				      "'%s'", rec.uid, ls.container_name);
		pod_record_done(&rec);
		goto out;
	}
	snprintf(out, sizeof(out), "%s/%s-%s.out", rec.dir, kind,
		 ls.container_name && *ls.container_name ?
			 ls.container_name : rec.names[0]);
	snprintf(status, sizeof(status), "%s/%s-%s.status", rec.dir, kind,
		 ls.container_name && *ls.container_name ?
			 ls.container_name : rec.names[0]);
	pod_record_done(&rec);
	alive = calloc(1, sizeof(*alive));
	if (!alive) {
		rc = httpd_reply_text(req, 503, "out of memory");
		goto out;
	}
	alive->sc = sc;
	snprintf(alive->uid, sizeof(alive->uid), "%s", ls.pod_uid);
	rc = logs_reply(req, out, status, &ls.opts, pod_alive, alive, free);
out:
	wire_log_struct_done(&ls);
	cJSON_Delete(j);
	return rc;
}

static int route_healthz(void *ctx, struct httpd_request *req)
{
	(void)ctx;
	return httpd_reply_text(req, 200, "ok");
}

const struct httpd_route sidecar_routes[] = {
	{"/create", route_create},   {"/status", route_status},
	{"/delete", route_delete},   {"/getLogs", route_logs},
	{"/healthz", route_healthz}, {NULL, NULL},
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
