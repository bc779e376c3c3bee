#ifndef IS_POSMAP_H
#define IS_POSMAP_H
#include <jansson.h>
#include <stddef.h>

/*
 * Where things were in the source: a map from (container, member) to the line
 * and column of the member's key and value. Keyed by the container rather than
 * by the value because jansson shares true, false and null singletons.
 */
struct is_pos {
	long key_line, key_col;     /* the key of a mapping member; 0 for arrays */
	long line, col;             /* the value */
};

struct is_posmap_entry {
	const json_t *container;    /* borrowed */
	const char *key;            /* borrowed from the container; NULL for arrays */
	size_t index;
	struct is_pos pos;
};

struct is_posmap {
	struct is_posmap_entry *slots;
	size_t cap, used;
};

void is_posmap_init(struct is_posmap *m);
void is_posmap_release(struct is_posmap *m);
void is_posmap_clear(struct is_posmap *m);
/* key must stay valid as long as the map is used (a key of container). */
void is_posmap_put(struct is_posmap *m, const json_t *container, const char *key,
                   size_t index, const struct is_pos *pos);
/* Returns a borrowed position or NULL. */
const struct is_pos *is_posmap_get(const struct is_posmap *m, const json_t *container,
                                   const char *key, size_t index);

#endif
