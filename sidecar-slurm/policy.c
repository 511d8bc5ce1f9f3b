/* sidecar-slurm/policy.c - see policy.h */
#include "policy.h"

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "tunnels.h"

static bool under_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return true;
	return strncmp(path, prefix, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static int check_host_paths(const struct sconf *c, const struct wire_pod *pod,
			    char *err, size_t errlen)
{
	const struct conf_strlist *allowed = &c->host_path_prefixes;

	for (size_t i = 0; i < pod->n_volumes; i++) {
		const struct wire_volume *v = &pod->volumes[i];
		bool ok = false;

		if (v->kind != WIRE_VOL_HOSTPATH)
			continue;
		for (size_t j = 0; !ok && v->source && j < allowed->n; j++)
			ok = allowed->v[j][0] == '/' &&
			     under_prefix(v->source, allowed->v[j]);
		if (!ok) {
			snprintf(err, errlen, "volume '%s': hostPath '%.200s' "
				 "is not under the sidecar's HostPathPrefixes",
				 v->name, v->source ? v->source : "");
			return -1;
		}
	}
	return 0;
}

static int check_raw_shell(const struct sconf *c, const struct wire_pod *pod,
			   char *err, size_t errlen)
{
	static const char *const raw[] = {ANNOTATION_PRE_EXEC,
					  ANNOTATION_RUNTIME_OPTIONS,
					  ANNOTATION_RUNTIME_MOUNTS};
	bool pre_exec_checked;

	if (tunnels_check(c->allow_tunnel, c->allow_raw_shell, pod,
			  &pre_exec_checked, err, errlen) < 0)
		return -1;
	for (size_t i = pre_exec_checked ? 1 : 0;
	     i < sizeof(raw) / sizeof(raw[0]); i++) {
		const char *v = wire_pod_annotation(pod, raw[i]);

		/* runtime words must stay on the container's one line */
		if (c->allow_raw_shell && v && i > 0 && !text_is_printable(v)) {
			snprintf(err, errlen, "annotation %s must be one line",
				 raw[i]);
			return -1;
		}
		if (!c->allow_raw_shell && v && *v) {
			snprintf(err, errlen, "annotation %s runs raw shell "
				 "commands and is disabled on this cluster "
				 "(AllowRawShellAnnotations)", raw[i]);
			return -1;
		}
	}
	return 0;
}

int policy_check(const struct sconf *c, const struct wire_pod *pod,
		 struct tenant_id *ret, char *err, size_t errlen)
{
	if (check_host_paths(c, pod, err, errlen) < 0 ||
	    check_raw_shell(c, pod, err, errlen) < 0)
		return -1;
	if (tenancy_resolve(c->raw, pod->namespace, pod->has_run_as_user,
			    pod->run_as_user, ret, err, errlen) < 0)
		return -1;
	/* a root sidecar without a Tenants entry would run the pod as root */
	if (!ret->mapped && ret->uid == 0 && !c->allow_root_jobs) {
		snprintf(err, errlen, "the sidecar runs as root and namespace "
			 "'%s' has no Tenants entry naming the Unix user its "
			 "jobs run as (AllowRootJobs: true allows root jobs "
			 "on a single-user test set-up)", pod->namespace);
		return -1;
	}
	return 0;
}
