/*
 * sidecar-slurm/claims.h - PersistentVolumeClaims as folders the site
 * already shares with its compute nodes (Lustre, GPFS, NFS).
 *
 *   VolumeClaims:      # "namespace/claim", or namespace + "/" + "*" -> folder
 *     team-a/results: /lustre/projects/team-a/results
 *     "team-b/" "*": /gpfs/b/{claim}  # (one key: team-b, slash, star)
 *   VolumeClaimPattern: /lustre/projects/{namespace}/{claim}  # any namespace
 *   VolumeClaimPrefixes: [/lustre/projects, /gpfs/b]          # required
 *   VolumeClaimPVSources: [hostPath, nfs]  # use a bound PV's source
 *   VolumeClaimNFSMounts: {"nfs1:/export/projects": /mnt/projects}
 *
 * A pod volume persistentVolumeClaim {claimName, readOnly} resolves, in
 * this order, through VolumeClaims["<ns>/<claim>"], the <ns> wildcard key,
 * VolumeClaimPattern, and (when VolumeClaimPVSources allows it) the
 * hostPath or NFS source of the PersistentVolume the request's PVC object
 * is bound to (spec.volumeName; NFS server:path through
 * VolumeClaimNFSMounts to where the login and compute nodes mount it).
 * {namespace} and {claim} are replaced by the pod's namespace and the
 * claim name (a DNS subdomain, so neither can carry '/' or "..").
 *
 * The folder must:
 *   - be an absolute, normalised path (no ".", "..", "//", ':' or ','),
 *     equal to or below one of VolumeClaimPrefixes;
 *   - exist: it is opened from the prefix one component at a time with
 *     openat(O_PATH | O_NOFOLLOW | O_DIRECTORY), so no symlink below the
 *     prefix is ever followed (the prefix itself is the site's);
 *   - be searchable by the tenant at every level below the prefix, and
 *     readable and writable (readable only, for readOnly claims) by the
 *     tenant (owner, group incl. supplementary groups, or other bits;
 *     ACLs are not consulted);
 * and it is never created, chowned or chmod-ed.  A subPath of a claim
 * mount is resolved the same way below the claim's folder and must exist.
 * An unmapped claim is a 400 naming it; a folder outside the prefixes,
 * behind a symlink or without the tenant's access is a 403.
 */
#ifndef SIDECAR_CLAIMS_H
#define SIDECAR_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "sconf.h"
#include "tenancy.h"
#include "wire.h"

/* Per pod volume: the folder of a persistentVolumeClaim volume, else NULL. */
struct claims {
	char **dir;
	size_t n;
};

/*
 * Resolve and check every persistentVolumeClaim volume of rpd's pod for
 * the tenant tid.  Returns 0, -EINVAL (a 400) or -EPERM (a 403) with the
 * reason in err, or another negative errno.
 */
int claims_resolve(const struct sconf *c,
		   const struct wire_retrieved_pod_data *rpd,
		   const struct tenant_id *tid, struct claims *ret, char *err,
		   size_t errlen);

void claims_done(struct claims *cl);

/* Check the claim keys of the configuration at start-up. */
int claims_check_conf(const struct sconf *c, char *err, size_t errlen);

#endif /* SIDECAR_CLAIMS_H */
