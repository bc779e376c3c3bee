/*
 * What a resource needs against its prior state: nothing when the hash of
 * its canonical spec is the same; otherwise the changed spec paths, and a
 * replace when one of them is a field the kind cannot change in place.
 */
#include <string.h>

#include "json.h"
#include "kinds.h"
#include "plan.h"
#include "strbuf.h"
#include "banned.h"

const int is_action_display[IS_ACTION_COUNT] = {
	IS_ACTION_CREATE, IS_ACTION_UPDATE, IS_ACTION_REPLACE, IS_ACTION_DELETE,
	IS_ACTION_NOOP
};

const char *is_action_name(int action)
{
	static const char *const names[] = { "noop", "create", "update", "replace",
	                                     "delete" };

	return action >= 0 && action < IS_ACTION_COUNT ? names[action] : "?";
}

static void spec_hash(const json_t *rec, char out[72])
{
	const char *h = json_string_value(json_object_get(rec, "hash"));
	json_t *spec = json_object_get(rec, "spec");

	if (h && strlen(h) < 72) {
		memcpy(out, h, strlen(h) + 1);
		return;
	}
	if (spec) {
		is_json_hash(spec, out);
		return;
	}
	out[0] = '\0';
}

int is_plan_diff(const char *kind, const json_t *rec, const json_t *state,
                 json_t **changes)
{
	char now[72], then[72];
	struct is_strbuf path = IS_STRBUF_INIT;
	*changes = NULL;
	spec_hash(rec, now);
	spec_hash(state, then);
	if (now[0] && !strcmp(now, then))
		return IS_ACTION_NOOP;
	*changes = json_array();
	is_strbuf_init(&path, 64);
	is_json_diff(json_object_get(state, "spec"), json_object_get(rec, "spec"), &path,
	             *changes);
	is_strbuf_release(&path);
	if (json_array_size(*changes) == 0) {
		/* Hashed differently, equal all the same. */
		json_decref(*changes);
		*changes = NULL;
		return IS_ACTION_NOOP;
	}
	return is_plan_diff_action(kind, *changes);
}

int is_plan_diff_action(const char *kind, const json_t *changes)
{
	size_t i;
	json_t *c;

	if (!json_array_size(changes))
		return IS_ACTION_NOOP;
	json_array_foreach((json_t *)changes, i, c)
		if (is_kind_forces_replace(kind, json_string_value(c)))
			return IS_ACTION_REPLACE;
	return IS_ACTION_UPDATE;
}
