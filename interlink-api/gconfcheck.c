/* interlink-api/gconfcheck.c - see gconfcheck.h */
#include "gconfcheck.h"

#include <stdlib.h>
#include <string.h>

#include "confcheck.h"

const char *gconfcheck_path(const char *path)
{
	const char *env = getenv("INTERLINKCONFIGPATH");

	if (path)
		return path;
	return env && *env ? env : GCONF_DEFAULT_PATH;
}

static bool set(const char *s)
{
	return s && *s;
}

int gconf_check(const struct gconf *c, const char *f, char *err,
		size_t errlen)
{
	if (confcheck_port(f, "InterlinkPort", c->interlink_port, 1, err,
			   errlen) < 0 ||
	    confcheck_port(f, "SidecarPort", c->sidecar_port, 1, err,
			   errlen) < 0)
		return -1;
	if (c->tls_enabled &&
	    confcheck_cert_key(f, "TLS.CertFile", c->tls_cert_file,
			       "TLS.KeyFile", c->tls_key_file, err,
			       errlen) < 0)
		return -1;
	if (set(c->tls_ca_file) &&
	    confcheck_ca(f, "TLS.CACertFile", c->tls_ca_file, err, errlen) < 0)
		return -1;
	if ((set(c->sidecar_cert_file) || set(c->sidecar_key_file)) &&
	    confcheck_cert_key(f, "SidecarTLS.CertFile", c->sidecar_cert_file,
			       "SidecarTLS.KeyFile", c->sidecar_key_file, err,
			       errlen) < 0)
		return -1;
	if (set(c->sidecar_ca_file) &&
	    confcheck_ca(f, "SidecarTLS.CACertFile", c->sidecar_ca_file, err,
			 errlen) < 0)
		return -1;
	if (set(c->bearer_tokens_file) &&
	    confcheck_private(f, "BearerTokensFile", c->bearer_tokens_file,
			      err, errlen) < 0)
		return -1;
	if (confcheck_socket_dir(f, "InterlinkAddress", c->interlink_address,
				 err, errlen) < 0)
		return -1;
	return 0;
}
