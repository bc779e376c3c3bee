#ifndef IS_STRMAP_H
#define IS_STRMAP_H
#include <stddef.h>

/*
 * A map from strings to pointers (open addressing, linear probing). The map
 * owns copies of its keys; values are the caller's.
 */
struct is_strmap_entry {
	char *key;      /* owned (or borrowed, see borrows_keys); NULL: empty slot */
	size_t hash;
	void *value;    /* borrowed */
};

struct is_strmap {
	struct is_strmap_entry *slots;
	size_t cap, size;
	int borrows_keys;       /* keys are the caller's: neither copied nor freed */
};

void is_strmap_init(struct is_strmap *m);
/* A map whose keys stay valid while it is used (e.g. from a string pool). */
void is_strmap_init_borrowing(struct is_strmap *m);
/* Frees the keys and the table, not the values. */
void is_strmap_release(struct is_strmap *m);
/* Returns the value stored under key, or NULL. */
void *is_strmap_get(const struct is_strmap *m, const char *key);
/* Returns the stored key (owned by the map) or NULL: a stable interned copy. */
const char *is_strmap_key(const struct is_strmap *m, const char *key);
/* Stores value under key (copied); returns the previous value or NULL. */
void *is_strmap_put(struct is_strmap *m, const char *key, void *value);
/* Iteration: for (i = 0; is_strmap_next(m, &i, &k, &v);) */
int is_strmap_next(const struct is_strmap *m, size_t *i, const char **key, void **value);
size_t is_strmap_hash(const char *s);

#endif
