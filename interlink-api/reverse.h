/*
 * interlink-api/reverse.h - the gateway's end of the reverse connection
 * (sidecar-slurm/reverse.h): with SidecarReverseListen set, the gateway
 * accepts the TCP connections the sidecar dials and carries its libcurl
 * connections towards the sidecar over them (TLS, client certificate and
 * the sidecar's name checked by libcurl as in the direct mode): libcurl
 * connects to a loopback port of the gateway, which joins each such
 * connection to one idle connection from the sidecar.
 * Each connection carries one request at a time (HTTP/1.1 keep-alive);
 * a request takes an idle connection, waiting up to
 * SidecarReverseWaitSeconds for one; with none, the sidecar is not
 * reachable (the ping and /readyz then say so).
 */
#ifndef GATEWAY_REVERSE_H
#define GATEWAY_REVERSE_H

#include <stddef.h>

#include <curl/curl.h>

#include "gconf.h"

struct greverse;

/* NULL with err empty when SidecarReverseListen is not set. */
struct greverse *greverse_start(const struct gconf *c, char *err,
				size_t errlen);
void greverse_stop(struct greverse *r);
/* Make e take its connection from r (call after the other options). */
void greverse_curl_setup(struct greverse *r, CURL *e);
/* Idle connections now (for logs and tests). */
size_t greverse_idle(struct greverse *r);

#endif /* GATEWAY_REVERSE_H */
