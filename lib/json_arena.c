#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_arena.h"
#include "xalloc.h"
#include "banned.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define IS_ASAN 1
#endif
#ifdef IS_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

enum { CHUNK = 1 << 20, ALIGN = 16, KEEP_CHUNKS = 8 };

struct chunk {
	char *base;
	size_t size, used;
};

static struct {
	int installed, open;
	struct chunk *chunks;
	size_t n, cap, current;
	char *next, *end;       /* the free part of chunks[current], or NULL; its
	                         * used is brought up to date by the slow path */
} arena;

static int in_arena(const void *p)
{
	const char *c = p;
	size_t i;

	for (i = 0; i < arena.n; i++)
		if (c >= arena.chunks[i].base && c < arena.chunks[i].base + arena.chunks[i].size)
			return 1;
	return 0;
}

static struct chunk *add_chunk(size_t size)
{
	struct chunk *c;

	arena.chunks = is_xgrow(arena.chunks, &arena.cap, arena.n + 1, sizeof(*arena.chunks));
	c = &arena.chunks[arena.n++];
	c->base = is_xmalloc(size);
	c->size = size;
	c->used = 0;
	POISON(c->base, size);
	return c;
}

/* The first chunk from the current one on with room, or a new one. */
static struct chunk *chunk_with_room(size_t need)
{
	for (; arena.current < arena.n; arena.current++) {
		struct chunk *c = &arena.chunks[arena.current];

		if (c->size - c->used >= need)
			return c;
	}
	arena.current = arena.n;
	return add_chunk(need > CHUNK ? need : CHUNK);
}

static void *arena_malloc_slow(size_t size, size_t need)
{
	struct chunk *c;
	void *p;

	if (!arena.open)
		return malloc(size);
	if (arena.next)    /* the bumps since the last slow call */
		arena.chunks[arena.current].used =
			(size_t)(arena.next - arena.chunks[arena.current].base);
	c = chunk_with_room(need);
	p = c->base + c->used;
	c->used += need;
	arena.next = c->base + c->used;
	arena.end = c->base + c->size;
	UNPOISON(p, size);
	return p;
}

/* Every value jansson makes comes here: the common case is a pointer bump. */
static void *arena_malloc(size_t size)
{
	size_t need = size ? (size + ALIGN - 1) & ~(size_t)(ALIGN - 1) : ALIGN;
	char *p = arena.next;

	if (!arena.open || !p || (size_t)(arena.end - p) < need)
		return arena_malloc_slow(size, need);
	arena.next = p + need;
	UNPOISON(p, size);
	return p;
}

static void arena_free(void *p)
{
	if (p && !in_arena(p))
		free(p);
}

void is_json_arena_install(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
	arena.installed = 1;
}

int is_json_arena_on(void)
{
	return arena.installed;
}

void is_json_arena_open(void)
{
	arena.open = arena.installed;
}

void is_json_arena_drop(void)
{
	size_t i, kept = 0;

	arena.open = 0;
	for (i = 0; i < arena.n; i++) {
		struct chunk *c = &arena.chunks[i];

		/* Oversized chunks and those past a few are given back. */
		if (c->size != CHUNK || kept >= KEEP_CHUNKS) {
			free(c->base);
			continue;
		}
		c->used = 0;
		POISON(c->base, c->size);
		arena.chunks[kept++] = *c;
	}
	arena.n = kept;
	arena.current = 0;
	arena.next = arena.end = NULL;
}

void is_json_arena_uninstall(void)
{
	size_t i;

	if (!arena.installed)
		return;
	for (i = 0; i < arena.n; i++)
		free(arena.chunks[i].base);
	free(arena.chunks);
	memset(&arena, 0, sizeof(arena));
	json_set_alloc_funcs(malloc, free);
}

json_t *is_json_arena_keep(json_t *v)
{
	int was_open = arena.open;
	json_t *copy;

	if (!arena.installed)
		return json_incref(v);
	arena.open = 0;
	copy = json_deep_copy(v);
	arena.open = was_open;
	return copy;
}
