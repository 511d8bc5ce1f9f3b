/*
 * sidecar-slurm/volumes.h - a pod's volumes: their files in the pod's
 * folder and the binds of each container.
 *
 * Folder layout (upstream's, so operators' habits carry over), below the
 * pod's folder <dir>:
 *   configMaps/<volume>/<path>            configMap volumes
 *   secrets/<volume>/<path>               secret volumes (decoded bytes)
 *   projectedVolumeMaps/<volume>/<path>   projected and downwardAPI volumes
 *   emptyDirs/<volume>/                   emptyDir, shared by the containers
 * A volumeMount binds the volume's whole directory at its mountPath (so
 * every key and `items` rename shows), or with subPath the one file or
 * directory it names.  hostPath volumes bind the host path itself.
 *
 * Rules:
 *   - configMap and secret volumes take their object from the request's
 *     per-container lists by metadata.name (configMap.name,
 *     secret.secretName); projected and downwardAPI volumes the projected
 *     map named after the volume (the VK resolved its sources and items,
 *     its keys are file paths).  A missing configMap/secret is a 400 unless
 *     the volume is optional (then the volume is empty); a missing
 *     projected map (VK's DisableProjectedVolumes) gives an empty volume
 *     and a warning.
 *   - items: only the keys listed, each at its path; a listed key that is
 *     absent is a 400 unless optional.  Keys must be file names, paths
 *     relative without "..".
 *   - modes: the item's mode, else defaultMode, else 0644.  Secret and
 *     projected files (tokens, secret projections) never keep group or
 *     other bits (0644 becomes 0600, 0440 becomes 0400), and their
 *     directories are 0700: on a shared file system nobody but the job's
 *     user can read them.  Modes must be within 0..0777.
 *   - configMap, secret, projected and downwardAPI volumes are always bound
 *     read-only (as Kubernetes does); emptyDir and hostPath honour readOnly.
 *   - hostPath: absolute, no ".." components; type "" needs the path to
 *     exist, Directory / File / Socket / CharDevice / BlockDevice need that
 *     kind of file, DirectoryOrCreate (mkdir -p, 0755) and FileOrCreate
 *     (empty 0644 file, parent must exist) create it on the sidecar's host.
 *     The path is resolved below the HostPathPrefixes entry it is under
 *     (opened as the operator wrote it), never through a symlink or "..",
 *     and whatever is created is created with the job user's fsuid/fsgid,
 *     so the kernel applies that user's permissions.
 *   - persistentVolumeClaim: the site folder claims.h resolved, bound
 *     read-only when the claim's readOnly or the mount's says so; a claim
 *     without a folder is a 400 naming it.
 *   - a volume without a type is an emptyDir (the API server's default);
 *     any other type (nfs, csi, ...) is a 400 naming the volume, whether
 *     mounted or not.
 *   - a volumeMount naming no volume, a mountPath that is not absolute or
 *     holds "..", ':' or ',', two mounts at one path, a subPath that is not
 *     a relative path inside the volume: 400.
 * Files are written with fs_write_atomic, directories are created without
 * ever following a symlink, and one pod's volume files are bounded by
 * VOLUMES_MAX_BYTES / VOLUMES_MAX_FILES.
 */
#ifndef SIDECAR_VOLUMES_H
#define SIDECAR_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "jobscript.h"
#include "wire.h"

#define VOLUMES_MAX_BYTES (64u << 20) /* content of all files of a pod */
#define VOLUMES_MAX_FILES 8192u       /* files of all volumes of a pod */

/* The binds of a pod's containers. */
struct volumes {
	struct jobscript_mounts *mounts; /* one per container, run order */
	size_t n;                        /* wire_pod_n_all_containers() */
};

/* Where hostPath volumes may be and who creates them (optional). */
struct claims;
struct volumes_host {
	/* the folders of the pod's persistentVolumeClaim volumes (claims.h;
	 * NULL: none, and such a volume is a 400): bound as they are,
	 * read-only when the claim or the mount says readOnly */
	const struct claims *claims;
	const char *const *prefixes; /* HostPathPrefixes; none: "/" */
	size_t n_prefixes;
	bool as_user; /* create with this fsuid/fsgid */
	uid_t uid;
	gid_t gid;
};

/* volumes_prepare with the site's hostPath and claim rules (host may be
 * NULL). */
int volumes_prepare_host(const struct wire_retrieved_pod_data *rpd,
			 const char *dir, const struct volumes_host *host,
			 struct volumes *ret, char *err, size_t errlen);

/*
 * Write the files of every mounted volume of rpd's pod below dir (the
 * pod's folder, which must exist) and fill *ret with each container's
 * binds (parents before the paths below them).  Stale configMaps/,
 * secrets/ and projectedVolumeMaps/ folders in dir are removed first.
 * Returns 0, or with a message for the user in err (errlen >= 1):
 *   -EINVAL  the pod is at fault (a 400);
 *   -E2BIG   the files exceed the bounds (a 413);
 *   another negative errno: the sidecar could not do it (a 500).
 * On failure *ret is empty; files already written stay (the caller
 * removes the folder).
 */
int volumes_prepare(const struct wire_retrieved_pod_data *rpd,
		    const char *dir, struct volumes *ret, char *err,
		    size_t errlen);

/* Release what volumes_prepare filled; safe on a zeroed struct. */
void volumes_done(struct volumes *v);

/*
 * A path a container can bind at: absolute, not "/", components that are
 * file names (no ".", "..", empty), printable, no ':' or ',' (the bind
 * syntax), at most 1024 bytes; trailing slashes are allowed.
 */
bool volumes_mount_path_ok(const char *path);

#endif /* SIDECAR_VOLUMES_H */
