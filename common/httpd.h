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
 * block.  Idle keep-alive connections are closed after idle_timeout_s.
 */
#ifndef COMMON_HTTPD_H
#define COMMON_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

struct httpd;

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
	size_t max_body;       /* bytes; larger bodies get 413 */
	unsigned idle_timeout_s;
	unsigned max_connections;
};

struct httpd_request {
	void *priv; /* the server's own state */
	const char *method;
	const char *path;
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

/* Parse "http://host:port", "https://host:port" or "unix:///path". */
int httpd_parse_url(const char *url, bool *ret_tls, bool *ret_unix,
		    char *host, size_t hostlen, uint16_t *ret_port,
		    char *err, size_t errlen);

#endif /* COMMON_HTTPD_H */
