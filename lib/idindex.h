#ifndef IS_IDINDEX_H
#define IS_IDINDEX_H
#include <stddef.h>
#include <stdint.h>

/*
 * Every id of a run, where it was defined, and the bare names (the part after
 * the first '/') that resolve to it: what is-parse must remember across all
 * files to report duplicate ids, dangling references and bare names used
 * before or after their resource. It is the one thing that grows with the
 * input, so it is compact: each id is a 12-byte place and its text in one
 * growing buffer, and the two hash tables hold 4-byte offsets into it; no
 * allocation per id, no copy of a name. About 50 bytes a resource with
 * ids of 25 characters (the text itself is half of it).
 */
struct is_idplace {
	const char *file;       /* borrowed: the caller keeps it alive */
	unsigned long line, col;
};

struct is_idindex {
	char *pool;                     /* places and ids, 4-byte aligned */
	size_t used, cap;
	uint32_t *ids, *names;          /* slots: an offset in pool, or 0 */
	size_t cap_ids, n_ids, cap_names, n_names;
	const char **files;             /* by index; borrowed */
	size_t n_files, cap_files;
};

/* What is_idindex_name answers for a name that more than one kind has. */
extern const char is_idindex_ambiguous[];

void is_idindex_init(struct is_idindex *x);
void is_idindex_release(struct is_idindex *x);
/*
 * Adds id (with a '/'), defined at *at. Returns its pooled copy, or NULL when
 * id is there already. Every pooled pointer this index returns stays valid
 * until the next is_idindex_add (the pool may move).
 */
const char *is_idindex_add(struct is_idindex *x, const char *id, const struct is_idplace *at);
/* Where id was defined: 1 and *at, or 0 when it was not. */
int is_idindex_find(const struct is_idindex *x, const char *id, struct is_idplace *at);
/*
 * Registers the name of a pooled id. Returns 0 when the name is new, 1 when
 * it has just become ambiguous (a second kind has it), 2 when it was already.
 */
int is_idindex_add_name(struct is_idindex *x, const char *pooled_id);
/* The pooled id a bare name stands for, is_idindex_ambiguous, or NULL. */
const char *is_idindex_name(const struct is_idindex *x, const char *name);
/* Iteration over the ids: for (i = 0; (id = is_idindex_next(x, &i));) */
const char *is_idindex_next(const struct is_idindex *x, size_t *i);

#endif
