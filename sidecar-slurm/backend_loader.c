/* sidecar-slurm/backend_loader.c - see backend_loader.h */
#include "backend_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_slurm.h"
#include "log.h"

/* Copy ops (struct_size bytes of it) into a zeroed full-size table. */
static int adopt(const struct ilk_backend_ops *ops, const char *what,
		 struct backend *ret, char *err, size_t errlen)
{
	size_t n;

	if (!ops) {
		snprintf(err, errlen, "%s refused this sidecar (ABI %d.%d)",
			 what, ILK_PLUGIN_ABI_MAJOR, ILK_PLUGIN_ABI_MINOR);
		return -1;
	}
	if (ops->abi_major != ILK_PLUGIN_ABI_MAJOR ||
	    ops->struct_size < offsetof(struct ilk_backend_ops, init) +
				       sizeof(ops->init) ||
	    !ops->init) {
		snprintf(err, errlen, "%s: ops table of ABI %u, size %zu, "
			 "without init: not a backend for ABI %d", what,
			 ops->abi_major, ops->struct_size,
			 ILK_PLUGIN_ABI_MAJOR);
		return -1;
	}
	n = ops->struct_size < sizeof(ret->ops) ? ops->struct_size :
						  sizeof(ret->ops);
	memset(&ret->ops, 0, sizeof(ret->ops));
	memcpy(&ret->ops, ops, n);
	ret->ops.struct_size = sizeof(ret->ops);
	return 0;
}

/* munge's path_is_secure, in short: nobody else can change the code. */
static int check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (path[0] != '/') {
		snprintf(err, errlen, "Backend: '%s' must be \"slurm\" or an "
			 "absolute path", path);
		return -1;
	}
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "Backend: '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (st.st_uid != 0 && st.st_uid != getuid())) {
		snprintf(err, errlen, "Backend: '%s' must be a regular file "
			 "owned by root or this user and writable by no one "
			 "else", path);
		return -1;
	}
	return 0;
}

int backend_load(const char *spec, const struct ilk_host *host,
		 struct backend *ret, char *err, size_t errlen)
{
	ilk_plugin_entry_v1_fn entry;
	void *sym;

	memset(ret, 0, sizeof(*ret));
	if (!spec || !*spec || strcmp(spec, "slurm") == 0)
		return adopt(backend_slurm_entry(ILK_PLUGIN_ABI_MAJOR,
						 ILK_PLUGIN_ABI_MINOR, host),
			     "backend/slurm", ret, err, errlen);
	if (check_file(spec, err, errlen) < 0)
		return -1;
	ret->dl = dlopen(spec, RTLD_NOW | RTLD_LOCAL);
	if (!ret->dl) {
		snprintf(err, errlen, "Backend: %s", dlerror());
		return -1;
	}
	sym = dlsym(ret->dl, ILK_PLUGIN_ENTRY_V1);
	if (!sym) {
		snprintf(err, errlen, "Backend: '%s' has no %s", spec,
			 ILK_PLUGIN_ENTRY_V1);
		backend_unload(ret);
		return -1;
	}
	memcpy(&entry, &sym, sizeof(entry)); /* object to function pointer */
	if (adopt(entry(ILK_PLUGIN_ABI_MAJOR, ILK_PLUGIN_ABI_MINOR, host),
		  spec, ret, err, errlen) < 0) {
		backend_unload(ret);
		return -1;
	}
	log_info("loaded backend %s (ABI %u.%u) from %s",
		 ret->ops.name ? ret->ops.name : "?", ret->ops.abi_major,
		 ret->ops.abi_minor, spec);
	return 0;
}

void backend_unload(struct backend *b)
{
	if (b->dl)
		dlclose(b->dl);
	b->dl = NULL;
}
