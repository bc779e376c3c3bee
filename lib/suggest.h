#ifndef IS_SUGGEST_H
#define IS_SUGGEST_H
#include <stddef.h>

/* Edit distance (Levenshtein, with adjacent swaps counting one). */
size_t is_edit_distance(const char *a, const char *b);
/*
 * The candidate closest to word, when close enough to be a likely typo;
 * returns a borrowed candidate or NULL. candidates ends with NULL.
 */
const char *is_suggest(const char *word, const char *const *candidates);
/* Whether candidate is close enough to word to be suggested. */
int is_suggest_close(const char *word, const char *candidate, size_t distance);

#endif
