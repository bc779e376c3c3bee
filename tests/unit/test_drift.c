/* metadata.ignoreChanges: which paths are valid, what they take out of a
 * read's drift and of a plan's changes. */
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "unit.h"

/* is_drift_ignore(drift, ignore) as JSON text ("null" when nothing is left). */
static void leaves(const char *drift, const char *ignore, const char *want)
{
	json_t *d = json_loads(drift, 0, NULL), *i = json_loads(ignore, 0, NULL);
	json_t *got = is_drift_ignore(d, i), *w = json_loads(want, JSON_DECODE_ANY, NULL);
	char *text = got ? json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

	CHECK((!got && json_is_null(w)) || (got && json_equal(got, w)),
	      "drift %s less %s is %s (got %s)", drift, ignore, want, text ? text : "null");
	free(text);
	json_decref(d);
	json_decref(i);
	json_decref(got);
	json_decref(w);
}

static void changes(const char *in, const char *ignore, const char *want)
{
	json_t *c = json_loads(in, 0, NULL), *i = json_loads(ignore, 0, NULL);
	json_t *w = json_loads(want, 0, NULL);

	is_changes_ignore(c, i);
	CHECK(json_equal(c, w), "changes %s less %s are %s", in, ignore, want);
	json_decref(c);
	json_decref(i);
	json_decref(w);
}

int main(void)
{
	static const char *const good[] = { "/spec", "/spec/content", "/outputs",
	                                    "/outputs/a~1b", NULL };
	static const char *const bad[] = { "", "/", "spec/content", "/specs", "/output",
	                                   "/outputsx/a", "content", NULL };
	const char *const *p;

	for (p = good; *p; p++)
		CHECK(is_ignore_path_valid(*p), "'%s' is a valid path", *p);
	for (p = bad; *p; p++)
		CHECK(!is_ignore_path_valid(*p), "'%s' is not", *p);
	CHECK(!is_ignore_path_valid(NULL), "a path that is no string is not");

	leaves("{\"mode\":{\"was\":\"0644\",\"now\":\"0600\"}}", "[]",
	       "{\"mode\":{\"was\":\"0644\",\"now\":\"0600\"}}");
	leaves("{\"mode\":{\"was\":\"0644\",\"now\":\"0600\"},\"size\":{\"was\":1,\"now\":2}}",
	       "[\"/outputs/mode\"]", "{\"size\":{\"was\":1,\"now\":2}}");
	leaves("{\"mode\":{\"was\":\"0644\",\"now\":\"0600\"}}", "[\"/outputs\"]", "null");
	leaves("{\"mode\":{\"was\":\"0644\",\"now\":\"0600\"}}", "[\"/spec/mode\"]",
	       "{\"mode\":{\"was\":\"0644\",\"now\":\"0600\"}}");
	leaves("{\"gone\":true}", "[\"/outputs\"]", "{\"gone\":true}");
	leaves("{\"a/b\":{\"was\":1,\"now\":2}}", "[\"/outputs/a~1b\"]", "null");
	/* Deeper: what is left once the ignored fields are out decides. */
	leaves("{\"meta\":{\"was\":{\"etag\":\"1\",\"v\":1},\"now\":{\"etag\":\"2\",\"v\":1}}}",
	       "[\"/outputs/meta/etag\"]", "null");
	leaves("{\"meta\":{\"was\":{\"etag\":\"1\",\"v\":1},\"now\":{\"etag\":\"2\",\"v\":2}}}",
	       "[\"/outputs/meta/etag\"]",
	       "{\"meta\":{\"was\":{\"etag\":\"1\",\"v\":1},\"now\":{\"etag\":\"2\",\"v\":2}}}");
	leaves("{\"meta\":{\"was\":{\"etag\":\"1\"},\"now\":null}}", "[\"/outputs/meta/etag\"]",
	       "{\"meta\":{\"was\":{\"etag\":\"1\"},\"now\":null}}");
	leaves("{\"metadata\":{\"was\":1,\"now\":2}}", "[\"/outputs/meta\"]",
	       "{\"metadata\":{\"was\":1,\"now\":2}}");

	/* A recorded secret ("***") cannot be compared: no drift. */
	leaves("{\"password\":{\"was\":\"***\",\"now\":\"hunter2\"}}", "[]", "null");
	leaves("{\"url\":{\"was\":\"pg://u:***@h\",\"now\":\"pg://u:x@h\"},"
	       "\"port\":{\"was\":1,\"now\":2}}", "[]", "{\"port\":{\"was\":1,\"now\":2}}");
	{
		json_t *v = json_loads("{\"a\":[1,{\"b\":\"x***\"}]}", 0, NULL);
		json_t *w = json_loads("{\"a\":[1,{\"b\":\"x**\"}]}", 0, NULL);

		CHECK(is_json_redacted(v), "a *** deep inside is found");
		CHECK(!is_json_redacted(w), "** is no ***");
		json_decref(v);
		json_decref(w);
	}

	changes("[\"/content\",\"/mode\"]", "[\"/spec/mode\"]", "[\"/content\"]");
	changes("[\"/env/A\",\"/env/B\",\"/dir\"]", "[\"/spec/env\"]", "[\"/dir\"]");
	changes("[\"/content\"]", "[\"/outputs/content\"]", "[\"/content\"]");
	changes("[\"/content\"]", "[\"/spec\"]", "[]");
	changes("[\"/contents\"]", "[\"/spec/content\"]", "[\"/contents\"]");
	return UNIT_DONE();
}
