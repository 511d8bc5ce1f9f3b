/*
 * sidecar-slurm/sconfcheck.h - the start-up checks of SlurmConfig.yaml that
 * need the file system (common/confcheck.c): ports, the TLS certificate
 * and key that must match, the CA, DataRootFolder, the socket's folder,
 * a Backend file.  `sidecar-slurm -t` runs them, and so does every start:
 * a configuration that cannot work stops the daemon with one line.
 */
#ifndef SIDECAR_SCONFCHECK_H
#define SIDECAR_SCONFCHECK_H

#include <stddef.h>

#include "sconf.h"

/* The file sconf_load read for -c path (NULL: $SLURMCONFIGPATH or the
 * default). */
const char *sconfcheck_path(const char *path);
/* 0, or -1 with "FILE: KEY: why" in err. */
int sconf_check(const struct sconf *c, const char *file, char *err,
		size_t errlen);

#endif /* SIDECAR_SCONFCHECK_H */
