/*
 * fuzz_yamljson: the YAML reader behind both configuration files
 * (strings mode, one document) and ilctl's manifests (typed mode, every
 * document).
 *
 * Invariants: a failure says why; in strings mode every scalar is a
 * string or null; in typed mode every number is finite; the tree prints
 * as JSON that cJSON reads back to an equal tree.
 */
#include <math.h>

#include "fuzz.h"
#include "yamljson.h"

static void check_tree(const cJSON *j, enum yamljson_mode mode)
{
	const cJSON *c;

	if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
		cJSON_ArrayForEach(c, j) {
			FUZZ_CHECK(!cJSON_IsObject(j) || c->string, "no key");
			check_tree(c, mode);
		}
		return;
	}
	if (mode == YAMLJSON_STRINGS)
		FUZZ_CHECK(cJSON_IsString(j) || cJSON_IsNull(j),
			   "a scalar of type %d in strings mode", j->type);
	else if (cJSON_IsNumber(j))
		FUZZ_CHECK(isfinite(j->valuedouble), "not finite");
	if (cJSON_IsString(j))
		FUZZ_CHECK(j->valuestring != NULL, "string without value");
}

static void check_reparse(const cJSON *j)
{
	char *text = fuzz_print(j);
	cJSON *back = cJSON_Parse(text);

	FUZZ_CHECK(back != NULL, "printed tree does not parse: %.200s", text);
	FUZZ_CHECK(cJSON_Compare(j, back, true), "reparsed tree differs");
	cJSON_Delete(back);
	cJSON_free(text);
}

static void run(const uint8_t *data, size_t size, enum yamljson_mode mode,
		bool all)
{
	cJSON *j = NULL;
	char err[256];
	int r;

	memset(err, 'x', sizeof(err));
	r = all ? yamljson_parse_all((const char *)data, size, mode, &j, err,
				     sizeof(err)) :
		  yamljson_parse_one((const char *)data, size, mode, &j, err,
				     sizeof(err));
	if (r < 0) {
		fuzz_check_err(err, sizeof(err));
		cJSON_Delete(j);
		return;
	}
	FUZZ_CHECK(r == 0 && j != NULL, "r %d", r);
	FUZZ_CHECK(!all || cJSON_IsArray(j), "parse_all: not an array");
	check_tree(j, mode);
	check_reparse(j);
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, YAMLJSON_STRINGS, false); /* configuration */
	run(data, size, YAMLJSON_TYPED, true);    /* manifests */
	return 0;
}
