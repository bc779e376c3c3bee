/*
 * What metadata.ignoreChanges leaves out of a plan's changes and of a
 * read's drift. Paths are JSON pointers rooted at the resource, so one list
 * covers both: "/spec/..." for planned changes, "/outputs/..." for drift.
 */
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "json.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* 1 when path equals root or lies under it ("/a/b" under "/a"). */
static int under(const char *path, const char *root, size_t len)
{
	return !strncmp(path, root, len) && (path[len] == '\0' || path[len] == '/');
}

int is_ignore_path_valid(const char *path)
{
	return path && (under(path, "/spec", 5) || under(path, "/outputs", 8));
}

/* 1 when path equals one of the ignored paths or lies under one. */
static int covered(const char *path, const json_t *ignore)
{
	size_t i;
	json_t *v;

	json_array_foreach((json_t *)ignore, i, v) {
		const char *p = json_string_value(v);

		if (p && under(path, p, strlen(p)))
			return 1;
	}
	return 0;
}

/* Removes the value at pointer from root (inside objects only; a missing one
 * is fine): its parent found by pointer, its last token unescaped. */
static void remove_at(json_t *root, const char *pointer)
{
	const char *slash = strrchr(pointer, '/'), *t;
	char *parent, *key, *out;
	json_t *where;

	if (!slash)
		return;
	parent = is_xstrndup(pointer, (size_t)(slash - pointer));
	where = is_json_pointer_get(root, parent);
	free(parent);
	if (!json_is_object(where))
		return;
	key = out = is_xstrdup(slash + 1);
	for (t = slash + 1; *t; t++) {
		if (t[0] == '~' && (t[1] == '0' || t[1] == '1')) {
			*out++ = t[1] == '0' ? '~' : '/';
			t++;
		} else {
			*out++ = *t;
		}
	}
	*out = '\0';
	json_object_del(where, key);
	free(key);
}

/* A copy of value inside {"v": value}, so that any path in it has a parent. */
static json_t *wrapped(const json_t *value)
{
	json_t *w = json_object();

	if (value)
		json_object_set_new(w, "v", json_deep_copy(value));
	return w;
}

/* 1 when one output's {"was", "now"} differ only where ignore says. */
static int ignored(const char *name, const json_t *change, const json_t *ignore)
{
	struct is_strbuf prefix = IS_STRBUF_INIT, inner = IS_STRBUF_INIT;
	json_t *was, *now, *v;
	size_t i, len;
	int same;

	is_strbuf_adds(&prefix, "/outputs");
	is_json_pointer_add(&prefix, name);
	if (covered(prefix.buf, ignore)) {
		is_strbuf_release(&prefix);
		return 1;
	}
	/* Deeper paths: compare what is left once they are taken out. */
	was = wrapped(json_object_get(change, "was"));
	now = wrapped(json_object_get(change, "now"));
	len = prefix.len;
	json_array_foreach((json_t *)ignore, i, v) {
		const char *p = json_string_value(v);

		if (!p || strncmp(p, prefix.buf, len) || p[len] != '/')
			continue;
		is_strbuf_reset(&inner);
		is_strbuf_adds(&inner, "/v");
		is_strbuf_adds(&inner, p + len);
		remove_at(was, inner.buf);
		remove_at(now, inner.buf);
	}
	same = json_equal(was, now);
	json_decref(was);
	json_decref(now);
	is_strbuf_release(&prefix);
	is_strbuf_release(&inner);
	return same;
}

int is_json_redacted(const json_t *v)
{
	size_t i;
	const char *key;
	json_t *x;

	if (json_is_string(v))
		return strstr(json_string_value(v), "***") != NULL;
	if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, x)
			if (is_json_redacted(x))
				return 1;
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x)
			if (is_json_redacted(x))
				return 1;
	}
	return 0;
}

json_t *is_drift_ignore(const json_t *drift, const json_t *ignore)
{
	json_t *out, *change;
	const char *name;

	if (!json_is_object(drift) || !json_object_size(drift))
		return NULL;
	if (json_is_true(json_object_get(drift, "gone")))
		return json_incref((json_t *)drift);
	out = json_object();
	json_object_foreach((json_t *)drift, name, change)
		if (!ignored(name, change, ignore) &&
		    !is_json_redacted(json_object_get(change, "was")))
			json_object_set(out, name, change);
	if (!json_object_size(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

void is_changes_ignore(json_t *changes, const json_t *ignore)
{
	struct is_strbuf path = IS_STRBUF_INIT;
	size_t i = 0;

	if (!json_array_size(ignore))
		return;
	while (i < json_array_size(changes)) {
		const char *c = json_string_value(json_array_get(changes, i));

		is_strbuf_reset(&path);
		is_strbuf_adds(&path, "/spec");
		is_strbuf_adds(&path, c ? c : "");
		if (covered(path.buf, ignore))
			json_array_remove(changes, i);
		else
			i++;
	}
	is_strbuf_release(&path);
}
