/*
 * interlink-api/gateway.h - the gateway's context (its only mutable state)
 * and the virtual-kubelet API handlers.
 */
#ifndef GATEWAY_GATEWAY_H
#define GATEWAY_GATEWAY_H

#include "gconf.h"
#include "httpd.h"
#include "upstream.h"

struct gateway {
	struct gconf conf;
	struct upstream *sidecar;
};

/* /create /status /delete /getLogs /pinglink /updateCache /healthz */
extern const struct httpd_route gateway_routes[];

#endif /* GATEWAY_GATEWAY_H */
