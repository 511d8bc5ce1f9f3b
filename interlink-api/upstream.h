/*
 * interlink-api/upstream.h - the libcurl client towards the sidecar:
 * mutual TLS (peer and name verified), http or a unix socket, connections
 * and TLS sessions reused across requests and threads.
 */
#ifndef GATEWAY_UPSTREAM_H
#define GATEWAY_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "gconf.h"

struct upstream;

struct upstream *upstream_new(const struct gconf *c, char *err,
			      size_t errlen);
void upstream_free(struct upstream *u);

/*
 * Observer of every sidecar call (metrics): the path, the HTTP status or
 * -1 when there was none, and the seconds until the answer (its headers,
 * for a stream).  Set it before any thread uses u.
 */
typedef void (*upstream_observer_fn)(void *ctx, const char *path, long code,
				     double seconds);
void upstream_set_observer(struct upstream *u, upstream_observer_fn fn,
			   void *ctx);

/* Take connections from the sidecar's reverse connections (reverse.h);
 * set before any thread uses u. */
struct greverse;
void upstream_set_reverse(struct upstream *u, struct greverse *r);

/* "https://sidecar:4000" or "http://unix (/run/x.sock)": for messages. */
const char *upstream_describe(const struct upstream *u);

/*
 * One request: method, path ("/status"), the session id to pass on, and
 * the body.  The answer's body goes to resp (bounded by its max).
 * Returns the HTTP status, or -1 when the sidecar could not be reached or
 * answered badly (err says why).
 */
long upstream_call(struct upstream *u, const char *method, const char *path,
		   const char *session, const char *body, size_t len,
		   struct buf *resp, char *err, size_t errlen);
/* The same with a total timeout of its own (a readiness probe). */
long upstream_call_timeout(struct upstream *u, const char *method,
			   const char *path, const char *session,
			   const char *body, size_t len, long timeout_s,
			   struct buf *resp, char *err, size_t errlen);

/*
 * A streamed request (logs).  upstream_stream_open sends it and waits for
 * the answer's status line (at most the configured timeout): it returns
 * the HTTP status or -1 with err.  Then upstream_stream_read gives the
 * body as it arrives: bytes copied, 0 when nothing came within ~1 s,
 * -1 at the end, -2 on error.  upstream_stream_close aborts or finishes.
 */
struct upstream_stream;
long upstream_stream_open(struct upstream *u, const char *method,
			  const char *path, const char *session,
			  const char *body, size_t len,
			  struct upstream_stream **ret, char *err,
			  size_t errlen);
ssize_t upstream_stream_read(struct upstream_stream *s, char *out,
			     size_t max);
void upstream_stream_close(struct upstream_stream *s);

#endif /* GATEWAY_UPSTREAM_H */
