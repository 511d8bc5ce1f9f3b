/*
 * interlink-api/reload.c - SIGHUP: re-read the configuration and apply
 * what can change while requests are in flight (see gateway.h).
 *
 * A new struct auth is built from the new file and published with an
 * atomic store; the one it replaces, and the configuration it points at,
 * are kept until the daemon exits, because a connection thread may still
 * be inside auth_check with it.  A few hundred bytes per reload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confdiff.h"
#include "gateway.h"
#include "gconfcheck.h"
#include "log.h"

struct retired {
	struct retired *next;
	struct gconf *conf; /* heap, or NULL for g->conf */
	struct auth *auth;
};

struct gateway_reload {
	char *path; /* NULL: gconf_load's default */
	bool verbose;
	struct gconf *current; /* the conf the current auth points at */
	struct retired *retired;
};

static const char *const live_keys[] = {
	"VerboseLogging", "ErrorsOnlyLogging", "BearerTokensFile",
	"AllowEmptyTokenOnPing", "TLS.AllowedClients", NULL,
};

static bool is_live(const char *key)
{
	for (size_t i = 0; live_keys[i]; i++)
		if (strcmp(live_keys[i], key) == 0)
			return true;
	return false;
}

struct seen {
	size_t live, restart;
};

static void visit(void *ctx, const char *key)
{
	struct seen *s = ctx;

	if (is_live(key)) {
		s->live++;
		log_notice("reload: %s changed; applied", key);
	} else {
		s->restart++;
		log_warn("reload: %s changed; it takes effect only after a "
			 "restart", key);
	}
}

int gateway_reload_init(struct gateway *g, const char *path, bool verbose)
{
	struct gateway_reload *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	r->path = path ? strdup(path) : NULL;
	if (path && !r->path) {
		free(r);
		return -1;
	}
	r->verbose = verbose;
	r->current = &g->conf;
	g->reload = r;
	return 0;
}

void gateway_reload(void *ctx)
{
	struct gateway *g = ctx;
	struct gateway_reload *r = g->reload;
	struct gconf *nc;
	struct retired *old;
	struct auth *na;
	struct seen seen = {0, 0};
	char err[1024] = "";

	if (!r)
		return;
	nc = calloc(1, sizeof(*nc));
	old = calloc(1, sizeof(*old));
	if (!nc || !old) {
		free(nc);
		free(old);
		log_error("reload: out of memory; keeping the running "
			  "configuration");
		return;
	}
	if (gconf_load(nc, r->path, err, sizeof(err)) < 0) {
		log_error("reload: configuration: %s; keeping the running one",
			  err);
		gconf_free(nc);
		free(nc);
		free(old);
		return;
	}
	if (gconf_check(nc, gconfcheck_path(r->path), err, sizeof(err)) < 0) {
		log_error("reload: configuration: %s; keeping the running one",
			  err);
		gconf_free(nc);
		free(nc);
		free(old);
		return;
	}
	/* tokens are re-read even when no key changed: that is the point */
	na = auth_new(nc, g->metrics, err, sizeof(err));
	if (!na) {
		log_error("reload: %s; keeping the running configuration", err);
		gconf_free(nc);
		free(nc);
		free(old);
		return;
	}
	(void)conf_diff(gconf_table, r->current, nc, r->current->raw, nc->raw,
			visit, &seen);
	log_apply_flags(nc->verbose || r->verbose, nc->errors_only);
	old->auth = __atomic_exchange_n(&g->auth, na, __ATOMIC_ACQ_REL);
	old->conf = r->current == &g->conf ? NULL : r->current;
	old->next = r->retired;
	r->retired = old;
	r->current = nc;
	log_notice("reload: done (%zu key%s applied, %zu need%s a restart)",
		   seen.live, seen.live == 1 ? "" : "s", seen.restart,
		   seen.restart == 1 ? "s" : "");
}

void gateway_status_line(void *ctx, char *buf, size_t len)
{
	struct gateway *g = ctx;

	snprintf(buf, len, "%zu pods known",
		 g->status ? statustable_count(g->status) : (size_t)0);
}

void gateway_reload_free(struct gateway *g)
{
	struct gateway_reload *r = g->reload;

	if (!r)
		return;
	while (r->retired) {
		struct retired *x = r->retired;

		r->retired = x->next;
		auth_free(x->auth);
		if (x->conf) {
			gconf_free(x->conf);
			free(x->conf);
		}
		free(x);
	}
	if (r->current != &g->conf) {
		/* the caller freed g->auth, which pointed at it, before us */
		gconf_free(r->current);
		free(r->current);
	}
	free(r->path);
	free(r);
	g->reload = NULL;
}
