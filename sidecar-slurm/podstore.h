/*
 * sidecar-slurm/podstore.h - the pods this sidecar runs: an in-memory
 * table keyed by pod UID, persisted as one record per pod in the
 * root-owned StateDirectory (<StateDirectory>/pods/<uid>.json), which no
 * tenant can write, so a restart loses nothing and trusts nothing a tenant
 * wrote.  Every change of a record goes first to a write-ahead log
 * (<StateDirectory>/pods/.journal, journal.c: durable when the call
 * returns, one fdatasync shared by concurrent changes), then to its record
 * file without fsync; podstore_open brings the files up to the journal
 * (a crash may have lost a file write, never a journal entry) and empties
 * it, and so does a compaction (one syncfs) once it passes 4 MB, and
 * podstore_close.  The pod's folder (<DataRootFolder>/<folder>, see podstore_dir)
 * gets upstream's JobID.jid, PodUID.uid and PodNamespace.ns as copies for
 * operators; they are never read back.
 *
 * Removing a pod is asynchronous: podstore_remove() records the removal
 * and hands the folder to the store's own remover thread, so a huge or
 * hostile tree never stalls the caller (the status poller).
 *
 * Records of the layout before StateDirectory (pod.json in the pod's
 * folder) are not trusted: podstore_open() lists them as legacy records,
 * which the sidecar checks against the batch system and then either
 * migrates (podstore_migrate) or leaves.
 *
 * Thread-safe; lookups hand out copies; no lock is held during file I/O.
 */
#ifndef SIDECAR_PODSTORE_H
#define SIDECAR_PODSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ilk_plugin.h"

struct podstore;

struct pod_record {
	char uid[65];
	char namespace[64];
	char name[254];
	char dir[4096];
	char job_id[ILK_JOB_ID_MAX]; /* "" until submitted */
	/* the Unix user and group the job runs as; -1 when not known (a
	 * record of the old layout before its job was checked) */
	int64_t run_uid, run_gid;
	char **init_names;
	size_t n_init;
	char **names; /* regular containers */
	size_t n_names;
	int64_t created;
	bool deleting;
	int64_t deleted_at; /* when deleting was set */
	/* > 0: a delete first asks the job to stop by itself (preStop hooks)
	 * and cancels it only this many seconds later; 0: at once */
	int stop_grace;
	/* the job's last state once it ended (answers after a purge) */
	bool has_final;
	struct ilk_job_info final;
};

/*
 * Open the store: pod folders under data_root, records under state_dir
 * (created 0700 when missing; refused when it is not owned by this
 * process's user or is writable by group or others).  DataRootFolder is
 * refused when it, or a folder above it, is owned by anyone but root or
 * this process's user, or when it is writable by group or others (sticky
 * bit or not; above it, a sticky folder is fine).  Loads every record,
 * resumes pending folder removals, and lists old-layout records (see
 * podstore_take_legacy).
 */
struct podstore *podstore_open(const char *data_root, const char *state_dir,
			       char *err, size_t errlen);
void podstore_close(struct podstore *ps);

/*
 * Hand the folder dir (<DataRootFolder>/<name>, no record of it) to the
 * remover: renamed at once to a hidden trash name, so dir is free again,
 * then removed in the background (and at the next start, if need be).
 */
int podstore_discard(struct podstore *ps, const char *dir);

/*
 * The folder of a pod; writes into out (PATH_MAX).  Upstream's
 * "<namespace>-<uid>" when uid is a canonical UUID (as Kubernetes makes
 * them: the last 36 characters are the UUID, so no two pods share a name),
 * else "<namespace>_<uid>" ('_' is in neither a namespace nor a UID).
 */
int podstore_dir(const struct podstore *ps, const char *ns, const char *uid,
		 char *out, size_t outlen);

/*
 * The old-layout records found by podstore_open (moved to the caller:
 * free with podstore_free_list).  Their run_uid/run_gid are -1.
 */
int podstore_take_legacy(struct podstore *ps, struct pod_record **ret,
			 size_t *ret_n);
/* Store a checked legacy record in the state tree (podstore_put) and
 * remove its pod.json from the pod's folder. */
int podstore_migrate(struct podstore *ps, const struct pod_record *rec);

/* Is uid's folder still being removed (a create must wait)? */
bool podstore_removing(struct podstore *ps, const char *uid);

/*
 * Persist rec (its record, durably; the upstream files in its folder when
 * that exists, without fsync and only those whose text changed) and insert
 * or replace it in the table.  Returns 0 or a negative errno.
 */
int podstore_put(struct podstore *ps, const struct pod_record *rec);

/* Copy the record of uid into *ret (free with pod_record_done); -ENOENT. */
int podstore_get(struct podstore *ps, const char *uid,
		 struct pod_record *ret);

/* Mark uid as being deleted (persisted). -ENOENT when unknown. */
int podstore_mark_deleting(struct podstore *ps, const char *uid);
/* Record the final state of uid's job (persisted; replaced only while
 * its exit code is still unknown). */
int podstore_set_final(struct podstore *ps, const char *uid,
		       const struct ilk_job_info *info);
/* uid's job job_id turned out not to be its job: forget the id and let
 * the pod read as terminated ("LOST", reason). */
int podstore_forget_job(struct podstore *ps, const char *uid,
			const char *job_id, const char *reason);
/* Forget uid: the removal is recorded, the folder removed in the
 * background, the record deleted once the folder is gone. */
int podstore_remove(struct podstore *ps, const char *uid);

/*
 * Is any pod's job still to be watched: submitted and not known to have
 * ended (or ended without a known exit code), or being deleted?
 */
bool podstore_has_live(struct podstore *ps);

/* Copies of every record (free with podstore_free_list). */
int podstore_list(struct podstore *ps, struct pod_record **ret,
		  size_t *ret_n);
void podstore_free_list(struct pod_record *v, size_t n);

/* Deep copy and release of one record. */
int pod_record_copy(struct pod_record *dst, const struct pod_record *src);
void pod_record_done(struct pod_record *r);

#endif /* SIDECAR_PODSTORE_H */
