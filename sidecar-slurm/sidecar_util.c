/* sidecar-slurm/sidecar_util.c - helpers shared by the plugin-API handlers (see sidecar.h) */
#include "sidecar.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "log.h"
#include "text.h"
#include "wire.h"

unsigned sidecar_http_code(int ilk)
{
	switch (ilk) {
	case ILK_OK: return 200;
	case ILK_ERR_INVALID: return 400;
	case ILK_ERR_REJECTED: return 422;
	case ILK_ERR_NOT_FOUND: return 404;
	case ILK_ERR_UNAVAILABLE: return 503;
	case ILK_ERR_NOT_SUPPORTED: return 501;
	case ILK_ERR_NOMEM: return 503;
	default: return 500;
	}
}

void sidecar_backend_lock(struct sidecar *sc)
{
	if (sc->serial)
		pthread_mutex_lock(&sc->backend_lock);
}

void sidecar_backend_unlock(struct sidecar *sc)
{
	if (sc->serial)
		pthread_mutex_unlock(&sc->backend_lock);
}

/* Parse the body as JSON; on failure reply 400 and return NULL. */
cJSON *sidecar_parse_body(struct httpd_request *req)
{
	char err[ERRLEN];
	cJSON *j = NULL;

	if (wire_parse(req->body, req->body_len, &j, err, sizeof(err)) < 0) {
		httpd_reply_text(req, 400, "malformed JSON body: %s", err);
		return NULL;
	}
	return j;
}

int sidecar_check_pod_identity(const struct wire_pod *pod, char *err,
			      size_t errlen)
{
	if (!text_is_uid(pod->uid)) {
		snprintf(err, errlen, "metadata.uid is missing or not a valid "
			 "UID");
		return -1;
	}
	if (!text_is_dns_label(pod->namespace)) {
		snprintf(err, errlen, "metadata.namespace is missing or not a "
			 "valid namespace name");
		return -1;
	}
	if (!pod->name || !text_is_dns_subdomain(pod->name)) {
		snprintf(err, errlen, "metadata.name is missing or not a valid "
			 "pod name");
		return -1;
	}
	return 0;
}

