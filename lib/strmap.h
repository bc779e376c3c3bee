#ifndef IS_STRMAP_H
#define IS_STRMAP_H
#include <stddef.h>
#include <stdint.h>

/*
 * A string-keyed hash map (open addressing, linear probing) whose values are
 * a pointer or an index. Keys are borrowed: the caller keeps each key alive
 * and unchanged while it is in the map, which lets a million ids live in
 * their records without a second copy.
 */
union is_strmap_value {
	void *ptr;
	size_t index;
};

struct is_strmap_slot {
	const char *key;            /* borrowed; NULL for an empty slot */
	uint64_t hash;
	union is_strmap_value value;
};

struct is_strmap {
	struct is_strmap_slot *slots;
	size_t cap, count;          /* cap is 0 or a power of two */
};

#define IS_STRMAP_INIT { NULL, 0, 0 }

/* hint: how many keys are expected (0 when unknown). */
void is_strmap_init(struct is_strmap *m, size_t hint);
/* Frees the slots, never the keys or the values. */
void is_strmap_release(struct is_strmap *m);
/*
 * Finds key, adding it (with a zeroed value) when absent; *added says which.
 * Returns a pointer to the value, valid until the next put.
 */
union is_strmap_value *is_strmap_put(struct is_strmap *m, const char *key,
                                     int *added);
/* Returns a pointer to the value of key, or NULL when absent. */
union is_strmap_value *is_strmap_get(const struct is_strmap *m, const char *key);
/* The 64-bit hash the map uses (FNV-1a), for callers that want one too. */
uint64_t is_strmap_hash(const char *key);

#endif
