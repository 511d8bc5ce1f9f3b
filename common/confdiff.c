/* common/confdiff.c - see confdiff.h */
#include "confdiff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FIELD(obj, k, type) ((const type *)((const char *)(obj) + (k)->offset))

static bool str_eq(const char *x, const char *y)
{
	return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

static bool key_eq(const struct conf_key *k, const void *a, const void *b)
{
	switch (k->type) {
	case CONF_STRING:
		return str_eq(*FIELD(a, k, char *), *FIELD(b, k, char *));
	case CONF_BOOL:
		return *FIELD(a, k, bool) == *FIELD(b, k, bool);
	case CONF_INT:
		return *FIELD(a, k, int64_t) == *FIELD(b, k, int64_t);
	case CONF_STRLIST: {
		const struct conf_strlist *x = FIELD(a, k, struct conf_strlist);
		const struct conf_strlist *y = FIELD(b, k, struct conf_strlist);

		if (x->n != y->n)
			return false;
		for (size_t i = 0; i < x->n; i++)
			if (!str_eq(x->v[i], y->v[i]))
				return false;
		return true;
	}
	default:
		return true;
	}
}

static size_t diff(const struct conf_key *t, const void *a, const void *b,
		   const cJSON *ra, const cJSON *rb, const char *prefix,
		   void (*visit)(void *, const char *), void *ctx)
{
	char name[256];
	size_t n = 0;

	for (const struct conf_key *k = t; k->name; k++) {
		const cJSON *xa = ra ? cJSON_GetObjectItemCaseSensitive(ra, k->name) : NULL;
		const cJSON *xb = rb ? cJSON_GetObjectItemCaseSensitive(rb, k->name) : NULL;
		bool same;

		snprintf(name, sizeof(name), "%s%s", prefix, k->name);
		if (k->type == CONF_SECTION) {
			char sub[260];

			if (!k->section)
				continue;
			snprintf(sub, sizeof(sub), "%s.", name);
			n += diff(k->section, a, b, xa, xb, sub, visit, ctx);
			continue;
		}
		if (k->type == CONF_RAW)
			same = (!xa && !xb) ||
			       (xa && xb && cJSON_Compare(xa, xb, true));
		else
			same = key_eq(k, a, b);
		if (!same) {
			n++;
			visit(ctx, name);
		}
	}
	return n;
}

size_t conf_diff(const struct conf_key *table, const void *a, const void *b,
		 const cJSON *ra, const cJSON *rb,
		 void (*visit)(void *ctx, const char *key), void *ctx)
{
	return diff(table, a, b, ra, rb, "", visit, ctx);
}
