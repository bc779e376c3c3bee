#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "posmap.h"
#include "xalloc.h"
#include "banned.h"

void is_posmap_init(struct is_posmap *m)
{
	memset(m, 0, sizeof(*m));
}

void is_posmap_release(struct is_posmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

void is_posmap_clear(struct is_posmap *m)
{
	if (m->used)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->used = 0;
}

static size_t hash_member(const json_t *container, const char *key, size_t index)
{
	uint64_t h = (uint64_t)(uintptr_t)container * 0x9e3779b97f4a7c15ULL;

	if (key) {
		for (; *key; key++)
			h = (h ^ (unsigned char)*key) * 0x100000001b3ULL;
	} else {
		h ^= index * 0xff51afd7ed558ccdULL;
	}
	return (size_t)(h ^ (h >> 29));
}

static int same_member(const struct is_posmap_entry *e, const json_t *container,
                       const char *key, size_t index)
{
	if (e->container != container)
		return 0;
	if (!key || !e->key)
		return !key && !e->key && e->index == index;
	return !strcmp(e->key, key);
}

static struct is_posmap_entry *find_slot(struct is_posmap_entry *slots, size_t cap,
                                         const json_t *container, const char *key,
                                         size_t index)
{
	size_t i = hash_member(container, key, index) & (cap - 1);

	while (slots[i].container && !same_member(&slots[i], container, key, index))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void rehash(struct is_posmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 32, i;
	struct is_posmap_entry *slots = is_xcalloc(cap, sizeof(*slots));

	for (i = 0; i < m->cap; i++) {
		struct is_posmap_entry *e = &m->slots[i];

		if (e->container)
			*find_slot(slots, cap, e->container, e->key, e->index) = *e;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

void is_posmap_put(struct is_posmap *m, const json_t *container, const char *key,
                   size_t index, const struct is_pos *pos)
{
	struct is_posmap_entry *e;

	if ((m->used + 1) * 4 > m->cap * 3)
		rehash(m);
	e = find_slot(m->slots, m->cap, container, key, index);
	if (!e->container)
		m->used++;
	e->container = container;
	e->key = key;
	e->index = index;
	e->pos = *pos;
}

const struct is_pos *is_posmap_get(const struct is_posmap *m, const json_t *container,
                                   const char *key, size_t index)
{
	const struct is_posmap_entry *e;

	if (!m->cap)
		return NULL;
	e = find_slot(m->slots, m->cap, container, key, index);
	return e->container ? &e->pos : NULL;
}
