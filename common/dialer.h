/*
 * common/dialer.h - outbound TCP connections, directly or through an HTTP
 * CONNECT proxy, with TCP keep-alives (the reverse connection's transport).
 */
#ifndef COMMON_DIALER_H
#define COMMON_DIALER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Connect to host:port within timeout_ms.  proxy: NULL or "" for none,
 * else "http://proxyhost:port" (a trailing "/" and "user@" are allowed;
 * no proxy authentication): the proxy is asked "CONNECT host:port" and
 * must answer 2xx.  Returns a blocking socket with keep-alives on, or a
 * negative errno with the reason in err.
 */
int dialer_connect(const char *host, uint16_t port, const char *proxy,
		   int timeout_ms, char *err, size_t errlen);

/* Keep-alives: first probe after idle_s, dead after about 2 * idle_s. */
void dialer_keepalive(int fd, int idle_s);

/*
 * The proxy for https://host from the environment (HTTPS_PROXY, then
 * https_proxy), unless NO_PROXY / no_proxy names host (exactly, as a
 * domain suffix ".example.org" or "example.org", or "*").  NULL for none.
 */
const char *dialer_env_proxy(const char *host);

/*
 * Copy bytes both ways between sockets a and b until one side ends or
 * fails, or stop(arg) says so (asked every ~0.5 s).  The sockets stay open.
 */
void dialer_pump(int a, int b, int (*stop)(void *arg), void *arg);

#endif /* COMMON_DIALER_H */
