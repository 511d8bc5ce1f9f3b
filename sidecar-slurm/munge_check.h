/*
 * sidecar-slurm/munge_check.h - is munged usable?
 *
 * libslurm authenticates every RPC with a munge credential from the local
 * munged.  When munged is down, every Slurm call fails with a generic
 * "Protocol authentication error"; this check names the real cause.
 * munge_check.c is the only file that includes <munge.h>.
 */
#ifndef SIDECAR_SLURM_MUNGE_CHECK_H
#define SIDECAR_SLURM_MUNGE_CHECK_H

#include <stddef.h>

/*
 * munge_check - encode one empty credential through munged.
 *
 * socket: path of munged's socket, borrowed; NULL or "" means libmunge's
 * compiled-in default (/run/munge/munge.socket.2 on Debian).
 *
 * Returns 0 when munged answered, or -1 with err (errlen bytes, always
 * NUL terminated) set to "munged unreachable: <libmunge's text>", which
 * names the socket.  Thread-safe: each call uses its own munge context.
 * Takes about a millisecond.
 */
int munge_check(const char *socket, char *err, size_t errlen);

#endif /* SIDECAR_SLURM_MUNGE_CHECK_H */
