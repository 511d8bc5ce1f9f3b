/*
 * interlink-api/transform.h - the /create rewrite upstream's API performs:
 * PodCreateRequests (from the virtual-kubelet) -> RetrievedPodData (to the
 * plugin), per wire-contract.md §2.3.
 */
#ifndef GATEWAY_TRANSFORM_H
#define GATEWAY_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Build the RetrievedPodData for req (a PodCreateRequests object, checked
 * by wire_pod_create_requests_decode first).  The pod is passed through
 * unchanged; each container (init containers first, then regular ones, in
 * spec order) gets the ConfigMaps, Secrets and projected-volume maps its
 * volumeMounts reference, each once per container even when mounted many
 * times (upstream appends one per mount; the plugin looks them up by
 * name, so it sees the same data).
 *
 * The work is bounded: when the result would print to more than max_bytes
 * (a 1 MiB ConfigMap mounted by many containers), nothing more is copied,
 * *too_large is set and NULL returned (the caller answers 413).  Returns a
 * new tree (cJSON_Delete) or NULL with err.
 */
cJSON *transform_create(const cJSON *req, size_t max_bytes, bool *too_large,
			char *err, size_t errlen);

#endif /* GATEWAY_TRANSFORM_H */
