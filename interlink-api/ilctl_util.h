/*
 * interlink-api/ilctl_util.h - small helpers of the ilctl client: random
 * numbers, UUIDs, bounded reads and durations.  No global state.
 */
#ifndef ILCTL_UTIL_H
#define ILCTL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of a canonical UUID plus its NUL. */
#define ILCTL_UUID_SIZE 37

/* Fill buf with n bytes from /dev/urandom.  0 or a negative errno. */
int ilctl_random_bytes(void *buf, size_t n);

/* A uniformly random number in [0, bound), bound > 0.  0 or -errno. */
int ilctl_random_below(uint32_t bound, uint32_t *ret);

/* A random lowercase RFC 4122 version 4 UUID ("8-4-4-4-12").  0 or -errno. */
int ilctl_uuid4(char out[ILCTL_UUID_SIZE]);

/*
 * Read fd to its end into a new NUL-terminated buffer of at most max bytes
 * (*ret, caller frees; *ret_len may be NULL).  Works on pipes.  Returns 0,
 * -E2BIG when the data is larger than max, -ENOMEM or a read errno.
 */
int ilctl_read_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* ilctl_read_fd on a file opened read-only (symlinks followed). */
int ilctl_read_file(const char *path, size_t max, char **ret,
		    size_t *ret_len);

/*
 * A duration as kubectl takes it: one or more <digits><unit> groups with
 * unit s, m or h ("10s", "5m", "1h30m").  Seconds into *ret; 0 or -EINVAL.
 */
int ilctl_parse_duration(const char *s, int64_t *ret);

/*
 * strerror for the single-threaded ilctl: the text of errno value e (>0),
 * valid until the next call.
 */
const char *ilctl_strerror(int e);

/*
 * Print nrows rows of ncols cells (row-major; the first row is the
 * header) to f, each column padded to its widest cell, two spaces apart.
 * Cells are printed as given: sanitise network text first.
 */
void ilctl_print_table(FILE *f, const char *const *cells, size_t nrows,
		       size_t ncols);

/* A printable, single-line copy of s (control characters become '?'),
 * or NULL on OOM.  Caller frees. */
char *ilctl_printable(const char *s);

#endif /* ILCTL_UTIL_H */
