/*
 * backends/drmaa/drmaa_acct.h - what the scheduler remembers: Grid
 * Engine's accounting file (accounting(5)) for the exit status of a job
 * DRMAA no longer knows, and qhost's table for the capacity.  Plain text
 * parsing, no DRMAA calls; unit-tested.
 */
#ifndef ILK_DRMAA_ACCT_H
#define ILK_DRMAA_ACCT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ilk_plugin.h"

struct drmaa_acct {
	int exit_status;  /* as the accounting file says */
	int failed;       /* Grid Engine's "failed" code, 0: none */
	int64_t submit_time, start_time, end_time;
	char owner[64];
};

/*
 * Parse one accounting line; 0 and *ret filled when it is job_id's
 * record, 1 when it is another job's, -1 when it is not a record.
 */
int drmaa_acct_parse_line(const char *line, const char *job_id,
			  struct drmaa_acct *ret);

/*
 * The last record of job_id in the file at path from byte offset from on,
 * reading at most max_bytes.  0 found, 1 not found, -errno.
 */
int drmaa_acct_find(const char *path, off_t from, size_t max_bytes,
		    const char *job_id, struct drmaa_acct *ret);

/* The size of the file at path, 0 when it does not exist. */
off_t drmaa_acct_size(const char *path);

/*
 * Sum qhost's plain output (HOSTNAME ARCH NCPU ... MEMTOT ...) into cap:
 * cpus and memory_mb.  0, or -1 when no host line was found.
 */
int drmaa_qhost_parse(const char *text, struct ilk_capacity *cap);

#endif
