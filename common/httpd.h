/*
 * common/httpd.h - the HTTP server both daemons share (libmicrohttpd).
 *
 * Listens on TCP (plain or TLS >= 1.2, optionally requiring a client
 * certificate from a CA: the handshake fails without one) or on a unix
 * socket; reads each request body in full (bounded) for any method, so GET
 * and DELETE with bodies work; dispatches on the exact path (query strings
 * ignored); logs one line per request with the InterLink-Http-Session id.
 *
 * Threads: one thread per connection, so handlers and stream readers may
 * block.  Idle keep-alive connections are closed after idle_timeout_s (1 s
 * while more than half of max_connections are open, so clients that never
 * close cannot exhaust them); a streamed reply (a followed log may be quiet
 * for long) is exempt until it ends.  A new connection gets only
 * handshake_timeout_s of silence until its first request's headers are in
 * (half-open TLS handshakes cannot hold the slots), and at most
 * max_per_address connections come from one TCP address.
 *
 * A unix socket is made 0660 (group unix_gid when set) in a folder that
 * must be a real directory (not a symlink) owned by root or the daemon and
 * writable by no one else; a missing folder is created 0755 (0750 with a
 * group).
 */
#ifndef COMMON_HTTPD_H
#define COMMON_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct httpd;
struct httpd_request;
struct httpd_route;

/*
 * Optional per-request hooks (added; NULL in a zeroed httpd_conf).  Both get
 * the ctx given to httpd_start.
 *
 * filter runs once the body is read, before the route (route is NULL for
 * an unknown path): return 0 to go on, 1 when it queued a reply itself (a
 * 401, say), -1 to drop the connection.
 *
 * done runs when the request ends: its status code (0 when none was
 * queued), the time from its first byte in seconds, and whether the reply
 * reached the client in full (false when the client went away).
 */
typedef int (*httpd_filter_fn)(void *ctx, struct httpd_request *req,
			       const struct httpd_route *route);
typedef void (*httpd_done_fn)(void *ctx, const struct httpd_request *req,
			      unsigned code, double seconds, bool completed);

struct httpd_conf {
	const char *name;      /* for log lines: "plugin API" */
	bool unix_socket;      /* listen on unix_path instead of TCP */
	const char *unix_path;
	const char *host;      /* TCP: address to bind ("0.0.0.0", "::1") */
	uint16_t port;         /* TCP: 0 picks a free port */
	bool tls;
	const char *cert_file; /* PEM */
	const char *key_file;  /* PEM */
	const char *ca_file;   /* PEM: when set, client certificates from
	                        * this CA are required */
	bool unix_group_set;   /* unix socket: chgrp it to unix_gid */
	gid_t unix_gid;
	size_t max_body;       /* bytes; larger bodies get 413 */
	unsigned idle_timeout_s;
	unsigned max_connections;
	unsigned max_per_address;    /* TCP: connections from one address;
	                              * 0: no limit of its own */
	unsigned handshake_timeout_s; /* a new connection's TLS handshake and
	                               * first request headers must not idle
	                               * longer (0: 5 s) */
	httpd_filter_fn filter; /* optional */
	httpd_done_fn done;     /* optional */
};

struct httpd_request {
	void *priv; /* the server's own state */
	const char *method; /* printable and bounded (for logs): control */
	const char *path;   /* bytes as '?', cut at 255 bytes with "..." */
	const char *body; /* NUL terminated; "" when there is none */
	size_t body_len;
	const char *session;   /* InterLink-Http-Session or "-" */
	const char *peer_name; /* verified client certificate CN, or "" */
	bool body_too_large;
};

/* Returns 0 once a reply was queued, -1 to drop the connection. */
typedef int (*httpd_handler_fn)(void *ctx, struct httpd_request *req);

struct httpd_route {
	const char *path;
	httpd_handler_fn fn;
};

/*
 * A stream producer: write at most max bytes into out and return how many,
 * 0 to wait (it may block, briefly, itself), -1 at the end of the stream,
 * -2 on error.  free_fn releases ctx once the stream ends or the client
 * goes away.
 */
typedef ssize_t (*httpd_stream_fn)(void *ctx, char *out, size_t max);
typedef void (*httpd_stream_free_fn)(void *ctx);

/*
 * Start serving.  routes ends with a {NULL, NULL} entry; ctx is passed to
 * every handler.  Returns NULL with a message in err.
 */
struct httpd *httpd_start(const struct httpd_conf *conf,
			  const struct httpd_route *routes, void *ctx,
			  char *err, size_t errlen);
/* Stop and free; NULL-safe. Removes the unix socket file. */
void httpd_stop(struct httpd *h);
/* The bound TCP port (useful with port 0). */
uint16_t httpd_port(const struct httpd *h);

/* Reply with a copy of body. */
int httpd_reply(struct httpd_request *req, unsigned code,
		const char *content_type, const char *body, size_t len);
/* Reply text/plain with a printf-formatted message and a newline. */
int httpd_reply_text(struct httpd_request *req, unsigned code,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reply application/json with j printed unformatted (j stays the caller's). */
int httpd_reply_json(struct httpd_request *req, unsigned code,
		     const cJSON *j);
/* Reply with a chunked stream; takes ownership of ctx (free_fn). */
int httpd_reply_stream(struct httpd_request *req, unsigned code,
		       const char *content_type, httpd_stream_fn fn,
		       void *ctx, httpd_stream_free_fn free_fn);
/* A request header value, or NULL. */
const char *httpd_header(struct httpd_request *req, const char *name);

/*
 * Add a header to the reply queued next for req (WWW-Authenticate on a
 * 401, say); name and value are copied.  At most 4 per request.
 * Returns 0 or -1.
 */
int httpd_reply_header(struct httpd_request *req, const char *name,
		       const char *value);

/*
 * The verified client certificate's identities: its subject CN first (when
 * it has one), then every DNS, IP (text form), e-mail and URI subject
 * alternative name.  Fills at most max pointers into ret and returns how
 * many; 0 without a verified client certificate.  The strings are borrowed
 * until the request ends.
 */
size_t httpd_peer_names(const struct httpd_request *req, const char **ret,
			size_t max);

/*
 * Did the request come with a verified client certificate (a TLS listener
 * with a CA)?  false over a unix socket or plain TCP.
 */
bool httpd_peer_verified(const struct httpd_request *req);

/* Parse "http://host:port", "https://host:port" or "unix:///path". */
int httpd_parse_url(const char *url, bool *ret_tls, bool *ret_unix,
		    char *host, size_t hostlen, uint16_t *ret_port,
		    char *err, size_t errlen);

#endif /* COMMON_HTTPD_H */
