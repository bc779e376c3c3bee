#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idindex.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

/* Before each pooled id: where it was defined; the top bit of col_flags says
 * that its name is ambiguous. */
struct header {
	uint32_t file, line, col_flags;
};

#define AMBIGUOUS_BIT 0x80000000u
#define MAX_POOL ((size_t)UINT32_MAX)

const char is_idindex_ambiguous[] = "(ambiguous)";

void is_idindex_init(struct is_idindex *x)
{
	memset(x, 0, sizeof(*x));
}

void is_idindex_release(struct is_idindex *x)
{
	free(x->pool);
	free(x->ids);
	free(x->names);
	free(x->files);
	memset(x, 0, sizeof(*x));
}

static const char *text_at(const struct is_idindex *x, uint32_t off)
{
	return x->pool + off;
}

static struct header *header_at(const struct is_idindex *x, uint32_t off)
{
	return (struct header *)(void *)(x->pool + off - sizeof(struct header));
}

static const char *name_of(const char *id)
{
	return strchr(id, '/') + 1;
}

static const char *key_at(const struct is_idindex *x, uint32_t off, int by_name)
{
	return by_name ? name_of(text_at(x, off)) : text_at(x, off);
}

/* The slot of key in an open-addressing table (linear probing). */
static uint32_t *slot_for(const struct is_idindex *x, uint32_t *slots, size_t cap,
                          const char *key, int by_name)
{
	size_t i = is_strmap_hash(key) & (cap - 1);

	while (slots[i] && strcmp(key_at(x, slots[i], by_name), key))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Doubles a table before it is three quarters full. */
static void make_room(struct is_idindex *x, uint32_t **slots, size_t *cap, size_t n,
                      int by_name)
{
	size_t new_cap = *cap ? *cap * 2 : 1024, i;
	uint32_t *t;

	if ((n + 1) * 4 <= *cap * 3)
		return;
	t = is_xcalloc(new_cap, sizeof(*t));
	for (i = 0; i < *cap; i++)
		if ((*slots)[i])
			*slot_for(x, t, new_cap, key_at(x, (*slots)[i], by_name), by_name) = (*slots)[i];
	free(*slots);
	*slots = t;
	*cap = new_cap;
}

/* The file's index; files come one after the other, so the last is checked. */
static uint32_t file_index(struct is_idindex *x, const char *file)
{
	if (x->n_files && x->files[x->n_files - 1] == file)
		return (uint32_t)(x->n_files - 1);
	x->files = is_xgrow(x->files, &x->cap_files, x->n_files + 1, sizeof(*x->files));
	x->files[x->n_files] = file;
	return (uint32_t)x->n_files++;
}

static uint32_t clamp(unsigned long n, uint32_t max)
{
	return n > max ? max : (uint32_t)n;
}

const char *is_idindex_add(struct is_idindex *x, const char *id, const struct is_idplace *at)
{
	size_t len = strlen(id) + 1, need;
	uint32_t *slot, off;
	struct header h;

	make_room(x, &x->ids, &x->cap_ids, x->n_ids, 0);
	slot = slot_for(x, x->ids, x->cap_ids, id, 0);
	if (*slot)
		return NULL;
	/* Offset 0 means an empty slot: the pool starts with a header. */
	need = (sizeof(h) + len + 3) & ~(size_t)3;
	if (x->used + need > MAX_POOL) {
		fputs("infrastream: more than 4 GB of ids\n", stderr);
		abort();
	}
	x->pool = is_xgrow(x->pool, &x->cap, x->used + need, 1);
	h.file = file_index(x, at->file);
	h.line = clamp(at->line, UINT32_MAX);
	h.col_flags = clamp(at->col, AMBIGUOUS_BIT - 1);
	memcpy(x->pool + x->used, &h, sizeof(h));
	off = (uint32_t)(x->used + sizeof(h));
	memcpy(x->pool + off, id, len);
	x->used += need;
	*slot = off;
	x->n_ids++;
	return text_at(x, off);
}

int is_idindex_find(const struct is_idindex *x, const char *id, struct is_idplace *at)
{
	const struct header *h;
	uint32_t *slot;

	if (!x->cap_ids)
		return 0;
	slot = slot_for(x, x->ids, x->cap_ids, id, 0);
	if (!*slot)
		return 0;
	if (at) {
		h = header_at(x, *slot);
		at->file = x->files[h->file];
		at->line = h->line;
		at->col = h->col_flags & ~AMBIGUOUS_BIT;
	}
	return 1;
}

int is_idindex_add_name(struct is_idindex *x, const char *pooled_id)
{
	uint32_t *slot;
	struct header *first;

	make_room(x, &x->names, &x->cap_names, x->n_names, 1);
	slot = slot_for(x, x->names, x->cap_names, name_of(pooled_id), 1);
	if (!*slot) {
		*slot = (uint32_t)(pooled_id - x->pool);
		x->n_names++;
		return 0;
	}
	first = header_at(x, *slot);
	if (first->col_flags & AMBIGUOUS_BIT)
		return 2;
	first->col_flags |= AMBIGUOUS_BIT;
	return 1;
}

const char *is_idindex_name(const struct is_idindex *x, const char *name)
{
	uint32_t *slot;

	if (!x->cap_names)
		return NULL;
	slot = slot_for(x, x->names, x->cap_names, name, 1);
	if (!*slot)
		return NULL;
	return header_at(x, *slot)->col_flags & AMBIGUOUS_BIT ? is_idindex_ambiguous
	                                                      : text_at(x, *slot);
}

const char *is_idindex_next(const struct is_idindex *x, size_t *i)
{
	while (*i < x->cap_ids) {
		uint32_t off = x->ids[(*i)++];

		if (off)
			return text_at(x, off);
	}
	return NULL;
}
