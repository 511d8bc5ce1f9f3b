/* common/confsuggest.c - see confsuggest.h */
#include "confsuggest.h"

#include <ctype.h>
#include <string.h>

#define MAX_LEN 64

/* Levenshtein distance of a and b without case (both < MAX_LEN). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[MAX_LEN + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0], cur;

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev + (tolower((unsigned char)a[i - 1]) !=
					     tolower((unsigned char)b[j - 1]));

			cur = row[j];
			row[j] = sub;
			if (cur + 1 < row[j])
				row[j] = cur + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			prev = cur;
		}
	}
	return row[lb];
}

const char *conf_suggest(const struct conf_key *table, const char *name)
{
	const char *best = NULL;
	size_t best_d = 3;

	if (!name || strlen(name) >= MAX_LEN)
		return NULL;
	for (const struct conf_key *k = table; k->name; k++) {
		size_t d;

		if (strlen(k->name) >= MAX_LEN)
			continue;
		d = distance(name, k->name);
		if (d < best_d) {
			best_d = d;
			best = k->name;
		}
	}
	return best;
}
