#include <stdlib.h>
#include <string.h>

#include "select.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

/* Index (+1, so NULL means absent) of each record by id. */
static void index_records(json_t *records, struct is_strmap *by_id)
{
	size_t i;

	for (i = 0; i < json_array_size(records); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(records, i), "id"));

		if (id)
			is_strmap_put(by_id, id, (void *)(i + 1));
	}
}

enum { NOT_KEPT, NEEDED, PRESENT };

/* Marks i as kept (NEEDED wins over PRESENT) and queues it when that is new. */
static void push(size_t **stack, size_t *n, size_t *cap, size_t i, char *mark, char how)
{
	if (mark[i] == NEEDED || mark[i] == how)
		return;
	mark[i] = how;
	*stack = is_xgrow(*stack, cap, *n + 1, sizeof(**stack));
	(*stack)[(*n)++] = i;
}

/* Members of each group: group id -> json array of member indexes. */
static void index_members(json_t *records, struct is_strmap *by_id, json_t *members)
{
	size_t i;

	(void)by_id;
	for (i = 0; i < json_array_size(records); i++) {
		json_t *g = json_object_get(json_array_get(records, i), "group");
		char *gid;
		json_t *list;

		if (!json_is_string(g))
			continue;
		gid = is_xasprintf("MetaGroup/%s", json_string_value(g));
		list = json_object_get(members, gid);
		if (!list) {
			list = json_array();
			json_object_set_new(members, gid, list);
		}
		json_array_append_new(list, json_integer((json_int_t)i));
		free(gid);
	}
}

/* The index of the MetaGroup record rec belongs to, or 0 (indexes are +1). */
static size_t group_of(json_t *rec, struct is_strmap *by_id)
{
	json_t *g = json_object_get(rec, "group");
	char *gid;
	size_t at;

	if (!json_is_string(g))
		return 0;
	gid = is_xasprintf("MetaGroup/%s", json_string_value(g));
	at = (size_t)is_strmap_get(by_id, gid);
	free(gid);
	return at;
}

/*
 * Two ways to be kept: NEEDED (something kept waits for it; a needed group
 * brings all its members) and PRESENT (the group record of a kept member, so
 * the member's "group" still names a record; its other members stay out, but
 * what the group waits for is needed, since its members wait for that too).
 */
static void follow(json_t *records, struct is_strmap *by_id, json_t *members, char *mark,
                   size_t **stack, size_t *n, size_t *cap)
{
	while (*n > 0) {
		size_t i = (*stack)[--*n], j, at;
		json_t *rec = json_array_get(records, i);
		json_t *deps = json_object_get(rec, "deps");
		json_t *list = json_object_get(members, json_string_value(json_object_get(rec, "id")));

		for (j = 0; j < json_array_size(deps); j++) {
			at = (size_t)is_strmap_get(by_id, json_string_value(json_array_get(deps, j)));
			if (at)
				push(stack, n, cap, at - 1, mark, NEEDED);
		}
		at = group_of(rec, by_id);
		if (at)
			push(stack, n, cap, at - 1, mark, PRESENT);
		if (mark[i] == NEEDED)
			for (j = 0; j < json_array_size(list); j++)
				push(stack, n, cap, (size_t)json_integer_value(json_array_get(list, j)),
				     mark, NEEDED);
	}
}

json_t *is_select_closure(json_t *records, const struct is_selector *sel, size_t *extra)
{
	size_t count = json_array_size(records), i, n = 0, cap = 0;
	char *mark = is_xcalloc(count + 1, 1);
	char *chosen = is_xcalloc(count + 1, 1);
	size_t *stack = NULL;
	struct is_strmap by_id;
	json_t *members = json_object(), *out = json_array();

	is_strmap_init(&by_id);
	index_records(records, &by_id);
	index_members(records, &by_id, members);
	for (i = 0; i < count; i++) {
		json_t *rec = json_array_get(records, i);

		if (is_selector_match(sel, json_object_get(rec, "labels"))) {
			chosen[i] = 1;
			push(&stack, &n, &cap, i, mark, NEEDED);
		}
	}
	follow(records, &by_id, members, mark, &stack, &n, &cap);
	*extra = 0;
	for (i = 0; i < count; i++) {
		json_t *rec = json_array_get(records, i);

		if (!mark[i])
			continue;
		if (!chosen[i]) {
			json_object_set_new(rec, "selected", json_false());
			(*extra)++;
		}
		json_array_append(out, rec);
	}
	is_strmap_release(&by_id);
	json_decref(members);
	free(stack);
	free(mark);
	free(chosen);
	return out;
}
