/*
 * interlink-api/podjson.h - the JSON the status table keeps and reads: a
 * minimal pod per tracked UID (what a batched /status sends the sidecar),
 * and the sidecar's PodStatus answers in canonical form.
 *
 * Pure functions, no state: safe in any thread.
 */
#ifndef GATEWAY_PODJSON_H
#define GATEWAY_PODJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "wire.h"

/*
 * {"metadata":{"name","namespace","uid"},"spec":{"containers":[{"name"}],
 * "initContainers":[{"name"}]}} for p: enough for the sidecar to answer
 * about the pod, even one it does not know.  Owned (free()), NULL on OOM.
 */
char *podjson_min_pod(const struct wire_pod *p);

/*
 * The same from an item of the sidecar's GET /pods list ({"name",
 * "namespace", "UID", "containers":["a"], "initContainers":["b"]}; keys in
 * any case).  Owned (free()), NULL on OOM or a malformed item.
 */
char *podjson_min_pod_listed(const cJSON *item);

/* One PodStatus of a /status answer. */
struct podjson_status {
	char *uid;    /* its "UID" */
	char *status; /* the PodStatus, canonical and unformatted */
	bool unknown; /* empty JID: the sidecar does not track the pod */
};

/*
 * Parse a /status answer (a JSON array of PodStatus, leniently) into *ret
 * (n entries; free with podjson_statuses_free).  Entries that are not a
 * PodStatus with a UID are skipped.  Returns 0, or -1 with err when the
 * answer is not a JSON array or memory ran out.
 */
int podjson_parse_statuses(const char *body, size_t len,
			   struct podjson_status **ret, size_t *ret_n,
			   char *err, size_t errlen);
/* NULL-safe. */
void podjson_statuses_free(struct podjson_status *v, size_t n);

#endif /* GATEWAY_PODJSON_H */
