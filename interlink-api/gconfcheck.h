/*
 * interlink-api/gconfcheck.h - the start-up checks of InterLinkConfig.yaml
 * that need the file system (common/confcheck.c): ports, certificate and
 * key pairs (TLS, SidecarTLS) that must match, CA files, a private
 * BearerTokensFile, the socket's folder.  `interlink-api -t` runs them, so
 * does every start and every reload: a configuration that cannot work
 * stops the daemon (or keeps the running one) with one line.
 */
#ifndef GATEWAY_GCONFCHECK_H
#define GATEWAY_GCONFCHECK_H

#include <stddef.h>

#include "gconf.h"

const char *gconfcheck_path(const char *path);
/* 0, or -1 with "FILE: KEY: why" in err. */
int gconf_check(const struct gconf *c, const char *file, char *err,
		size_t errlen);

#endif /* GATEWAY_GCONFCHECK_H */
