/*
 * common/procmetrics.h - the process_* metrics of Prometheus' client
 * conventions (CPU seconds, resident memory, open descriptors, start
 * time) and a build-info gauge, appended to a /metrics text by both
 * daemons.
 */
#ifndef COMMON_PROCMETRICS_H
#define COMMON_PROCMETRICS_H

#include <stdint.h>

#include "buf.h"

/* The process' start (Unix seconds), read once at start-up. */
int64_t procmetrics_start_time(void);
/*
 * Append process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds, process_start_time_seconds (start, as returned by
 * procmetrics_start_time) and PREFIX_build_info{version="..."} 1.
 * Returns 0 or -1 (the buffer is full).
 */
int procmetrics_render(struct buf *out, const char *prefix,
		       const char *version, int64_t start);

#endif /* COMMON_PROCMETRICS_H */
