/*
 * fuzz_wire_logs: the log options, /getLogs' LogStruct.
 *
 * The gateway decodes the virtual-kubelet's LogStruct, checks it, encodes
 * it again and sends that to the sidecar, which decodes it: for every
 * LogStruct that decodes, the encoding must decode to the same values.
 * The raw input also goes to wire_time_parse (SinceTime's parser) and a
 * parsed time must survive wire_time_format -> wire_time_parse.
 */
#include "fuzz.h"
#include "wire.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what RFC 3339 can say */
#define RFC3339_MIN (-62167219200LL)
#define RFC3339_MAX 253402300799LL

static void check_time(const char *s)
{
	int64_t sec, sec2;
	int32_t nsec, nsec2;
	char buf[64];

	if (wire_time_parse(s, &sec, &nsec) < 0)
		return;
	FUZZ_CHECK(nsec >= 0 && nsec < 1000000000, "nsec %d", (int)nsec);
	/* numeric offsets can move a time out of the years 0000..9999 */
	FUZZ_CHECK(sec >= RFC3339_MIN - 86400 && sec <= RFC3339_MAX + 86400,
		   "%lld", (long long)sec);
	wire_time_format(sec, buf, sizeof(buf));
	if (sec < RFC3339_MIN || sec > RFC3339_MAX)
		return;
	FUZZ_CHECK(wire_time_parse(buf, &sec2, &nsec2) == 0 && sec2 == sec &&
		   nsec2 == 0, "'%s' -> %lld -> '%s'", s, (long long)sec, buf);
}

#ifndef FUZZ_STRICT
/*
 * Known findings, stepped around unless FUZZ_STRICT:
 *  - a SinceTime whose offset moves it out of the years 0000..9999
 *    ("0000-01-01T00:00:00+01:00") encodes as "-001-12-31T23:00:00Z",
 *    which wire_time_parse refuses;
 *  - an integer of 2^52 or more (Tail, Bytes, SinceSeconds accept up to
 *    2^53) can print with 15 digits (cJSON's "%1.15g" passes its relative
 *    check), e.g. 9007199254740992 -> 9.00719925474099e+15: the sidecar
 *    gets a value off by 1 or 2.
 */
static bool big(int64_t v)
{
	return v >= (INT64_C(1) << 52) || v <= -(INT64_C(1) << 52);
}
#endif

static void round_trip(const struct wire_log_struct *l)
{
	struct wire_log_struct b;
	char err[256], *text;
	cJSON *e, *back = NULL;

	e = wire_log_struct_encode(l);
	FUZZ_CHECK(e != NULL, "encode");
	text = fuzz_print(e);
	FUZZ_CHECK(wire_parse(text, strlen(text), &back, err, sizeof(err)) == 0,
		   "encoding does not parse: %s", err);
#ifndef FUZZ_STRICT
	if ((l->opts.has_since_time && (l->opts.since_time < RFC3339_MIN ||
					l->opts.since_time > RFC3339_MAX)) ||
	    big(l->opts.tail) || big(l->opts.bytes) ||
	    big(l->opts.since_seconds)) {
		cJSON_Delete(back);
		cJSON_free(text);
		cJSON_Delete(e);
		return;
	}
#endif
	FUZZ_CHECK(wire_log_struct_decode(back, &b, err, sizeof(err)) == 0,
		   "encoding does not decode: %s: %s", err, text);
	FUZZ_CHECK(fuzz_str_eq(l->namespace, b.namespace) &&
		   fuzz_str_eq(l->pod_uid, b.pod_uid) &&
		   fuzz_str_eq(l->pod_name, b.pod_name) &&
		   fuzz_str_eq(l->container_name, b.container_name),
		   "names: %s", text);
	FUZZ_CHECK(l->opts.tail == b.opts.tail && l->opts.bytes == b.opts.bytes &&
		   l->opts.since_seconds == b.opts.since_seconds &&
		   l->opts.timestamps == b.opts.timestamps &&
		   l->opts.follow == b.opts.follow &&
		   l->opts.previous == b.opts.previous, "options: %s", text);
	FUZZ_CHECK(l->opts.has_since_time == b.opts.has_since_time, "has: %s",
		   text);
	if (l->opts.has_since_time)
		FUZZ_CHECK(l->opts.since_time == b.opts.since_time &&
			   l->opts.since_time_nsec == b.opts.since_time_nsec,
			   "SinceTime: %s", text);
	wire_log_struct_done(&b);
	cJSON_Delete(back);
	cJSON_free(text);
	cJSON_Delete(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_log_struct l;
	cJSON *j = NULL;
	char err[256], *s;

	s = fuzz_cstr(data, size);
	check_time(s);
	free(s);

	if (wire_parse((const char *)data, size, &j, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		return 0;
	}
	memset(&l, 0x5a, sizeof(l));
	if (wire_log_struct_decode(j, &l, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&l, sizeof(l)), "not zeroed");
	} else {
		round_trip(&l);
	}
	wire_log_struct_done(&l);
	wire_log_struct_done(&l);
	cJSON_Delete(j);
	return 0;
}
