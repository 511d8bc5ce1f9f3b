/* sidecar-slurm/sconfcheck.c - see sconfcheck.h */
#include "sconfcheck.h"

#include <stdlib.h>
#include <string.h>

#include "confcheck.h"

const char *sconfcheck_path(const char *path)
{
	const char *env = getenv("SLURMCONFIGPATH");

	if (path)
		return path;
	return env && *env ? env : SCONF_DEFAULT_PATH;
}

int sconf_check(const struct sconf *c, const char *f, char *err,
		size_t errlen)
{
	if (confcheck_port(f, "SidecarPort", c->sidecar_port, 1, err,
			   errlen) < 0)
		return -1;
	if (c->tls_enabled) {
		if (confcheck_cert_key(f, "TLS.CertFile", c->tls_cert_file,
				       "TLS.KeyFile", c->tls_key_file, err,
				       errlen) < 0)
			return -1;
		if (c->tls_ca_file && *c->tls_ca_file &&
		    confcheck_ca(f, "TLS.CACertFile", c->tls_ca_file, err,
				 errlen) < 0)
			return -1;
	}
	if (confcheck_folder(f, "DataRootFolder", c->data_root, err,
			     errlen) < 0)
		return -1;
	if (c->socket && *c->socket &&
	    confcheck_socket_dir(f, "Socket", c->socket, err, errlen) < 0)
		return -1;
	if (c->backend && c->backend[0] == '/' &&
	    confcheck_readable(f, "Backend", c->backend, err, errlen) < 0)
		return -1;
	return 0;
}
