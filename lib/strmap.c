#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

void is_strmap_init(struct is_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void is_strmap_init_borrowing(struct is_strmap *m)
{
	memset(m, 0, sizeof(*m));
	m->borrows_keys = 1;
}

void is_strmap_release(struct is_strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap && !m->borrows_keys; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

size_t is_strmap_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ^ (h >> 32);
}

static struct is_strmap_entry *slot_for(struct is_strmap_entry *slots, size_t cap,
                                        const char *key, size_t hash)
{
	size_t i = hash & (cap - 1);

	while (slots[i].key && (slots[i].hash != hash || strcmp(slots[i].key, key)))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow(struct is_strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct is_strmap_entry *slots = is_xcalloc(cap, sizeof(*slots));

	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*slot_for(slots, cap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

void *is_strmap_get(const struct is_strmap *m, const char *key)
{
	struct is_strmap_entry *e;

	if (!m->cap)
		return NULL;
	e = slot_for(m->slots, m->cap, key, is_strmap_hash(key));
	return e->key ? e->value : NULL;
}

const char *is_strmap_key(const struct is_strmap *m, const char *key)
{
	struct is_strmap_entry *e;

	if (!m->cap)
		return NULL;
	e = slot_for(m->slots, m->cap, key, is_strmap_hash(key));
	return e->key;
}

void *is_strmap_put(struct is_strmap *m, const char *key, void *value)
{
	size_t hash = is_strmap_hash(key);
	struct is_strmap_entry *e;
	void *old;

	if ((m->size + 1) * 4 > m->cap * 3)
		grow(m);
	e = slot_for(m->slots, m->cap, key, hash);
	if (!e->key) {
		e->key = m->borrows_keys ? (char *)key : is_xstrdup(key);
		e->hash = hash;
		e->value = value;
		m->size++;
		return NULL;
	}
	old = e->value;
	e->value = value;
	return old;
}

int is_strmap_next(const struct is_strmap *m, size_t *i, const char **key, void **value)
{
	for (; *i < m->cap; (*i)++) {
		if (m->slots[*i].key) {
			*key = m->slots[*i].key;
			if (value)
				*value = m->slots[*i].value;
			(*i)++;
			return 1;
		}
	}
	return 0;
}
