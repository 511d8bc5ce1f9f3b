/*
 * sidecar-slurm/reverse.h - the reverse connection: the sidecar dials the
 * gateway (Connect: https://gateway:port in SlurmConfig.yaml), so the
 * login node needs no inbound port.
 *
 * Each connection is plain TCP from the sidecar to the gateway's
 * SidecarReverseListen (through an HTTP CONNECT proxy from HTTPS_PROXY
 * when set).  On it the roles of TLS and HTTP are the usual ones: the
 * gateway sends the TLS ClientHello with its client certificate and then
 * HTTP/1.1 requests (keep-alive, one at a time); the sidecar answers as
 * its TLS listener does, with the same certificates and identity checks.
 * The sidecar relays each connection, once the gateway's first byte
 * arrives, to its own TLS listener on loopback (SidecarPort), so the
 * HTTP and TLS stack is the one of the direct mode, unchanged.
 *
 * ConnectPool connections are kept idle and ready; when the gateway
 * starts using one another is dialed, up to ConnectMax.  A connection that
 * fails or ends is dialed again after a backoff (0.5 s doubling up to
 * ConnectBackoffMaxSeconds); TCP keep-alives (ConnectKeepAliveSeconds)
 * notice a dead link.
 */
#ifndef SIDECAR_REVERSE_H
#define SIDECAR_REVERSE_H

#include <stddef.h>
#include <stdint.h>

#include "sconf.h"

struct reverse;

/*
 * Start dialing c->connect, relaying to 127.0.0.1:local_port.  NULL with
 * err set on a bad configuration; NULL with err empty when Connect is not
 * set.
 */
struct reverse *reverse_start(const struct sconf *c, uint16_t local_port,
			      char *err, size_t errlen);
void reverse_stop(struct reverse *r);

#endif /* SIDECAR_REVERSE_H */
