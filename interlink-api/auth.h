/*
 * interlink-api/auth.h - who may call the gateway.
 *
 * Two independent checks, each off unless configured:
 *   - TLS.AllowedClients: the verified client certificate's CN or one of
 *     its subject alternative names must be listed (else 403);
 *   - BearerTokensFile: "Authorization: Bearer T" with T one of the file's
 *     lines (else 401).  The file is re-read when it changes (device,
 *     inode, size or mtime), so a rotated token works on the next call;
 *     tokens are kept only as SHA-256 digests and compared in constant
 *     time.  AllowEmptyTokenOnPing lets /pinglink through with an empty
 *     token (the helm chart's VKTokenFile=/dev/null).
 *
 * Thread-safe: auth_check may run in every connection thread at once.
 */
#ifndef GATEWAY_AUTH_H
#define GATEWAY_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "gconf.h"
#include "httpd.h"
#include "metrics.h"

struct auth;

/*
 * Build the checker from the configuration (reads the token file once and
 * refuses one that group or others can read).  m may be NULL.  Returns NULL
 * with err.
 */
struct auth *auth_new(const struct gconf *c, struct metrics *m, char *err,
		      size_t errlen);
/* NULL-safe; wipes the token digests. */
void auth_free(struct auth *a);

/*
 * Check one request.  is_ping: the request is /pinglink.  Returns 0 when
 * it may go on, else the HTTP status to answer (401 or 403) with a
 * one-line reason in msg.
 */
unsigned auth_check(struct auth *a, struct httpd_request *req, bool is_ping,
		    char *msg, size_t msglen);

/* Parse the token file's text: how many tokens it holds (for tests). */
size_t auth_count_tokens(const char *text);

#endif /* GATEWAY_AUTH_H */
