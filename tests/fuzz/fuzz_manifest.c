/*
 * fuzz_manifest: ilctl's manifest reader, YAML (typed mode, every
 * document) -> ilctl_pod_build -> the PodCreateRequests ilctl POSTs.
 *
 * Invariants: a failure says why; on success both trees are objects, the
 * request prints as JSON that wire_parse reads (unless nested past its
 * limit) and, when it decodes, carries the pod's uid.
 */
#include "fuzz.h"
#include "ilctl_pod.h"
#include "wire.h"
#include "yamljson.h"

#define UID "3f1c2a9e-0b7d-4c55-9a51-2d6e8f0a1b22"

static void check_request(const cJSON *req)
{
	struct wire_pod_create_requests pcr;
	char err[256], *text = fuzz_print(req);
	cJSON *back = NULL;

	if (wire_parse(text, strlen(text), &back, err, sizeof(err)) < 0) {
		FUZZ_CHECK(strstr(err, "nested deeper") != NULL,
			   "ilctl's request does not parse: %s", err);
		cJSON_free(text);
		return;
	}
	if (wire_pod_create_requests_decode(back, &pcr, err, sizeof(err)) == 0) {
		FUZZ_CHECK(pcr.pod.uid && *pcr.pod.uid, "no uid: %s", text);
		wire_pod_create_requests_done(&pcr);
	}
	cJSON_Delete(back);
	cJSON_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *docs = NULL, *req = NULL, *pod = NULL;
	char err[512];

	if (yamljson_parse_all((const char *)data, size, YAMLJSON_TYPED, &docs,
			       err, sizeof(err)) < 0)
		return 0;
	if (ilctl_pod_build(docs, "default", UID, 1784023200, &req, &pod, err,
			    sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
	} else {
		FUZZ_CHECK(cJSON_IsObject(req) && cJSON_IsObject(pod), "trees");
		check_request(req);
	}
	cJSON_Delete(req);
	cJSON_Delete(pod);
	cJSON_Delete(docs);
	return 0;
}
