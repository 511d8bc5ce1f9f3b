/*
 * sidecar-slurm/ownership.c - is a batch job this pod's?  (see sidecar.h)
 *
 * A job id alone proves nothing: records of the old layout were written
 * where the tenant could rewrite them, and Slurm reuses job ids once its
 * state is reset.  A job is a pod's when its tag (Slurm: the comment) is
 * exactly "interlink-pod=<uid>" and its Unix user is the pod's: the user
 * its record says the job was submitted as, or, for a record that does
 * not know (the old layout), a user its namespace maps to.
 */
#include "sidecar.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tenancy.h"

bool sidecar_tag_is(const char *tag, const char *uid)
{
	size_t n = strlen(SIDECAR_TAG_PREFIX);

	return strncmp(tag, SIDECAR_TAG_PREFIX, n) == 0 &&
	       strcmp(tag + n, uid) == 0;
}

bool sidecar_user_of_ns(struct sidecar *sc, const char *ns, int64_t user)
{
	struct tenant_id tid;
	char err[256];

	if (user < 0 || user > (int64_t)UINT32_MAX - 1)
		return false;
	if (tenancy_resolve(sc->conf.raw, ns, true, user, &tid, err,
			    sizeof(err)) < 0)
		return false;
	return (int64_t)tid.uid == user;
}

bool sidecar_user_of_any_ns(struct sidecar *sc, int64_t user)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(sc->conf.raw,
							  "Tenants");
	const cJSON *e;

	if (!cJSON_IsObject(t) || !cJSON_GetArraySize(t))
		return user == (int64_t)geteuid();
	cJSON_ArrayForEach(e, t)
	{
		if (e->string && sidecar_user_of_ns(sc, e->string, user))
			return true;
	}
	return false;
}

int sidecar_job_owned(struct sidecar *sc, const struct pod_record *rec,
		      const struct ilk_job_info *info, char *why,
		      size_t whylen)
{
	bool user_ok;

	if (!sidecar_tag_is(info->tag, rec->uid)) {
		snprintf(why, whylen, "its comment is '%.80s', not '%s%s'",
			 info->tag, SIDECAR_TAG_PREFIX, rec->uid);
		return -1;
	}
	if (info->user_id < 0)
		return 0; /* a backend that does not report users: the tag */
	user_ok = rec->run_uid >= 0 ?
			  info->user_id == rec->run_uid :
			  sidecar_user_of_ns(sc, rec->namespace, info->user_id);
	if (!user_ok) {
		if (rec->run_uid >= 0)
			snprintf(why, whylen, "it runs as uid %lld, the pod as "
				 "uid %lld", (long long)info->user_id,
				 (long long)rec->run_uid);
		else
			snprintf(why, whylen, "it runs as uid %lld, which "
				 "namespace %s does not map to",
				 (long long)info->user_id, rec->namespace);
		return -1;
	}
	return 0;
}

int sidecar_check_job(struct sidecar *sc, const struct pod_record *rec,
		      const char *what, char *err, size_t errlen)
{
	struct ilk_job_info info = {.struct_size = sizeof(info)}, got;
	char why[256];
	int r;

	if (!sc->ops->query)
		return ILK_OK; /* nothing to check with: the backend's word */
	sidecar_backend_lock(sc);
	r = sc->ops->query(sc->bstate, rec->job_id, &info, err, errlen);
	sidecar_backend_unlock(sc);
	if (r != ILK_OK)
		return r;
	ilk_job_info_copy(&got, &info);
	if (sidecar_job_owned(sc, rec, &got, why, sizeof(why)) == 0)
		return ILK_OK;
	log_warn("pod %s/%s (%s): refusing to %s job %s: it is not this "
		 "pod's job (%s); the pod's job is lost", rec->namespace,
		 rec->name, rec->uid, what, rec->job_id, why);
	snprintf(err, errlen, "job %s is not this pod's job (%s)", rec->job_id,
		 why);
	(void)podstore_forget_job(sc->store, rec->uid, rec->job_id, err);
	return ILK_ERR_REJECTED;
}
