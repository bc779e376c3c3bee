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

static void push(size_t **stack, size_t *n, size_t *cap, size_t i, char *mark)
{
	if (mark[i])
		return;
	mark[i] = 1;
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

static void follow(json_t *records, struct is_strmap *by_id, json_t *members, char *mark,
                   size_t **stack, size_t *n, size_t *cap)
{
	while (*n > 0) {
		json_t *rec = json_array_get(records, (*stack)[--*n]);
		json_t *deps = json_object_get(rec, "deps");
		json_t *list = json_object_get(members, json_string_value(json_object_get(rec, "id")));
		size_t j;

		for (j = 0; j < json_array_size(deps); j++) {
			size_t at = (size_t)is_strmap_get(by_id, json_string_value(json_array_get(deps, j)));

			if (at)
				push(stack, n, cap, at - 1, mark);
		}
		for (j = 0; j < json_array_size(list); j++)
			push(stack, n, cap, (size_t)json_integer_value(json_array_get(list, j)), mark);
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
			push(&stack, &n, &cap, i, mark);
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
