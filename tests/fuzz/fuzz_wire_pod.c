/*
 * fuzz_wire_pod: wire_parse + wire_pod_decode, as /delete (one pod) and
 * the sidecar's /status (an array of pods) read their bodies, then the
 * pod accessors the sidecar uses on a decoded pod.
 *
 * Invariants: a failure leaves the struct zeroed with a message; on
 * success the run-order accessors agree with the counts, every volume
 * a mount names is found by name, and *_done may run twice.
 */
#include "fuzz.h"
#include "wire.h"

static void check_pod(const struct wire_pod *p)
{
	size_t n = wire_pod_n_all_containers(p);

	FUZZ_CHECK(n == p->n_init_containers + p->n_containers, "count");
	for (size_t i = 0; i < n; i++) {
		bool init = !(i < p->n_init_containers);
		const struct wire_container *c =
			wire_pod_container_at(p, i, &init);

		FUZZ_CHECK(c != NULL, "container %zu", i);
		FUZZ_CHECK(init == (i < p->n_init_containers), "init flag");
		FUZZ_CHECK(c->name && c->image, "strings default to \"\"");
		for (size_t k = 0; k < c->n_mounts; k++) {
			const struct wire_volume *v =
				wire_pod_volume(p, c->mounts[k].name);

			FUZZ_CHECK(!v || !strcmp(v->name, c->mounts[k].name),
				   "volume lookup");
		}
		for (size_t k = 0; k < c->n_env; k++)
			FUZZ_CHECK(c->env[k].name && c->env[k].value, "env");
	}
	FUZZ_CHECK(wire_pod_container_at(p, n, NULL) == NULL, "past the end");
	for (size_t i = 0; i < p->n_annotations; i++) {
		const char *v = wire_pod_annotation(p, p->annotations[i].key);

		FUZZ_CHECK(v != NULL, "annotation %zu not found", i);
	}
	for (size_t i = 0; i < p->n_volumes; i++) {
		const struct wire_volume *v = &p->volumes[i];

		FUZZ_CHECK(v->kind != WIRE_VOL_OTHER || v->source == NULL,
			   "other volume with a source");
		for (size_t k = 0; k < v->n_items; k++)
			FUZZ_CHECK(v->items[k].key && v->items[k].path, "item");
	}
}

static void decode_one(const cJSON *j)
{
	struct wire_pod pod;
	char err[256];

	memset(&pod, 0xa5, sizeof(pod)); /* the decoder must reset it */
	if (wire_pod_decode(j, &pod, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&pod, sizeof(pod)), "not zeroed");
	} else {
		check_pod(&pod);
	}
	wire_pod_done(&pod);
	wire_pod_done(&pod);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = NULL, *e;
	char err[256];

	if (wire_parse((const char *)data, size, &j, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(j == NULL, "tree on failure");
		return 0;
	}
	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(e, j)
			decode_one(e);
	} else {
		decode_one(j);
	}
	cJSON_Delete(j);
	return 0;
}
