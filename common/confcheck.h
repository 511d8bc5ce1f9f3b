/*
 * common/confcheck.h - start-up checks that need the file system, shared
 * by both daemons' checkers (sidecar-slurm/sconfcheck.c,
 * interlink-api/gconfcheck.c): `-t` runs them, and a daemon whose
 * configuration fails one refuses to start with one line naming the file
 * and the key, instead of serving and failing later.
 *
 * Each returns 0, or -1 with "FILE: KEY: why" in err.
 */
#ifndef COMMON_CONFCHECK_H
#define COMMON_CONFCHECK_H

#include <stddef.h>

/* A TCP port: empty (when allowed) or 0..65535. */
int confcheck_port(const char *file, const char *key, const char *value,
		   int allow_empty, char *err, size_t errlen);
/* A regular file that this process can read. */
int confcheck_readable(const char *file, const char *key, const char *path,
		       char *err, size_t errlen);
/* A certificate and key (PEM) that load together and belong together. */
int confcheck_cert_key(const char *file, const char *cert_key,
		       const char *cert, const char *key_key, const char *key,
		       char *err, size_t errlen);
/* A CA file with at least one certificate. */
int confcheck_ca(const char *file, const char *key, const char *path,
		 char *err, size_t errlen);
/* A secret file no one but its owner (and group) may read: mode & 007 == 0
 * and not group-writable. */
int confcheck_private(const char *file, const char *key, const char *path,
		      char *err, size_t errlen);
/* A folder that is one (or can be made: its nearest existing parent is a
 * folder) and is writable. */
int confcheck_folder(const char *file, const char *key, const char *path,
		     char *err, size_t errlen);
/* unix:///path: the socket's folder exists. */
int confcheck_socket_dir(const char *file, const char *key, const char *url,
			 char *err, size_t errlen);

#endif /* COMMON_CONFCHECK_H */
