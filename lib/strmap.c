#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

uint64_t is_strmap_hash(const char *key)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = 14695981039346656037ULL;

	while (*p) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	/* Mix the high bits down: the low bits pick the slot. */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

void is_strmap_init(struct is_strmap *m, size_t hint)
{
	size_t cap = 16;

	while (cap < hint + hint / 2 + 1)
		cap *= 2;
	m->slots = is_xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->count = 0;
}

void is_strmap_release(struct is_strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

static struct is_strmap_slot *probe(const struct is_strmap *m, const char *key,
                                    uint64_t hash)
{
	size_t mask = m->cap - 1, i = (size_t)hash & mask;

	for (;; i = (i + 1) & mask) {
		struct is_strmap_slot *s = &m->slots[i];

		if (!s->key || (s->hash == hash && !strcmp(s->key, key)))
			return s;
	}
}

static void grow(struct is_strmap *m)
{
	struct is_strmap old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	m->slots = is_xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*probe(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
	free(old.slots);
}

union is_strmap_value *is_strmap_put(struct is_strmap *m, const char *key,
                                     int *added)
{
	uint64_t hash = is_strmap_hash(key);
	struct is_strmap_slot *s;

	/* Keep the load under 3/4 so probes stay short. */
	if ((m->count + 1) * 4 > m->cap * 3)
		grow(m);
	s = probe(m, key, hash);
	*added = !s->key;
	if (!s->key) {
		s->key = key;
		s->hash = hash;
		s->value.index = 0;
		s->value.ptr = NULL;
		m->count++;
	}
	return &s->value;
}

union is_strmap_value *is_strmap_get(const struct is_strmap *m, const char *key)
{
	struct is_strmap_slot *s;

	if (!m->cap)
		return NULL;
	s = probe(m, key, is_strmap_hash(key));
	return s->key ? &s->value : NULL;
}
