/*
 * common/confsuggest.h - "did you mean" for an unknown configuration key:
 * the known key of the same mapping nearest to it (letters compared
 * without case; at most 2 edits, or only case).
 */
#ifndef COMMON_CONFSUGGEST_H
#define COMMON_CONFSUGGEST_H

#include "conf.h"

/* The nearest key of table to name, or NULL when none is close. */
const char *conf_suggest(const struct conf_key *table, const char *name);

#endif /* COMMON_CONFSUGGEST_H */
