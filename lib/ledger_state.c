/*
 * Which events make a resource state, and what that state holds. record
 * stores what this derives; verify derives it again from the stored event and
 * compares, so a state row edited, removed or inserted behind the ledger's
 * back is found even though states carry no chain of their own.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger.h"
#include "strbuf.h"
#include "banned.h"

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *dump(const json_t *v)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (!v || json_is_null(v))
		return NULL;
	is_json_dump(&sb, v, IS_JSON_SORT_KEYS);
	return is_strbuf_detach(&sb, NULL);
}

int is_ledger_state_from_event(const json_t *ev, struct is_ledger_state *st)
{
	const char *status = str(ev, "status"), *action = str(ev, "action");
	const json_t *deps;
	int deleted;

	memset(st, 0, sizeof(*st));
	if (!status || strcmp(status, "READY") || !action || !str(ev, "id") ||
	    json_is_true(json_object_get(ev, "dry_run")))
		return 0;
	if (!strcmp(action, "delete"))
		deleted = 1;
	else if (!strcmp(action, "create") || !strcmp(action, "update") ||
	         !strcmp(action, "replace"))
		deleted = 0;
	else
		return 0;
	st->resource = str(ev, "id");
	st->kind = str(ev, "kind");
	st->run = str(ev, "run");
	st->at = str(ev, "at");
	st->deleted = deleted;
	if (deleted)
		return 1;
	st->hash = str(ev, "hash");
	st->spec = dump(json_object_get(ev, "spec"));
	st->outputs = dump(json_object_get(ev, "outputs"));
	st->labels = dump(json_object_get(ev, "labels"));
	deps = json_object_get(ev, "deps");
	st->deps = json_is_array(deps) ? deps : NULL;
	return 1;
}

void is_ledger_state_release(struct is_ledger_state *st)
{
	free(st->spec);
	free(st->outputs);
	free(st->labels);
	memset(st, 0, sizeof(*st));
}
