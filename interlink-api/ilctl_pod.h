/*
 * interlink-api/ilctl_pod.h - turn a Kubernetes manifest into the /create
 * body the virtual-kubelet sends (PodCreateRequests).
 *
 * Kubernetes and the virtual-kubelet fill a pod in before it reaches the
 * interLink API; ilctl has neither, so this module does what they would:
 *   - metadata: namespace (when absent), uid (when absent),
 *     creationTimestamp; status {"phase":"Pending","podIP":...} with the
 *     podIP from annotation interlink.eu/pod-ip, else 127.0.0.1;
 *   - Secrets: stringData merged into data as base64; ConfigMaps and Secrets
 *     without a namespace get the pod's;
 *   - "configmaps"/"secrets": one full object per configMap/secret volume,
 *     in volume order (the VK fetches each from the cluster);
 *   - "projectedvolumesmaps": one ConfigMap-shaped map per projected or
 *     downwardAPI volume, named after the VOLUME, whose data keys are file
 *     paths: configMap sources (items or every key), secret sources
 *     (decoded), downwardAPI fieldRef items, serviceAccountToken (the text
 *     ILCTL_PLACEHOLDER_TOKEN);
 *   - a plain downwardAPI volume is rewritten into a projected volume in the
 *     pod sent to /create, as the VK does;
 *   - env: valueFrom (fieldRef, configMapKeyRef, secretKeyRef) and envFrom
 *     are resolved into plain values, as the virtual-kubelet library does
 *     before the provider sees the pod.
 * A referenced ConfigMap or Secret missing from the manifest is an error
 * unless the reference is optional (the VK would wait for it; a missing
 * kube-root-ca.crt projection is skipped).
 */
#ifndef ILCTL_POD_H
#define ILCTL_POD_H

#include <stdint.h>

#include <cjson/cJSON.h>

#define ILCTL_PLACEHOLDER_TOKEN "ilctl-placeholder-token"
#define ILCTL_DEFAULT_POD_IP "127.0.0.1"

/*
 * Build the /create body from the documents of a manifest.
 *   docs  a cJSON array with one element per YAML document (as returned by
 *         yamljson_parse_all in typed mode); borrowed.  It must hold
 *         exactly one Pod and any number of ConfigMaps and Secrets.
 *   ns    namespace for objects that carry none.
 *   uid   pod UID used when metadata.uid is absent (a lowercase UUID).
 *   now   creation time, Unix seconds.
 * On success returns 0 and sets
 *   *ret_req  the PodCreateRequests object to POST (caller frees);
 *   *ret_pod  the pod as Kubernetes stores it: filled metadata and status,
 *             volumes and env as written.  This is what /status and
 *             /delete carry later (caller frees).
 * Returns -1 with a message in err on a bad manifest or OOM.
 */
int ilctl_pod_build(const cJSON *docs, const char *ns, const char *uid,
		    int64_t now, cJSON **ret_req, cJSON **ret_pod, char *err,
		    size_t errlen);

/* Borrowed metadata strings of a pod object, or NULL when absent. */
const char *ilctl_pod_meta(const cJSON *pod, const char *key);

#endif /* ILCTL_POD_H */
