/*
 * common/confdiff.h - which keys differ between two loaded configurations
 * (a reload on SIGHUP applies some and reports the others as needing a
 * restart).
 */
#ifndef COMMON_CONFDIFF_H
#define COMMON_CONFDIFF_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "conf.h"

/*
 * Call visit(ctx, "Section.Key") for every key of table whose value differs
 * between the objects a and b (both loaded with table).  CONF_RAW keys are
 * compared in the raw trees ra and rb when given.  Returns the count.
 */
size_t conf_diff(const struct conf_key *table, const void *a, const void *b,
		 const cJSON *ra, const cJSON *rb,
		 void (*visit)(void *ctx, const char *key), void *ctx);

#endif /* COMMON_CONFDIFF_H */
