/*
 * backends/drmaa/drmaa_table.h - the DRMAA backend's own job table.
 *
 * DRMAA cannot list jobs, so the backend remembers the ones it submitted
 * (and any it was asked about): poll walks this table.  Optionally the
 * table is kept in a file ("ID TAG ACCT-OFFSET" lines, rewritten whole
 * through a temp file and rename) so it survives a restart.  No locking
 * here: the caller holds its lock.
 */
#ifndef ILK_DRMAA_TABLE_H
#define ILK_DRMAA_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "ilk_plugin.h"

#define DRMAA_TABLE_MAX 100000
#define DRMAA_DONE_KEEP_SEC 3600 /* finished jobs stay this long */

struct drmaa_job {
	char id[ILK_JOB_ID_MAX];
	char tag[ILK_TAG_MAX];
	int phase;      /* enum ilk_job_phase */
	int exit_code;  /* -1 until known */
	int exit_known;
	int64_t submit_time, start_time, end_time;
	char state[ILK_STATE_MAX];
	char reason[ILK_REASON_MAX];
	off_t acct_from; /* accounting file size when submitted */
	time_t gone_at;  /* when DRMAA stopped knowing it; 0 while known */
};

struct drmaa_table {
	struct drmaa_job *v;
	size_t n, cap;
};

struct drmaa_job *drmaa_table_find(struct drmaa_table *t, const char *id);

/* A new PENDING entry at the end; NULL when full or out of memory. */
struct drmaa_job *drmaa_table_add(struct drmaa_table *t, const char *id,
				  const char *tag);

/* Drop the last entry (the one just added). */
void drmaa_table_pop(struct drmaa_table *t);

/* Drop jobs finished more than DRMAA_DONE_KEEP_SEC ago. */
void drmaa_table_prune(struct drmaa_table *t, time_t now);

/* Write the unfinished jobs to path; 0 or -errno. */
int drmaa_table_save(const struct drmaa_table *t, const char *path);

/* Add the jobs of the file at path (state UNKNOWN); how many, or -errno
 * (-ENOENT when there is no file). */
int drmaa_table_load(struct drmaa_table *t, const char *path);

void drmaa_table_free(struct drmaa_table *t);

#endif
