/*
 * common/daemon.h - the start and end of both daemons' lives: the common
 * command line (-c FILE, -t, -T, -v, -h, -V), signals, and the main loop
 * once the listeners accept: SIGHUP reloads, SIGTERM/SIGINT end it, and
 * systemd hears about each (common/sdnotify.c).
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
 * Block SIGTERM, SIGINT and SIGHUP in every thread started from now on
 * (only daemon_run sees them) and ignore SIGPIPE.
 */
void daemon_signals(sigset_t *ret);

/*
 * After the configuration loaded: with -t say so, with -T print it (table
 * and obj as for conf_print).  Returns true when the daemon should now exit
 * (with status 0).
 */
bool daemon_config_only(const struct daemon_args *a,
			const struct conf_key *table, const void *obj);

struct daemon_hooks {
	void *ctx;
	/* SIGHUP: re-read what can be re-read.  NULL: SIGHUP only logged. */
	void (*reload)(void *ctx);
	/* The STATUS= text for systemd ("3 pods, 1 running").  May be NULL. */
	void (*status)(void *ctx, char *buf, size_t len);
};

/*
 * The main loop, to call once the listeners accept.  With NOTIFY_SOCKET
 * set: READY=1 and STATUS= now, STATUS= again when it changes (looked at
 * every few seconds), WATCHDOG=1 every half of WATCHDOG_USEC, RELOADING=1
 * ... READY=1 around a reload, STOPPING=1 at the end.  Returns at SIGTERM
 * or SIGINT with the signal.  hooks may be NULL.
 */
int daemon_run(const sigset_t *sigs, const struct daemon_hooks *hooks);

/* daemon_run without hooks. */
int daemon_wait(const sigset_t *sigs);

#endif /* COMMON_DAEMON_H */
