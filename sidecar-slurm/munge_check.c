/*
 * sidecar-slurm/munge_check.c - is munged usable?  See munge_check.h.
 */
#include "munge_check.h"

#include <stdio.h>
#include <stdlib.h>

#include <munge.h>

int munge_check(const char *socket, char *err, size_t errlen)
{
	munge_ctx_t ctx;
	munge_err_t e;
	char *cred = NULL;
	const char *text;
	int rc = -1;

	ctx = munge_ctx_create();
	if (!ctx) {
		if (err && errlen > 0)
			(void)snprintf(err, errlen,
				       "munged unreachable: out of memory");
		return -1;
	}
	if (socket && *socket) {
		e = munge_ctx_set(ctx, MUNGE_OPT_SOCKET, socket);
		if (e != EMUNGE_SUCCESS)
			goto fail;
	}
	e = munge_encode(&cred, ctx, NULL, 0);
	if (e != EMUNGE_SUCCESS)
		goto fail;
	rc = 0;
	goto out;
fail:
	/* the context's text is the detailed one, naming the socket */
	text = munge_ctx_strerror(ctx);
	if (!text)
		text = munge_strerror(e);
	if (err && errlen > 0)
		(void)snprintf(err, errlen, "munged unreachable: %s", text);
out:
	free(cred);
	munge_ctx_destroy(ctx);
	return rc;
}
