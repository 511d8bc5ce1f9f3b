/*
 * common/daemon.h - the start and end of both daemons' lives: the common
 * command line (-c FILE, -t, -T, -v, -h, -V), signals, and waiting for
 * SIGTERM/SIGINT.
 */
#ifndef COMMON_DAEMON_H
#define COMMON_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "conf.h"

struct daemon_args {
	const char *config; /* -c FILE, NULL for the default */
	bool check;         /* -t: check the configuration and exit */
	bool print;         /* -T: print the effective configuration */
	bool verbose;       /* -v */
};

/*
 * Parse argv.  Returns -1 to go on, or the exit status to end with (after
 * -h or -V, or 2 after a usage error).  usage prints the daemon's help.
 */
int daemon_parse_args(int argc, char **argv, const char *name,
		      const char *version, void (*usage)(FILE *),
		      struct daemon_args *ret);

/*
 * Block SIGTERM and SIGINT in every thread started from now on (only
 * daemon_wait sees them) and ignore SIGPIPE.
 */
void daemon_signals(sigset_t *ret);

/*
 * After the configuration loaded: with -t say so, with -T print it (table
 * and obj as for conf_print).  Returns true when the daemon should now exit
 * (with status 0).
 */
bool daemon_config_only(const struct daemon_args *a,
			const struct conf_key *table, const void *obj);

/* Wait for SIGTERM or SIGINT; returns the signal. */
int daemon_wait(const sigset_t *sigs);

#endif /* COMMON_DAEMON_H */
