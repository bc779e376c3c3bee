#ifndef IS_STRPOOL_H
#define IS_STRPOOL_H
#include <stddef.h>

/*
 * Strings kept for the whole run, packed into large blocks: no allocation
 * header per string and one free at the end. For indexes that hold every id
 * of a run (is-parse keeps one per resource).
 */
struct is_strpool {
	char **blocks;
	size_t n, cap;
	size_t used, size;      /* of the newest block */
};

#define IS_STRPOOL_INIT { NULL, 0, 0, 0, 0 }

/* Returns a copy of s that stays valid until is_strpool_release. */
const char *is_strpool_add(struct is_strpool *pool, const char *s);
void is_strpool_release(struct is_strpool *pool);

#endif
