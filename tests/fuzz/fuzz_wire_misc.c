/*
 * fuzz_wire_misc: the small answers, CreateStruct (/create) and
 * PingResponse (/pinglink), with an encode -> parse -> decode -> encode
 * fixed-point check each; and base64 (secret data) on the raw input.
 */
#include "fuzz.h"
#include "wire.h"

#define ROUND_TRIP(type, x)                                                   \
	do {                                                                  \
		struct wire_##type again;                                     \
		char e_[256], *t1_, *t2_;                                     \
		cJSON *e1_ = wire_##type##_encode(x), *e2_, *b_ = NULL;       \
                                                                              \
		FUZZ_CHECK(e1_ != NULL, "encode");                            \
		t1_ = fuzz_print(e1_);                                        \
		FUZZ_CHECK(wire_parse(t1_, strlen(t1_), &b_, e_,              \
				      sizeof(e_)) == 0,                       \
			   "encoding does not parse: %s", e_);                \
		FUZZ_CHECK(wire_##type##_decode(b_, &again, e_,               \
						sizeof(e_)) == 0,             \
			   "encoding does not decode: %s: %s", e_, t1_);      \
		e2_ = wire_##type##_encode(&again);                           \
		FUZZ_CHECK(e2_ != NULL, "encode again");                      \
		t2_ = fuzz_print(e2_);                                        \
		FUZZ_CHECK(strcmp(t1_, t2_) == 0, "not a fixed point:\n%s\n%s", \
			   t1_, t2_);                                         \
		cJSON_free(t2_);                                              \
		cJSON_Delete(e2_);                                            \
		wire_##type##_done(&again);                                   \
		cJSON_Delete(b_);                                             \
		cJSON_free(t1_);                                              \
		cJSON_Delete(e1_);                                            \
	} while (0)

static void json(const uint8_t *data, size_t size)
{
	struct wire_create_struct cs;
	struct wire_ping_response pr;
	cJSON *j = NULL;
	char err[256];

	if (wire_parse((const char *)data, size, &j, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		return;
	}
	memset(&cs, 0x5a, sizeof(cs));
	if (wire_create_struct_decode(j, &cs, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&cs, sizeof(cs)), "not zeroed");
	} else {
		ROUND_TRIP(create_struct, &cs);
	}
	wire_create_struct_done(&cs);
	wire_create_struct_done(&cs);

	memset(&pr, 0x5a, sizeof(pr));
	if (wire_ping_response_decode(j, &pr, err, sizeof(err)) < 0) {
		fuzz_check_err(err, sizeof(err));
		FUZZ_CHECK(fuzz_is_zero(&pr, sizeof(pr)), "not zeroed");
	} else {
		ROUND_TRIP(ping_response, &pr);
	}
	wire_ping_response_done(&pr);
	wire_ping_response_done(&pr);
	cJSON_Delete(j);
}

static void base64(const uint8_t *data, size_t size)
{
	char *dec = NULL, *enc, *dec2 = NULL;
	size_t n = 0, n2 = 0;
	int r;

	/* raw bytes -> text -> the same bytes */
	enc = wire_base64_encode((const char *)data, size);
	FUZZ_CHECK(enc != NULL, "encode");
	FUZZ_CHECK(strlen(enc) == (size + 2) / 3 * 4, "encoded length");
	FUZZ_CHECK(wire_base64_decode(enc, strlen(enc), &dec2, &n2) == 0,
		   "own encoding refused: %s", enc);
	FUZZ_CHECK(n2 == size && !memcmp(dec2, data, size), "round trip");
	free(dec2);
	free(enc);

	/* the input as base64 text: decoding it is stable */
	r = wire_base64_decode((const char *)data, size, &dec, &n);
	FUZZ_CHECK(r == 0 || r == -1, "result %d", r);
	if (r == 0) {
		FUZZ_CHECK(dec[n] == '\0', "not terminated");
		FUZZ_CHECK(n <= size / 4 * 3, "decoded length");
		enc = wire_base64_encode(dec, n);
		FUZZ_CHECK(enc && strlen(enc) == size, "re-encoded length");
		FUZZ_CHECK(wire_base64_decode(enc, size, &dec2, &n2) == 0 &&
			   n2 == n && !memcmp(dec, dec2, n), "re-decoded");
		free(dec2);
		free(enc);
		free(dec);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json(data, size);
	base64(data, size);
	return 0;
}
