/* common/strmap.c - see strmap.h */
#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap_slot {
	const char *key; /* NULL: empty */
	void *value;     /* NULL with a key: deleted */
	uint64_t hash;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_done(struct strmap *m)
{
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *find(const struct strmap *m, const char *key,
				uint64_t h)
{
	if (!m->cap)
		return NULL;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key)
			return NULL;
		if (s->value && s->hash == h && strcmp(s->key, key) == 0)
			return s;
	}
}

static int grow(struct strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct strmap_slot *old = m->slots, *nv;
	size_t oldcap = m->cap;

	/* many deleted slots: rebuild at the same size */
	if (m->n * 4 < m->cap)
		cap = m->cap;
	nv = calloc(cap, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	m->slots = nv;
	m->cap = cap;
	m->n = m->used = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key && old[i].value)
			(void)strmap_put(m, old[i].key, old[i].value);
	free(old);
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
	uint64_t h = fnv1a(key);
	struct strmap_slot *s = find(m, key, h);
	size_t i;

	if (!value)
		return -EINVAL;
	if (s) {
		s->key = key;
		s->value = value;
		return 0;
	}
	if ((m->used + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	for (i = h & (m->cap - 1); m->slots[i].key;
	     i = (i + 1) & (m->cap - 1))
		;
	m->slots[i].key = key;
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->n++;
	m->used++;
	return 0;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s = find(m, key, fnv1a(key));

	return s ? s->value : NULL;
}

void *strmap_del(struct strmap *m, const char *key)
{
	struct strmap_slot *s = find(m, key, fnv1a(key));
	void *v;

	if (!s)
		return NULL;
	v = s->value;
	s->value = NULL; /* a tombstone: probing goes on past it */
	m->n--;
	return v;
}
