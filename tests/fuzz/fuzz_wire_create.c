/*
 * fuzz_wire_create: the /create bodies on both hops.
 *
 * The input is decoded as a PodCreateRequests (virtual-kubelet -> gateway)
 * and as a RetrievedPodData (gateway -> sidecar).  When it is a valid
 * PodCreateRequests, the gateway's rewrite (transform_create) runs, its
 * output is printed and parsed as the sidecar would, and must decode as a
 * RetrievedPodData carrying the same pod, with one entry per container.
 * As in the gateway, only requests whose pod has a usable uid are
 * rewritten.  The only excuse is nesting: the rewrite moves ConfigMaps two
 * levels down, so one nested to the limit already can no longer be parsed.
 *
 * Known finding (stepped around unless FUZZ_STRICT): when an object has
 * the same key twice in different casings ("pod" and "Pod"), wire.c takes
 * the last non-null value and transform.c (cJSON_GetObjectItem) the first,
 * so the gateway can validate one pod and forward another.
 */
#include <strings.h>

#include "fuzz.h"
#include "text.h"
#include "transform.h"
#include "wire.h"

#ifndef FUZZ_STRICT
/* Does any object of the tree hold two keys equal but for case? */
static bool has_ci_dup_keys(const cJSON *j)
{
	const cJSON *a, *b;

	cJSON_ArrayForEach(a, j) {
		if (cJSON_IsObject(j) && a->string)
			for (b = a->next; b; b = b->next)
				if (b->string && !strcasecmp(a->string, b->string))
					return true;
		if (has_ci_dup_keys(a))
			return true;
	}
	return false;
}
#endif

static void check_same_pod(const struct wire_pod *a, const struct wire_pod *b)
{
	FUZZ_CHECK(fuzz_str_eq(a->name, b->name), "pod name");
	FUZZ_CHECK(fuzz_str_eq(a->namespace, b->namespace), "namespace");
	FUZZ_CHECK(fuzz_str_eq(a->uid, b->uid), "uid");
	FUZZ_CHECK(a->n_containers == b->n_containers, "containers");
	FUZZ_CHECK(a->n_init_containers == b->n_init_containers, "init");
	FUZZ_CHECK(a->n_volumes == b->n_volumes, "volumes");
	FUZZ_CHECK(a->n_annotations == b->n_annotations, "annotations");
	for (size_t i = 0; i < wire_pod_n_all_containers(a); i++) {
		const struct wire_container *x = wire_pod_container_at(a, i, NULL);
		const struct wire_container *y = wire_pod_container_at(b, i, NULL);

		FUZZ_CHECK(fuzz_str_eq(x->name, y->name), "container name");
		FUZZ_CHECK(fuzz_str_eq(x->image, y->image), "image");
		FUZZ_CHECK(x->n_command == y->n_command, "command");
		FUZZ_CHECK(x->n_args == y->n_args, "args");
		FUZZ_CHECK(x->n_env == y->n_env, "env");
	}
}

static void rewrite(const cJSON *req, const struct wire_pod_create_requests *pcr)
{
	struct wire_retrieved_pod_data rpd;
	char err[256], *text;
	cJSON *out, *back = NULL;

	bool too_large = false;

	/* no budget: refused, nothing built */
	out = transform_create(req, 0, &too_large, err, sizeof(err));
	FUZZ_CHECK(out == NULL && too_large, "transform_create ignores its "
		   "budget");
	/* inputs are small: within 64 MiB the copies always fit */
	out = transform_create(req, 64u << 20, &too_large, err, sizeof(err));
	FUZZ_CHECK(out != NULL && !too_large, "transform_create: %s", err);
	text = fuzz_print(out);
	if (wire_parse(text, strlen(text), &back, err, sizeof(err)) < 0) {
		FUZZ_CHECK(strstr(err, "nested deeper") != NULL,
			   "the gateway's /create body does not parse: %s",
			   err);
		goto out;
	}
	FUZZ_CHECK(wire_retrieved_pod_data_decode(back, &rpd, err,
						  sizeof(err)) == 0,
		   "the gateway's /create body does not decode: %s", err);
	check_same_pod(&pcr->pod, &rpd.pod);
	FUZZ_CHECK(rpd.n_containers == wire_pod_n_all_containers(&pcr->pod),
		   "%zu RetrievedContainers for %zu containers",
		   rpd.n_containers, wire_pod_n_all_containers(&pcr->pod));
	wire_retrieved_pod_data_done(&rpd);
out:
	cJSON_Delete(back);
	cJSON_free(text);
	cJSON_Delete(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_pod_create_requests pcr;
	struct wire_retrieved_pod_data rpd;
	cJSON *j = NULL;
	char err[256];

	if (wire_parse((const char *)data, size, &j, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		return 0;
	}
	memset(&rpd, 0x5a, sizeof(rpd));
	if (wire_retrieved_pod_data_decode(j, &rpd, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&rpd, sizeof(rpd)), "not zeroed");
	} else {
		for (size_t i = 0; i < rpd.n_containers; i++) {
			const struct wire_retrieved_container *c =
				&rpd.containers[i];

			for (size_t k = 0; k < c->n_secrets; k++)
				for (size_t d = 0; d < c->secrets[k].n_data; d++)
					FUZZ_CHECK(c->secrets[k].data[d].value[
						c->secrets[k].data[d].len] == '\0',
						"secret value not terminated");
		}
	}
	wire_retrieved_pod_data_done(&rpd);
	wire_retrieved_pod_data_done(&rpd);

	memset(&pcr, 0x5a, sizeof(pcr));
	if (wire_pod_create_requests_decode(j, &pcr, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&pcr, sizeof(pcr)), "not zeroed");
	} else if (text_is_uid(pcr.pod.uid)) {
#ifndef FUZZ_STRICT
		if (!has_ci_dup_keys(j))
#endif
			rewrite(j, &pcr);
	}
	wire_pod_create_requests_done(&pcr);
	wire_pod_create_requests_done(&pcr);
	cJSON_Delete(j);
	return 0;
}
