/*
 * sidecar-slurm/sidecar.h - the daemon's context (its only mutable state)
 * and the plugin-API handlers.
 */
#ifndef SIDECAR_SIDECAR_H
#define SIDECAR_SIDECAR_H

#include <pthread.h>
#include <stdbool.h>

#include "httpd.h"
#include "ilk_plugin.h"
#include "jobscript.h"
#include "podstore.h"
#include "poller.h"
#include "sconf.h"

struct sidecar {
	struct sconf conf;
	const struct ilk_backend_ops *ops;
	void *bstate;
	bool serial;               /* ILK_BACKEND_SERIAL */
	pthread_mutex_t backend_lock;
	pthread_mutex_t create_lock; /* one create at a time: idempotence */
	struct podstore *store;
	struct poller *poller;
	struct jobscript_conf js;
};

/* The plugin API: /create, /status, /delete, /getLogs (+ /healthz). */
extern const struct httpd_route sidecar_routes[];

/* Housekeeping after each status poll (final states, deletions). */
void sidecar_after_poll(void *ctx, struct poller *p);

#endif /* SIDECAR_SIDECAR_H */
