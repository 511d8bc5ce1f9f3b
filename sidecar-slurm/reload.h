/*
 * sidecar-slurm/reload.h - SIGHUP and systemd's STATUS= line for the
 * sidecar (hooks of common/daemon.c's daemon_run).
 *
 * A reload re-reads the configuration file: the log levels take effect at
 * once; every other key that changed is logged as needing a restart; a
 * file that does not load keeps the running configuration.
 */
#ifndef SIDECAR_RELOAD_H
#define SIDECAR_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "sidecar.h"

struct sidecar_reload {
	struct sidecar *sc;
	const char *path; /* as given to sconf_load (NULL: its default) */
	bool verbose;     /* -v */
};

void sidecar_reload(void *ctx);                            /* SIGHUP */
void sidecar_status_line(void *ctx, char *buf, size_t len); /* STATUS= */

#endif /* SIDECAR_RELOAD_H */
