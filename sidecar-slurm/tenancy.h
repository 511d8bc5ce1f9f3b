/*
 * sidecar-slurm/tenancy.h - who a pod's job runs as.
 *
 * The optional `Tenants` map of SlurmConfig.yaml maps a Kubernetes
 * namespace to a Unix user and group, an optional Slurm account, and the
 * user ids a pod of that namespace may ask for with runAsUser:
 *
 *   Tenants:
 *     team-a: {User: alice, Group: hpc, Account: proj-a, AllowedUIDs: [1001]}
 *
 * Without the map every job runs as the sidecar's own user (runAsUser is
 * then ignored; policy.c refuses that for a root sidecar unless
 * AllowRootJobs: true).  With it, a namespace that is not listed is refused, a
 * runAsUser outside {User, AllowedUIDs} is refused, and uid 0 is refused
 * unless the entry says AllowRoot: true.
 */
#ifndef SIDECAR_TENANCY_H
#define SIDECAR_TENANCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct tenant_id {
	uid_t uid;
	gid_t gid;
	char account[128]; /* "" when none */
	char home[256];
	bool mapped;       /* from the Tenants map (not the sidecar's user) */
};

/*
 * Check the Tenants map of the raw configuration (strings mode) at start-
 * up: every user and group must exist.  0, or -1 with the reason in err.
 */
int tenancy_check(const cJSON *raw, char *err, size_t errlen);

/*
 * Resolve namespace ns and the pod's runAsUser (has_run_as false when
 * unset).  Returns 0, or -1 with a message for the user in err (the
 * request is then forbidden: 403).
 */
int tenancy_resolve(const cJSON *raw, const char *ns, bool has_run_as,
		    int64_t run_as, struct tenant_id *ret, char *err,
		    size_t errlen);

#endif /* SIDECAR_TENANCY_H */
