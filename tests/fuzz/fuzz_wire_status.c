/*
 * fuzz_wire_status: the /status answers (sidecar -> gateway -> VK).
 *
 * The gateway's status table decodes each element of the sidecar's
 * array and encodes it again for the virtual-kubelet; ilctl decodes the
 * gateway's answer.  So for every PodStatus that decodes, the encoding
 * must parse and decode again, and encoding is then a fixed point:
 * encode(decode(encode(x))) == encode(x), byte for byte.
 */
#include "fuzz.h"
#include "wire.h"

#ifndef FUZZ_STRICT
/*
 * Known findings, stepped around unless FUZZ_STRICT:
 *  - a time whose offset moves it out of the years 0000..9999
 *    ("0000-01-01T00:00:00+01:00") encodes as "-001-12-31T23:00:00Z",
 *    which wire_time_parse refuses;
 *  - a time within the first second of Go's zero time
 *    ("0001-01-01T00:00:00.5Z") is kept (the fraction makes it "set"),
 *    truncated to the second, encodes as "0001-01-01T00:00:00Z", and
 *    that decodes as unset: not a fixed point.
 */
static bool odd_time(int64_t t)
{
	return t < -62167219200LL || t > 253402300799LL ||
	       t == -62135596800LL;
}

static bool odd_times(const struct wire_container_status *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct wire_container_state *st[] = {&c[i].state,
							   &c[i].last_state};

		for (size_t k = 0; k < 2; k++)
			if (odd_time(st[k]->started_at) ||
			    odd_time(st[k]->finished_at))
				return true;
	}
	return false;
}
#endif

static void round_trip(const struct wire_pod_status *s)
{
	struct wire_pod_status again;
	char err[256], *t1, *t2;
	cJSON *e1, *e2, *back = NULL;

#ifndef FUZZ_STRICT
	if (odd_times(s->containers, s->n_containers) ||
	    odd_times(s->init_containers, s->n_init_containers))
		return;
#endif
	e1 = wire_pod_status_encode(s);
	FUZZ_CHECK(e1 != NULL, "encode");
	t1 = fuzz_print(e1);
	FUZZ_CHECK(wire_parse(t1, strlen(t1), &back, err, sizeof(err)) == 0,
		   "encoding does not parse: %s: %s", err, t1);
	FUZZ_CHECK(wire_pod_status_decode(back, &again, err, sizeof(err)) == 0,
		   "encoding does not decode: %s: %s", err, t1);
	FUZZ_CHECK(again.n_containers == s->n_containers, "containers");
	FUZZ_CHECK(again.n_init_containers == s->n_init_containers, "init");
	e2 = wire_pod_status_encode(&again);
	FUZZ_CHECK(e2 != NULL, "encode again");
	t2 = fuzz_print(e2);
	FUZZ_CHECK(strcmp(t1, t2) == 0, "not a fixed point:\n%s\n%s", t1, t2);
	cJSON_free(t2);
	cJSON_Delete(e2);
	wire_pod_status_done(&again);
	cJSON_Delete(back);
	cJSON_free(t1);
	cJSON_Delete(e1);
}

static void decode_one(const cJSON *j)
{
	struct wire_pod_status s;
	char err[256];

	memset(&s, 0x5a, sizeof(s));
	if (wire_pod_status_decode(j, &s, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&s, sizeof(s)), "not zeroed");
	} else {
		round_trip(&s);
	}
	wire_pod_status_done(&s);
	wire_pod_status_done(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *j = NULL, *e;
	char err[256];

	if (wire_parse((const char *)data, size, &j, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
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
