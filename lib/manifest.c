#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "drift.h"
#include "manifest.h"
#include "ref.h"
#include "strbuf.h"
#include "suggest.h"
#include "xalloc.h"
#include "banned.h"

static const char *const top_keys[] = { "apiVersion", "kind", "metadata", "spec", NULL };
static const char *const metadata_keys[] = {
	"name", "group", "labels", "annotations", "dependsOn", "description",
	"expectedSeconds", "retries", "timeout", "refresh", "ignoreChanges", NULL
};
enum { MAX_NAME = 253, MAX_KIND = 63 };

/*
 * Strings are made with json_string_nocheck: their text comes from the YAML,
 * which libyaml has already checked is UTF-8 (jansson checking it again was
 * 3% of is-parse). Only the file name, from the file system, is checked.
 */

/* A step of the walk; the JSON pointer is only spelled out when a ref needs it. */
struct path_step {
	const struct path_step *parent;
	const char *key;        /* NULL for an array element */
	size_t index;
};

struct build {
	struct is_manifest *m;
	const struct is_yaml_doc *doc;
	const char *file;
	struct is_diag *diag;
	int strict;             /* an infrastream/ document: unknown keys are errors */
	json_t *refs;
	const struct path_step *at;   /* where the walk of spec is, innermost first */
};

void is_manifest_init(struct is_manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void is_manifest_release(struct is_manifest *m)
{
	size_t i;

	json_decref(m->record);
	free(m->id);
	free(m->name);
	free(m->group);
	for (i = 0; i < m->n_edges; i++)
		free(m->edges[i].target);
	free(m->edges);
	memset(m, 0, sizeof(*m));
}

/* Where a member's value (or, with at_key, its key) stands in the source. */
static void where(const struct build *b, const json_t *container, const char *key,
                  size_t index, int at_key, long *line, long *col)
{
	const struct is_pos *p = is_posmap_get(&b->doc->pos, container, key, index);

	*line = b->doc->line;
	*col = b->doc->col;
	if (p) {
		*line = at_key && p->key_line ? p->key_line : p->line;
		*col = at_key && p->key_line ? p->key_col : p->col;
	}
}

#define ERROR_AT(b, container, key, index, at_key, code, ...) do { \
	long l_, c_; \
	where((b), (container), (key), (index), (at_key), &l_, &c_); \
	is_diag_error((b)->diag, (code), (b)->file, l_, c_, (b)->m->id, __VA_ARGS__); \
} while (0)

static void add_edge(struct is_manifest *m, const char *target, long line, long col,
                     long ref_index)
{
	struct is_manifest_edge *e;

	m->edges = is_xgrow(m->edges, &m->cap_edges, m->n_edges + 1, sizeof(*m->edges));
	e = &m->edges[m->n_edges++];
	e->target = is_xstrdup(target);
	e->line = line;
	e->col = col;
	e->ref_index = ref_index;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > MAX_NAME || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return 0;
	return 1;
}

static int valid_kind(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > MAX_KIND || !isupper((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]))
			return 0;
	return 1;
}

static void check_keys(struct build *b, const json_t *obj, const char *const *allowed,
                       const char *where_text)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)obj, key, value) {
		const char *const *a;
		const char *hint;

		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (*a)
			continue;
		hint = is_suggest(key, allowed);
		if (hint)
			ERROR_AT(b, obj, key, 0, 1, "unknown-key",
			         "unknown %s key '%s' (did you mean '%s'?)", where_text, key, hint);
		else
			ERROR_AT(b, obj, key, 0, 1, "unknown-key",
			         "unknown %s key '%s'", where_text, key);
	}
}

/* A scalar label value as text; NULL for mappings and lists. */
static json_t *label_text(const json_t *v)
{
	if (json_is_string(v))
		return json_incref((json_t *)v);
	if (json_is_integer(v))
		return json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (json_is_boolean(v))
		return json_string_nocheck(json_is_true(v) ? "true" : "false");
	if (json_is_real(v)) {
		struct is_strbuf sb = IS_STRBUF_INIT;
		json_t *s;

		is_json_dump(&sb, v, 0);
		s = json_string_nocheck(sb.buf);
		is_strbuf_release(&sb);
		return s;
	}
	return NULL;
}

static json_t *build_labels(struct build *b, const json_t *meta)
{
	const json_t *labels = json_object_get(meta, "labels");
	json_t *out = json_object();
	const char *key;
	json_t *value;

	if (!labels || json_is_null(labels))
		return out;
	if (!json_is_object(labels)) {
		ERROR_AT(b, meta, "labels", 0, 0, "bad-labels",
		         "metadata.labels must be a mapping of names to values");
		return out;
	}
	json_object_foreach((json_t *)labels, key, value) {
		json_t *text = label_text(value);

		if (!text) {
			ERROR_AT(b, labels, key, 0, 0, "bad-labels",
			         "label '%s' must be a string, number or boolean", key);
			continue;
		}
		json_object_set_new_nocheck(out, key, text);
	}
	return out;
}

static void collect_depends_on(struct build *b, const json_t *meta)
{
	const json_t *deps = json_object_get(meta, "dependsOn");
	size_t i;
	long line, col;

	if (!deps || json_is_null(deps))
		return;
	if (json_is_string(deps)) {
		where(b, meta, "dependsOn", 0, 0, &line, &col);
		add_edge(b->m, json_string_value(deps), line, col, -1);
		return;
	}
	if (!json_is_array(deps)) {
		ERROR_AT(b, meta, "dependsOn", 0, 0, "bad-depends-on",
		         "metadata.dependsOn must be a list of ids, names or group:NAME");
		return;
	}
	for (i = 0; i < json_array_size(deps); i++) {
		const json_t *d = json_array_get(deps, i);

		if (!json_is_string(d) || !json_string_length(d)) {
			ERROR_AT(b, deps, NULL, i, 0, "bad-depends-on",
			         "dependsOn entries must be ids, names or group:NAME");
			continue;
		}
		where(b, deps, NULL, i, 0, &line, &col);
		add_edge(b->m, json_string_value(d), line, col, -1);
	}
}

static int is_number_at_least(const json_t *v, double min)
{
	return json_is_number(v) && json_number_value(v) >= min;
}

static int valid_duration(const json_t *v)
{
	const char *s;
	char *end;
	double d;

	if (is_number_at_least(v, 0))
		return 1;
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	d = strtod(s, &end);
	if (end == s || d < 0)
		return 0;
	return !*end || !strcmp(end, "ms") || !strcmp(end, "s") || !strcmp(end, "m") ||
	       !strcmp(end, "h");
}

/* Each path a JSON pointer under /spec or /outputs (drift.h). */
static void check_ignore_paths(struct build *b, const json_t *paths)
{
	size_t i;
	json_t *p;

	json_array_foreach((json_t *)paths, i, p)
		if (!is_ignore_path_valid(json_string_value(p))) {
			ERROR_AT(b, paths, NULL, i, 0, "bad-metadata",
			         "metadata.ignoreChanges[%zu] must be a JSON pointer under "
			         "/spec or /outputs, such as \"/spec/content\" or "
			         "\"/outputs/mode\"", i);
			return;
		}
}

static void check_metadata_types(struct build *b, const json_t *meta)
{
	const json_t *v;

	v = json_object_get(meta, "expectedSeconds");
	if (v && !is_number_at_least(v, 0))
		ERROR_AT(b, meta, "expectedSeconds", 0, 0, "bad-metadata",
		         "metadata.expectedSeconds must be a number of seconds >= 0");
	v = json_object_get(meta, "retries");
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 0))
		ERROR_AT(b, meta, "retries", 0, 0, "bad-metadata",
		         "metadata.retries must be a whole number >= 0");
	v = json_object_get(meta, "timeout");
	if (v && !valid_duration(v))
		ERROR_AT(b, meta, "timeout", 0, 0, "bad-metadata",
		         "metadata.timeout must be seconds or a duration like 500ms, 30s, 5m, 1h");
	v = json_object_get(meta, "refresh");
	if (v && !json_is_boolean(v))
		ERROR_AT(b, meta, "refresh", 0, 0, "bad-metadata",
		         "metadata.refresh must be true or false");
	v = json_object_get(meta, "ignoreChanges");
	if (v && !json_is_array(v))
		ERROR_AT(b, meta, "ignoreChanges", 0, 0, "bad-metadata",
		         "metadata.ignoreChanges must be a list of paths");
	else if (v)
		check_ignore_paths(b, v);
}

/* The metadata that is not a record field of its own. */
static json_t *extra_metadata(const json_t *meta)
{
	static const char *const own[] = { "name", "group", "labels", "dependsOn", NULL };
	json_t *out = json_object();
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)meta, key, value) {
		const char *const *o;

		for (o = own; *o && strcmp(*o, key); o++)
			;
		if (!*o)
			json_object_set(out, key, value);
	}
	return out;
}

static char *resolve_env(const struct is_ref *ref, void *ctx)
{
	struct build *b = ctx;
	const char *value;

	if (ref->kind != IS_REF_ENV)
		return NULL;
	value = getenv(ref->target);
	if (value)
		return is_xstrdup(value);
	if (ref->fallback)
		return is_xstrdup(ref->fallback);
	(void)b;
	return NULL;
}

static void report_unset_env(struct build *b, const struct is_ref_list *l,
                             const json_t *container, const char *key, size_t index)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->refs[i].kind == IS_REF_ENV && !l->refs[i].fallback &&
		    !getenv(l->refs[i].target))
			ERROR_AT(b, container, key, index, 0, "env-unset",
			         "environment variable '%s' is not set (set it, or write "
			         "${env:%s:-default})", l->refs[i].target, l->refs[i].target);
}

static void spell_pointer(struct is_strbuf *sb, const struct path_step *step)
{
	if (!step)
		return;
	spell_pointer(sb, step->parent);
	if (step->key)
		is_json_pointer_add(sb, step->key);
	else
		is_strbuf_addf(sb, "/%zu", step->index);
}

static json_t *pointer_of(const struct path_step *step)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *text;

	spell_pointer(&sb, step);
	text = json_string_nocheck(sb.buf);
	is_strbuf_release(&sb);
	return text;
}

static void record_refs(struct build *b, const struct is_ref_list *l, size_t len,
                        const json_t *container, const char *key, size_t index)
{
	size_t i;
	long line, col;

	where(b, container, key, index, 0, &line, &col);
	for (i = 0; i < l->n; i++) {
		const struct is_ref *r = &l->refs[i];
		json_t *entry;

		if (r->kind == IS_REF_ENV)
			continue;
		entry = json_object();
		json_object_set_new_nocheck(entry, "path", pointer_of(b->at));
		json_object_set_new_nocheck(entry, "ref", json_string_nocheck(r->text));
		if (r->kind == IS_REF_SECRET) {
			json_object_set_new_nocheck(entry, "secret", json_string_nocheck(r->target));
		} else {
			json_object_set_new_nocheck(entry, "id", json_null());
			json_object_set_new_nocheck(entry, "output", json_string_nocheck(r->pointer));
			add_edge(b->m, r->target, line, col, (long)json_array_size(b->refs));
		}
		json_object_set_new_nocheck(entry, "whole", json_boolean(is_ref_whole(l, len)));
		json_array_append_new(b->refs, entry);
	}
}

/*
 * How much of a malformed reference (s, at its "${") to quote in a message:
 * through its '}', never past the end of its line, at most 60 bytes, so a
 * message stays one line whatever the string holds.
 */
static int reference_extent(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n < 60 && s[n] != '\n') {
		if (s[n++] == '}')
			break;
	}
	return (int)n;
}

/*
 * Resolves env references in one string and records the others. Returns a
 * new replacement string, or NULL to keep the value as it is.
 */
static json_t *visit_string(struct build *b, const json_t *v, const json_t *container,
                            const char *key, size_t index)
{
	const char *s = json_string_value(v), *problem = NULL;
	size_t len = json_string_length(v), offset = 0, i;
	struct is_ref_list l;
	json_t *replacement = NULL;
	int has_env = 0;

	if (!is_ref_maybe(s))
		return NULL;
	is_ref_list_init(&l);
	if (is_ref_scan(s, len, &l, &problem, &offset) < 0) {
		int n = reference_extent(s + offset, len - offset);

		ERROR_AT(b, container, key, index, 0, "bad-reference",
		         "bad reference '%.*s%s': %s", n, s + offset,
		         s[offset + (size_t)n - 1] != '}' && (size_t)n < len - offset &&
		         s[offset + (size_t)n] != '\n' ? "..." : "",
		         problem);
		is_ref_list_release(&l);
		return NULL;
	}
	for (i = 0; i < l.n; i++)
		has_env |= l.refs[i].kind == IS_REF_ENV;
	if (has_env) {
		struct is_strbuf out = IS_STRBUF_INIT;

		report_unset_env(b, &l, container, key, index);
		is_ref_expand(&out, s, len, &l, resolve_env, b, 1);
		replacement = json_stringn(out.buf, out.len);
		is_strbuf_release(&out);
		is_ref_list_release(&l);
		is_ref_list_init(&l);
		s = json_string_value(replacement);
		len = json_string_length(replacement);
		is_ref_scan(s, len, &l, &problem, &offset);
	}
	record_refs(b, &l, len, container, key, index);
	is_ref_list_release(&l);
	return replacement;
}

static void visit(struct build *b, json_t *v, const json_t *container, const char *key,
                  size_t index);

static void visit_member(struct build *b, json_t *container, const char *key,
                         size_t index, json_t *v)
{
	struct path_step step = { b->at, key, index };
	json_t *replacement;

	b->at = &step;
	if (json_is_string(v)) {
		replacement = visit_string(b, v, container, key, index);
		if (replacement && key)
			json_object_set_new_nocheck(container, key, replacement);
		else if (replacement)
			json_array_set_new(container, index, replacement);
	} else {
		visit(b, v, container, key, index);
	}
	b->at = step.parent;
}

static void visit(struct build *b, json_t *v, const json_t *container, const char *key,
                  size_t index)
{
	const char *k;
	json_t *child;
	size_t i;

	(void)container;
	(void)key;
	(void)index;
	if (json_is_object(v)) {
		json_object_foreach(v, k, child)
			visit_member(b, v, k, 0, child);
	} else if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			visit_member(b, v, NULL, i, json_array_get(v, i));
	}
}

/*
 * A string member of obj. A missing one is reported where obj stands: at the
 * key that holds it (parent, parent_key), or at the document's start.
 */
static const char *string_member(struct build *b, const json_t *obj, const char *key,
                                 const char *what, const json_t *parent,
                                 const char *parent_key)
{
	const json_t *v = json_object_get(obj, key);

	if (!v) {
		long line = b->doc->line, col = b->doc->col;

		if (parent)
			where(b, parent, parent_key, 0, 1, &line, &col);
		is_diag_error(b->diag, "missing-field", b->file, line, col, NULL, "missing %s",
		              what);
		return NULL;
	}
	if (!json_is_string(v)) {
		ERROR_AT(b, obj, key, 0, 0, "bad-field", "'%s%s%s' must be a string",
		         parent_key ? parent_key : "", parent_key ? "." : "", key);
		return NULL;
	}
	return json_string_value(v);
}

static int check_identity(struct build *b, const json_t *root, const json_t *meta,
                          const char **kind, const char **name)
{
	*kind = string_member(b, root, "kind", "'kind' (what to make: File, Command ...)",
	                      NULL, NULL);
	*name = meta ? string_member(b, meta, "name", "'metadata.name'", root, "metadata") :
	        NULL;
	if (!meta && json_object_get(root, "metadata"))
		ERROR_AT(b, root, "metadata", 0, 0, "bad-field", "metadata must be a mapping");
	else if (!meta)
		is_diag_error(b->diag, "missing-field", b->file, b->doc->line, b->doc->col,
		              NULL, "missing 'metadata' with a 'name'");
	if (*kind && !valid_kind(*kind)) {
		ERROR_AT(b, root, "kind", 0, 0, "bad-kind",
		         "invalid kind '%s': a capitalised word of letters and digits", *kind);
		*kind = NULL;
	}
	if (*name && !valid_name(*name)) {
		ERROR_AT(b, meta, "name", 0, 0, "bad-name",
		         "invalid name '%s': letters, digits, '-', '_' and '.', starting and "
		         "ending with a letter or digit, at most %d characters", *name, MAX_NAME);
		*name = NULL;
	}
	return *kind && *name ? 0 : -1;
}

static void check_group(struct build *b, const json_t *meta)
{
	const json_t *g = json_object_get(meta, "group");

	if (!g || json_is_null(g))
		return;
	if (!json_is_string(g) || !valid_name(json_string_value(g))) {
		ERROR_AT(b, meta, "group", 0, 0, "bad-group",
		         "metadata.group must be the name of a MetaGroup");
		return;
	}
	b->m->group = is_xstrdup(json_string_value(g));
	where(b, meta, "group", 0, 0, &b->m->group_line, &b->m->group_col);
}

/* Everything but apiVersion, kind, metadata and spec of a foreign document. */
static json_t *foreign_fields(const json_t *root)
{
	json_t *out = json_object();
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)root, key, value)
		if (strcmp(key, "apiVersion") && strcmp(key, "kind") &&
		    strcmp(key, "metadata") && strcmp(key, "spec"))
			json_object_set(out, key, value);
	return out;
}

static json_t *source_object(const char *file, long line, long col)
{
	json_t *src = json_object();

	json_object_set_new_nocheck(src, "file", json_string(file));
	json_object_set_new_nocheck(src, "line", json_integer(line));
	json_object_set_new_nocheck(src, "col", json_integer(col));
	return src;
}

/*
 * The hash covers the desired state: spec, and for a foreign document also
 * its other top-level fields and its metadata (a Kubernetes namespace moves
 * the object).
 */
static void hash_desired(json_t *rec, json_t *spec, json_t *extra, int foreign)
{
	char hash[72];

	if (foreign) {
		json_t *all = json_pack("{sOsOsO}", "spec", spec, "extra",
		                        extra ? extra : json_null(), "metadata",
		                        json_object_get(rec, "metadata"));

		is_json_hash(all, hash);
		json_decref(all);
		json_object_set_new_nocheck(rec, "hash", json_string_nocheck(hash));
	}
	/* Otherwise is_record_write hashes spec as it writes it. */
	(void)spec;
}

static void assemble(struct build *b, const json_t *root, const json_t *meta,
                     const char *api, const char *kind, const char *name, json_t *spec)
{
	json_t *rec = json_object();
	json_t *extra = b->strict ? NULL : foreign_fields(root);
	int is_group = !strcmp(kind, "MetaGroup");

	if (extra && json_object_size(extra) == 0) {
		json_decref(extra);
		extra = NULL;
	}
	json_object_set_new_nocheck(rec, "type", json_string_nocheck(is_group ? "group" : "resource"));
	json_object_set_new_nocheck(rec, "v", json_integer(1));
	json_object_set_new_nocheck(rec, "id", json_string_nocheck(b->m->id));
	json_object_set_new_nocheck(rec, "kind", json_string_nocheck(kind));
	json_object_set_new_nocheck(rec, "name", json_string_nocheck(name));
	json_object_set_new_nocheck(rec, "apiVersion", json_string_nocheck(api));
	json_object_set_new_nocheck(rec, "labels", build_labels(b, meta));
	json_object_set_new_nocheck(rec, "group", b->m->group ? json_string_nocheck(b->m->group) : json_null());
	json_object_set_new_nocheck(rec, "metadata", extra_metadata(meta));
	json_object_set(rec, "spec", spec);
	if (extra)
		json_object_set(rec, "extra", extra);
	json_object_set_new_nocheck(rec, "deps", json_array());
	json_object_set(rec, "refs", b->refs);
	json_object_set_new_nocheck(rec, "source", source_object(b->file, b->doc->line, b->doc->col));
	hash_desired(rec, spec, extra, !b->strict);
	json_decref(extra);
	b->m->record = rec;
}

static json_t *take_spec(struct build *b, json_t *root)
{
	json_t *spec = json_object_get(root, "spec");

	if (!spec || json_is_null(spec))
		return json_object();
	if (!json_is_object(spec)) {
		ERROR_AT(b, root, "spec", 0, 0, "bad-spec", "spec must be a mapping");
		return json_object();
	}
	return json_incref(spec);
}

static const char *api_version(struct build *b, const json_t *root)
{
	const json_t *v = json_object_get(root, "apiVersion");
	const char *api;

	if (!v)
		return "infrastream/v1";
	if (!json_is_string(v)) {
		ERROR_AT(b, root, "apiVersion", 0, 0, "bad-api-version",
		         "apiVersion must be a string such as infrastream/v1");
		return "infrastream/v1";
	}
	api = json_string_value(v);
	if (!strncmp(api, "infrastream/", 12) && strcmp(api, "infrastream/v1"))
		ERROR_AT(b, root, "apiVersion", 0, 0, "bad-api-version",
		         "unsupported apiVersion '%s' (this is infrastream/v1)", api);
	return api;
}

int is_manifest_build(struct is_manifest *m, const struct is_yaml_doc *doc,
                      const char *file, struct is_diag *diag)
{
	static const struct path_step spec_step = { NULL, "spec", 0 };
	struct build b = { m, doc, file, diag, 1, NULL, NULL };
	json_t *root = doc->root, *meta, *spec;
	const char *api, *kind, *name;
	int rc;

	is_manifest_init(m);
	m->line = doc->line;
	m->col = doc->col;
	if (!json_is_object(root))
		return is_diag_error(diag, "not-a-mapping", file, doc->line, doc->col, NULL,
		                     "a manifest is a mapping with apiVersion, kind, "
		                     "metadata and spec");
	api = api_version(&b, root);
	b.strict = !strncmp(api, "infrastream/", 12);
	meta = json_object_get(root, "metadata");
	if (!json_is_object(meta))
		meta = NULL;
	rc = check_identity(&b, root, meta, &kind, &name);
	if (rc == 0) {
		m->id = is_xasprintf("%s/%s", kind, name);
		m->name = is_xstrdup(name);
	}
	/* Even without an identity: 'nmae' is best answered with 'name'. */
	if (b.strict) {
		check_keys(&b, root, top_keys, "top-level");
		if (meta)
			check_keys(&b, meta, metadata_keys, "metadata");
	}
	if (rc < 0)
		return -1;
	check_metadata_types(&b, meta);
	check_group(&b, meta);
	collect_depends_on(&b, meta);
	spec = take_spec(&b, root);
	b.refs = json_array();
	b.at = &spec_step;
	visit(&b, spec, NULL, NULL, 0);
	assemble(&b, root, meta, api, kind, name, spec);
	json_decref(spec);
	json_decref(b.refs);
	return 0;
}
