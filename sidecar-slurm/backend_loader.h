/*
 * sidecar-slurm/backend_loader.h - which batch system the sidecar drives:
 * the built-in Slurm backend ("slurm"), or a backend built against
 * <interlink/plugin.h> as a shared object (an absolute path).
 *
 * A shared object must be a regular file that neither group nor others can
 * write, owned by root or by the sidecar's user; it is loaded with
 * RTLD_NOW | RTLD_LOCAL (a missing symbol fails here, not mid-request) and
 * must export ilk_plugin_entry_v1 returning an ops table of ABI major 1.
 * The ops are copied into a full-size table, so fields past the backend's
 * struct_size read as NULL ("not supported").
 */
#ifndef SIDECAR_BACKEND_LOADER_H
#define SIDECAR_BACKEND_LOADER_H

#include <stddef.h>

#include "ilk_plugin.h"

struct backend {
	void *dl; /* NULL for the built-in backend */
	struct ilk_backend_ops ops;
};

/* Load spec into *ret.  0, or -1 with the reason in err. */
int backend_load(const char *spec, const struct ilk_host *host,
		 struct backend *ret, char *err, size_t errlen);
/* Unload; call after the backend's fini. */
void backend_unload(struct backend *b);

#endif /* SIDECAR_BACKEND_LOADER_H */
