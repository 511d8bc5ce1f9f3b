/*
 * common/strmap.h - a string-keyed hash map (open addressing, linear
 * probing, FNV-1a).  Keys are borrowed: they must stay valid and unchanged
 * while in the map (they usually point into the value).  Not thread-safe.
 */
#ifndef COMMON_STRMAP_H
#define COMMON_STRMAP_H

#include <stddef.h>

struct strmap {
	struct strmap_slot *slots;
	size_t cap;  /* power of two, or 0 */
	size_t n;    /* live entries */
	size_t used; /* live + deleted slots */
};

void strmap_init(struct strmap *m);
void strmap_done(struct strmap *m);
/* Insert or replace; 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, void *value);
/* The value, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);
/* Remove; the value, or NULL when absent. */
void *strmap_del(struct strmap *m, const char *key);

#endif /* COMMON_STRMAP_H */
