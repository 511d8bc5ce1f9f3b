/* sidecar-slurm/route_create.c - POST /create: a pod becomes one batch job (see sidecar.h) */
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
#include "claims.h"
#include "fsutil.h"
#include "log.h"
#include "text.h"
#include "flavors.h"
#include "policy.h"
#include "probes.h"
#include "sbatch_flags.h"
#include "volumes.h"
#include "wire.h"
#include <pwd.h>

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

/*
 * Write the env files, the volumes and the job script into the pod's
 * folder.  -EINVAL (err set): the pod is at fault; see volumes_prepare.
 * Without fsync (fs_write_atomic): the submit sends the script itself, not
 * job.slurm, and the job reads the rest after the submit, from the page
 * cache; a create that stops before its submit leaves a record without a
 * job, which start-up drops with the folder (reconcile.c), and the VK's
 * retry starts over in a fresh folder (do_create), so no half-written
 * file of an earlier try is ever used.
 */
static int write_pod_files(struct sidecar *sc,
			   const struct wire_retrieved_pod_data *rpd,
			   const struct tenant_id *tid,
			   const struct claims *claims, const char *dir,
			   struct buf *script, char *err, size_t errlen)
{
	const struct wire_pod *pod = &rpd->pod;
	/* hostPath: below its prefix, created as the job's user */
	const struct volumes_host host = {
		.claims = claims,
		.prefixes = (const char *const *)sc->conf.host_path_prefixes.v,
		.n_prefixes = sc->conf.host_path_prefixes.n,
		.as_user = tid->uid != geteuid() || tid->gid != getegid(),
		.uid = tid->uid,
		.gid = tid->gid,
	};
	size_t n = wire_pod_n_all_containers(pod);
	struct volumes vols = {0};
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
		r = volumes_prepare_host(rpd, dir, &host, &vols, err, errlen);
	if (r == 0)
		r = probes_write_initial(pod, sc->conf.enable_probes, dir);
	if (r == 0)
		r = jobscript_build(&sc->js, pod, dir, vols.mounts, script);
	if (r == 0)
		r = write_file(dir, "job.slurm", script, 0700);
	volumes_done(&vols);
	buf_done(&b);
	return r;
}

/* What the pod's containers ask for, as a whole. */
struct pod_totals {
	uint64_t cpu_milli;
	uint64_t mem_bytes;
	uint64_t gpus;
};

/*
 * Containers run in parallel, init ones alone: the sum over regular
 * containers or the largest init container, whichever is more.  Limits
 * count where set, else requests.
 */
static void pod_totals(const struct wire_pod *pod, struct pod_totals *t)
{
	struct pod_totals sum = {0}, init = {0};
	size_t n = wire_pod_n_all_containers(pod);

	for (size_t i = 0; i < n; i++) {
		bool is_init;
		const struct wire_container *ct =
			wire_pod_container_at(pod, i, &is_init);
		const struct wire_resources *l = &ct->limits, *q = &ct->requests;
		const char *cpu = l->cpu ? l->cpu : q->cpu;
		const char *mem = l->memory ? l->memory : q->memory;
		uint64_t c = 0, m = 0, g = 0, v;

		if (cpu && text_parse_cpu_milli(cpu, &c) < 0)
			c = 0;
		if (mem && text_parse_mem_bytes(mem, &m) < 0)
			m = 0;
		if (l->nvidia_gpu && text_parse_u64(l->nvidia_gpu, 1024, &v) == 0)
			g += v;
		if (l->amd_gpu && text_parse_u64(l->amd_gpu, 1024, &v) == 0)
			g += v;
		if (is_init) {
			init.cpu_milli = c > init.cpu_milli ? c : init.cpu_milli;
			init.mem_bytes = m > init.mem_bytes ? m : init.mem_bytes;
			init.gpus = g > init.gpus ? g : init.gpus;
		} else {
			sum.cpu_milli += c;
			sum.mem_bytes += m;
			sum.gpus += g;
		}
	}
	t->cpu_milli = sum.cpu_milli > init.cpu_milli ? sum.cpu_milli :
							 init.cpu_milli;
	t->mem_bytes = sum.mem_bytes > init.mem_bytes ? sum.mem_bytes :
							 init.mem_bytes;
	t->gpus = sum.gpus > init.gpus ? sum.gpus : init.gpus;
}

/*
 * CPUs, memory and GPUs of the job: the pod's own requests and limits win
 * over the flags (the flavor's with the annotation's laid over them), which
 * win over the flavor's defaults, which win over DefaultCPUs and
 * DefaultMemoryMB.
 */
static void pod_resources(struct sidecar *sc, const struct pod_totals *t,
			  const struct flavor *fv, struct ilk_job_spec *spec,
			  char *gres, size_t glen)
{
	const struct sbatch_flags *fl = &fv->flags;

	if (t->cpu_milli)
		spec->cpus = (uint32_t)((t->cpu_milli + 999) / 1000);
	else if (fl->cpus_per_task)
		spec->cpus = fl->cpus_per_task;
	else
		spec->cpus = fv->cpu_default ? fv->cpu_default :
					       (uint32_t)sc->conf.default_cpus;
	if (t->mem_bytes)
		spec->mem_mb = (t->mem_bytes + 1048575) / 1048576;
	else if (fl->mem_mb || fl->mem_per_cpu_mb) {
		spec->mem_mb = fl->mem_mb;
		spec->mem_per_cpu_mb = fl->mem_per_cpu_mb;
	} else
		spec->mem_mb = fv->mem_default_mb ?
				       fv->mem_default_mb :
				       (uint64_t)sc->conf.default_memory_mb;
	if (fl->gres)
		spec->gres = fl->gres;
	else if (t->gpus) {
		snprintf(gres, glen, "gpu:%llu", (unsigned long long)t->gpus);
		spec->gres = gres;
	}
}

static int check_flags(const struct wire_pod *pod, char *err, size_t errlen)
{
	struct sbatch_flags fl;

	if (sbatch_flags_parse(wire_pod_annotation(pod, SBATCH_FLAGS_ANNOTATION),
			       &fl, err, errlen) < 0)
		return -1;
	sbatch_flags_done(&fl);
	return 0;
}

static int submit(struct sidecar *sc, const struct wire_pod *pod,
		  const struct tenant_id *tid, const char *dir,
		  const char *script, char *job_id, char *err, size_t errlen)
{
	char path_env[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	char home_env[PATH_MAX + 8], out[PATH_MAX];
	const char *env[] = {path_env, home_env, "LANG=C.UTF-8", NULL};
	struct ilk_job_spec spec = {.struct_size = sizeof(spec)};
	char tag[ILK_TAG_MAX], gres[32];
	struct sbatch_flags pod_flags;
	struct pod_totals totals;
	struct flavor fv;
	const struct sbatch_flags *fl = &fv.flags;
	int r;

	/* checked by sidecar_route_create: parses again without error */
	if (sbatch_flags_parse(wire_pod_annotation(pod, SBATCH_FLAGS_ANNOTATION),
			       &pod_flags, err, errlen) < 0)
		return ILK_ERR_INVALID;
	pod_totals(pod, &totals);
	if (flavors_select(sc->conf.raw, pod, totals.gpus, &fv, err,
			   errlen) < 0) {
		sbatch_flags_done(&pod_flags);
		return ILK_ERR_INTERNAL;
	}
	sbatch_flags_overlay(&fv.flags, &pod_flags);

	snprintf(home_env, sizeof(home_env), "HOME=%s", tid->home);
	snprintf(out, sizeof(out), "%s/job.out", dir);
	snprintf(tag, sizeof(tag), "%s%s", SIDECAR_TAG_PREFIX, pod->uid);
	spec.name = fl->job_name ? fl->job_name : pod->uid;
	spec.tag = tag;
	spec.script = script;
	spec.work_dir = dir;
	spec.stdout_path = out;
	spec.env = env;
	spec.uid = tid->uid;
	spec.gid = tid->gid;
	pod_resources(sc, &totals, &fv, &spec, gres, sizeof(gres));
	spec.partition = fl->partition ? fl->partition : sc->conf.partition;
	spec.time_limit_min = fl->time_limit_min;
	/* the site's namespace -> account mapping wins over the pod's */
	spec.account = tid->account[0] ? tid->account : fl->account;
	spec.qos = fl->qos;
	spec.reservation = fl->reservation;
	spec.constraint = fl->constraint;
	spec.gpus = fl->gpus;
	spec.nodes = fl->nodes;
	spec.ntasks = fl->ntasks;
	spec.exclusive = fl->exclusive;
	if (fv.name[0])
		log_info("pod %s: flavor '%s'", pod->uid, fv.name);
	sidecar_backend_lock(sc);
	r = sc->ops->submit(sc->bstate, &spec, job_id, err, errlen);
	sidecar_backend_unlock(sc);
	flavor_done(&fv);
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
		     const struct wire_retrieved_pod_data *rpd,
		     const struct tenant_id *tid, const struct claims *claims)
{
	const struct wire_pod *pod = &rpd->pod;
	struct pod_record rec = {0}, old = {0};
	char err[ERRLEN] = "";
	struct stat st;
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
	if (podstore_removing(sc->store, pod->uid))
		return httpd_reply_text(req, 409, "pod %s: the folder of its "
					"earlier instance is still being "
					"removed; try again", pod->uid);
	snprintf(rec.uid, sizeof(rec.uid), "%s", pod->uid);
	rec.run_uid = tid->uid;
	rec.run_gid = tid->gid;
	snprintf(rec.namespace, sizeof(rec.namespace), "%s", pod->namespace);
	snprintf(rec.name, sizeof(rec.name), "%s", pod->name);
	rec.created = time(NULL);
	rec.stop_grace = probes_stop_grace(pod, sc->conf.enable_probes);
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
	/* a fresh folder of our own: nobody else can write into it until
	 * the chown below; 0700: other users of the login node cannot read
	 * its secrets, env or logs (a leftover of an earlier try goes first) */
	if (r == 0 && lstat(rec.dir, &st) == 0 && S_ISDIR(st.st_mode))
		r = podstore_discard(sc->store, rec.dir); /* in the background */
	if (r == 0 && mkdir(rec.dir, 0700) < 0)
		r = -errno;
	/* the record first: a crash from here on leaves a record that
	 * start-up reconciles, never a job or a folder nobody knows */
	if (r == 0)
		r = podstore_put(sc->store, &rec);
	if (r == 0)
		r = write_pod_files(sc, rpd, tid, claims, rec.dir, &script, err,
				    sizeof(err));
	/* the pod's folder and files belong to the job's user */
	if (r == 0 && (tid->uid != getuid() || tid->gid != getgid()))
		r = fs_chown_r(rec.dir, tid->uid, tid->gid);
	if (r == -EINVAL && err[0]) {
		log_notice("pod %s/%s (%s): refused: %s", pod->namespace,
			   pod->name, pod->uid, err);
		rc = httpd_reply_text(req, 400, "bad pod: %s", err);
		goto fail;
	}
	if (r < 0) {
		log_error_errno(r, "pod %s: cannot prepare '%s': %s", pod->uid,
				rec.dir, err);
		rc = httpd_reply_text(req, r == -E2BIG ? 413 : 500,
				      "cannot prepare the pod's folder: %s",
				      err[0] ? err : strerror(-r));
		goto fail;
	}
	r = sc->ops->submit ? submit(sc, pod, tid, rec.dir, buf_str(&script),
				     rec.job_id, err, sizeof(err)) :
			      ILK_ERR_NOT_SUPPORTED;
	if (r != ILK_OK) {
		log_error("pod %s/%s (%s): submit failed: %s", pod->namespace,
			  pod->name, pod->uid, err);
		rc = httpd_reply_text(req, sidecar_http_code(r), "cannot submit the "
				      "pod's job: %s", err[0] ? err :
				      ilk_strerror(r));
		goto fail;
	}
	r = podstore_put(sc->store, &rec);
	if (r < 0) {
		/* never leave a job nobody tracks */
		log_error_errno(r, "pod %s: cannot record job %s, cancelling",
				pod->uid, rec.job_id);
		(void)sidecar_cancel_job(sc, &rec, err, sizeof(err));
		/* best effort: the job is reconciled at the next start */
		rc = httpd_reply_text(req, 500, "cannot record the pod: %s",
				      strerror(-r));
		goto fail;
	}
	log_notice("pod %s/%s (%s): submitted as job %s", pod->namespace,
		   pod->name, pod->uid, rec.job_id);
	/* no poll for it: until the next one sees it, it is PENDING */
	poller_note_submitted(sc->poller, rec.job_id);
	rc = reply_created(req, rec.uid, rec.job_id);
	buf_done(&script);
	pod_record_done(&rec);
	return rc;
fail:
	/* nothing of a failed create stays: record, folder, files */
	if (podstore_remove(sc->store, rec.uid) == -ENOENT)
		(void)podstore_discard(sc->store, rec.dir);
	buf_done(&script);
	pod_record_done(&rec);
	return rc;
}

int sidecar_route_create(void *ctx, struct httpd_request *req)
{
	struct sidecar *sc = ctx;
	struct wire_retrieved_pod_data rpd = {0};
	struct tenant_id tid;
	struct claims claims = {0};
	char err[ERRLEN];
	cJSON *j = sidecar_parse_body(req);
	int r, rc;

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
	if (sidecar_check_pod_identity(&rpd.pod, err, sizeof(err)) < 0 ||
	    jobscript_validate(&rpd.pod, err, sizeof(err)) < 0 ||
	    probes_validate(&rpd.pod, sc->conf.enable_probes, err,
			    sizeof(err)) < 0 ||
	    check_flags(&rpd.pod, err, sizeof(err)) < 0) {
		rc = httpd_reply_text(req, 400, "bad pod: %s", err);
		goto out;
	}
	if (policy_check(&sc->conf, &rpd.pod, &tid, err, sizeof(err)) < 0) {
		log_notice("pod %s/%s (%s): forbidden: %s", rpd.pod.namespace,
			   rpd.pod.name, rpd.pod.uid, err);
		rc = httpd_reply_text(req, 403, "forbidden: %s", err);
		goto out;
	}
	r = claims_resolve(&sc->conf, &rpd, &tid, &claims, err, sizeof(err));
	if (r < 0) {
		log_notice("pod %s/%s (%s): %s", rpd.pod.namespace,
			   rpd.pod.name, rpd.pod.uid, err);
		rc = r == -EPERM ? httpd_reply_text(req, 403, "forbidden: %s",
						    err) :
		     r == -EINVAL ? httpd_reply_text(req, 400, "bad pod: %s",
						     err) :
				    httpd_reply_text(req, 500, "%s", err);
		goto out;
	}
	pthread_mutex_lock(sidecar_create_lock(sc, rpd.pod.uid));
	rc = do_create(sc, req, &rpd, &tid, &claims);
	pthread_mutex_unlock(sidecar_create_lock(sc, rpd.pod.uid));
out:
	claims_done(&claims);
	wire_retrieved_pod_data_done(&rpd);
	cJSON_Delete(j);
	return rc;
}

