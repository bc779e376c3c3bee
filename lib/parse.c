#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "idindex.h"
#include "json_arena.h"
#include "manifest.h"
#include "parse.h"
#include "select.h"
#include "strmap.h"
#include "suggest.h"
#include "xalloc.h"
#include "yaml_doc.h"
#include "banned.h"

enum { MAX_DIR_DEPTH = 64 };

/* Where an id or a use of a name was seen. file is interned in p->files. */
struct place {
	const char *file;
	long line, col;
};

struct name_use {
	struct place at;
	char *id;                /* what the bare name resolved to */
};

struct check {               /* an id named before it was seen */
	char *id, *from;
	struct place at;
	int what;                /* CHECK_REF, CHECK_GROUP */
};
enum { CHECK_REF, CHECK_GROUP };

struct is_parse {
	struct is_diag *diag;
	is_parse_emit emit;
	void *emit_ctx;
	const struct is_selector *selector;
	struct is_strmap files;      /* interned file names */
	struct is_idindex index;     /* every id, where it was defined, bare names */
	struct is_strmap uses;       /* bare name -> struct name_use */
	struct is_manifest **waiting;    /* in arrival order; NULL once emitted */
	size_t n_waiting, cap_waiting;
	struct is_strmap wanted;         /* bare name -> struct wait_list */
	struct check *checks;
	size_t n_checks, cap_checks;
	json_t *kept;                /* all records, when a selector needs the graph */
	int failed_output;
};

/* The waiting records (indexes into p->waiting) that wait for one name. */
struct wait_list {
	size_t *at;
	size_t n, cap;
};

struct is_parse *is_parse_new(struct is_diag *diag, is_parse_emit emit, void *ctx,
                              const struct is_selector *selector)
{
	struct is_parse *p = is_xcalloc(1, sizeof(*p));

	p->diag = diag;
	p->emit = emit;
	p->emit_ctx = ctx;
	p->selector = selector;
	is_strmap_init(&p->files);
	is_idindex_init(&p->index);
	is_strmap_init(&p->uses);
	is_strmap_init(&p->wanted);
	if (selector)
		p->kept = json_array();
	return p;
}

static void free_values(struct is_strmap *m, void (*release)(void *))
{
	size_t i = 0;
	const char *key;
	void *value;

	while (is_strmap_next(m, &i, &key, &value))
		if (value)
			release(value);
	is_strmap_release(m);
}

static void free_wait_list(void *v)
{
	struct wait_list *w = v;

	free(w->at);
	free(w);
}

static void free_use(void *v)
{
	struct name_use *u = v;

	free(u->id);
	free(u);
}

void is_parse_free(struct is_parse *p)
{
	size_t i;

	if (!p)
		return;
	is_idindex_release(&p->index);
	free_values(&p->uses, free_use);
	free_values(&p->wanted, free_wait_list);
	is_strmap_release(&p->files);
	for (i = 0; i < p->n_waiting; i++) {
		if (p->waiting[i])
			is_manifest_release(p->waiting[i]);
		free(p->waiting[i]);
	}
	free(p->waiting);
	for (i = 0; i < p->n_checks; i++) {
		free(p->checks[i].id);
		free(p->checks[i].from);
	}
	free(p->checks);
	json_decref(p->kept);
	free(p);
}

static const char *intern_file(struct is_parse *p, const char *file)
{
	const char *k = is_strmap_key(&p->files, file);

	if (!k) {
		is_strmap_put(&p->files, file, NULL);
		k = is_strmap_key(&p->files, file);
	}
	return k;
}

static int output(struct is_parse *p, json_t *record)
{
	if (p->kept) {
		json_array_append_new(p->kept, is_json_arena_keep(record));
		return 0;
	}
	if (!p->failed_output && p->emit(p->emit_ctx, record) < 0)
		p->failed_output = 1;
	return p->failed_output ? -1 : 0;
}

static void add_check(struct is_parse *p, const char *id, const char *from,
                      const struct place *at, int what)
{
	struct check *c;

	p->checks = is_xgrow(p->checks, &p->cap_checks, p->n_checks + 1, sizeof(*p->checks));
	c = &p->checks[p->n_checks++];
	c->id = is_xstrdup(id);
	c->from = is_xstrdup(from);
	c->at = *at;
	c->what = what;
}

/*
 * The id closest to a missing one, for "did you mean", by the same measure as
 * the other suggestions; never the record that asks (self). A bare name is
 * measured against the name part of each id. Returns borrowed or NULL.
 */
static const char *closest_id(const struct is_parse *p, const char *want,
                              const char *prefix, const char *self)
{
	size_t i = 0, best_d = (size_t)-1;
	const char *key, *best = NULL;
	int bare = !strchr(want, '/');

	while ((key = is_idindex_next(&p->index, &i))) {
		const char *slash = strchr(key, '/');
		const char *against = bare && slash ? slash + 1 : key;
		size_t d;

		if ((prefix && strncmp(key, prefix, strlen(prefix))) || !strcmp(key, want) ||
		    (self && !strcmp(key, self)))
			continue;
		d = is_edit_distance(want, against);
		if (d < best_d && is_suggest_close(want, against, d)) {
			best_d = d;
			best = key;
		}
	}
	return best;
}

static void report_unknown(struct is_parse *p, const char *what, const char *target,
                           const char *from, const struct place *at)
{
	int group = !strcmp(what, "MetaGroup");
	const char *hint = closest_id(p, target, group ? "MetaGroup/" : NULL, from);

	/* A group is named by its name alone, in 'group:' and in 'group:NAME'. */
	if (hint && group)
		hint += strlen("MetaGroup/");
	if (hint)
		is_diag_error(p->diag, "unknown-id", at->file, at->line, at->col, from,
		              "%s '%s' does not exist (did you mean '%s'?)", what, target, hint);
	else
		is_diag_error(p->diag, "unknown-id", at->file, at->line, at->col, from,
		              "%s '%s' does not exist", what, target);
}

static void note_use(struct is_parse *p, const char *name, const char *id,
                     const struct place *at)
{
	struct name_use *u;

	if (is_strmap_get(&p->uses, name))
		return;
	u = is_xcalloc(1, sizeof(*u));
	u->at = *at;
	u->id = is_xstrdup(id);
	is_strmap_put(&p->uses, name, u);
}

static void report_ambiguous(struct is_parse *p, const char *name, const char *from,
                             const struct place *at)
{
	is_diag_error(p->diag, "ambiguous-name", at->file, at->line, at->col, from,
	              "name '%s' is ambiguous: more than one kind has a resource of that "
	              "name; write the full id (Kind/%s)", name, name);
}

/*
 * Turns an edge target into an id. Returns the id (new string), or NULL after
 * reporting an unknown or ambiguous name.
 */
static char *resolve_target(struct is_parse *p, const struct is_manifest *m,
                            const struct is_manifest_edge *e)
{
	struct place at = { intern_file(p, json_string_value(json_object_get(
		json_object_get(m->record, "source"), "file"))), e->line, e->col };
	const char *named;

	if (!strncmp(e->target, "group:", 6)) {
		char *id = is_xasprintf("MetaGroup/%s", e->target + 6);

		if (!is_idindex_find(&p->index, id, NULL))
			add_check(p, id, m->id, &at, CHECK_GROUP);
		return id;
	}
	if (strchr(e->target, '/')) {
		if (!is_idindex_find(&p->index, e->target, NULL))
			add_check(p, e->target, m->id, &at, CHECK_REF);
		return is_xstrdup(e->target);
	}
	named = is_idindex_name(&p->index, e->target);
	if (named == is_idindex_ambiguous) {
		report_ambiguous(p, e->target, m->id, &at);
		return NULL;
	}
	if (named) {
		note_use(p, e->target, named, &at);
		return is_xstrdup(named);
	}
	report_unknown(p, "a resource named", e->target, m->id, &at);
	return NULL;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *sorted_unique(char **ids, size_t n)
{
	json_t *out = json_array();
	size_t i;

	qsort(ids, n, sizeof(*ids), compare_strings);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(ids[i], ids[i - 1]))
			json_array_append_new(out, json_string_nocheck(ids[i]));
	return out;
}

static int is_bare_name(const char *target)
{
	return !strchr(target, '/') && strncmp(target, "group:", 6);
}

/* The first bare name m uses that no resource has yet, or NULL. */
static const char *blocking_name(const struct is_parse *p, const struct is_manifest *m)
{
	size_t i;

	for (i = 0; i < m->n_edges; i++)
		if (is_bare_name(m->edges[i].target) &&
		    !is_idindex_name(&p->index, m->edges[i].target))
			return m->edges[i].target;
	return NULL;
}

/*
 * Resolves m's edges and emits it, unless (before the end) it uses a bare
 * name not seen yet: then returns that name and m must wait for it.
 */
static const char *try_finish(struct is_parse *p, struct is_manifest *m, int final)
{
	const char *blocker = final ? NULL : blocking_name(p, m);
	char **ids;
	size_t i, n = 0;
	size_t errors_before = p->diag->errors;
	json_t *refs = json_object_get(m->record, "refs");

	if (blocker)
		return blocker;
	ids = is_xcalloc(m->n_edges + 1, sizeof(*ids));
	for (i = 0; i < m->n_edges; i++) {
		char *id = resolve_target(p, m, &m->edges[i]);

		if (!id)
			continue;
		if (m->edges[i].ref_index >= 0)
			json_object_set_new(json_array_get(refs, (size_t)m->edges[i].ref_index),
			                    "id", json_string_nocheck(id));
		ids[n++] = id;
	}
	/* A record with errors is never emitted: a later stage must not act on it. */
	if (!m->invalid && p->diag->errors == errors_before) {
		json_object_set_new(m->record, "deps", sorted_unique(ids, n));
		output(p, m->record);
	}
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return NULL;
}

static void wait_for(struct is_parse *p, const char *name, size_t index)
{
	struct wait_list *w = is_strmap_get(&p->wanted, name);

	if (!w) {
		w = is_xcalloc(1, sizeof(*w));
		is_strmap_put(&p->wanted, name, w);
	}
	w->at = is_xgrow(w->at, &w->cap, w->n + 1, sizeof(*w->at));
	w->at[w->n++] = index;
}

/* A name appeared: the records that waited for it try again. */
static void wake_waiting(struct is_parse *p, const char *name)
{
	struct wait_list *w = is_strmap_get(&p->wanted, name);
	size_t i;

	if (!w || !w->n)
		return;
	is_strmap_put(&p->wanted, name, NULL);
	for (i = 0; i < w->n; i++) {
		struct is_manifest *m = p->waiting[w->at[i]];
		const char *blocker = try_finish(p, m, 0);

		if (blocker) {
			wait_for(p, blocker, w->at[i]);
			continue;
		}
		is_manifest_release(m);
		free(m);
		p->waiting[w->at[i]] = NULL;
	}
	free_wait_list(w);
}

/* id is the pooled copy: the name is its part after the first '/'. */
static void register_name(struct is_parse *p, const struct is_manifest *m, const char *id)
{
	struct name_use *use;

	switch (is_idindex_add_name(&p->index, id)) {
	case 0:
		wake_waiting(p, m->name);
		break;
	case 1:
		/* A use resolved before the second resource of that name appeared. */
		use = is_strmap_get(&p->uses, strchr(id, '/') + 1);
		if (use)
			report_ambiguous(p, m->name, NULL, &use->at);
		break;
	}
}

static int register_id(struct is_parse *p, const struct is_manifest *m, const char *file)
{
	struct is_idplace at = { intern_file(p, file), (unsigned long)m->line,
	                         (unsigned long)m->col };
	const char *id = is_idindex_add(&p->index, m->id, &at);

	if (!id) {
		is_idindex_find(&p->index, m->id, &at);
		is_diag_error(p->diag, "duplicate-id", file, m->line, m->col, m->id,
		              "duplicate id '%s': also defined at %s:%lu:%lu (names are "
		              "unique per kind)", m->id, at.file, at.line, at.col);
		return -1;
	}
	register_name(p, m, id);
	return 0;
}

/* The record goes with the document's arena (when there is one). */
static void forget_record(struct is_manifest *m)
{
	if (is_json_arena_on())
		m->record = NULL;
}

/* A waiting record outlives its document: move it to the heap. */
static void keep_record(struct is_manifest *m)
{
	json_t *kept = is_json_arena_keep(m->record);

	if (!is_json_arena_on())
		json_decref(m->record);
	m->record = kept;
}

static void take_document(struct is_parse *p, const struct is_yaml_doc *doc,
                          const char *file)
{
	struct is_manifest m;
	size_t errors_before = p->diag->errors;
	const char *blocker;

	if (!doc->root || json_is_null(doc->root))
		return;     /* an empty document, e.g. a trailing "---" */
	if (is_manifest_build(&m, doc, file, p->diag) < 0 || register_id(p, &m, file) < 0) {
		forget_record(&m);
		is_manifest_release(&m);
		return;
	}
	m.invalid = p->diag->errors != errors_before;
	if (m.group) {
		char *gid = is_xasprintf("MetaGroup/%s", m.group);
		struct place at = { intern_file(p, file), m.group_line, m.group_col };

		if (!is_idindex_find(&p->index, gid, NULL))
			add_check(p, gid, m.id, &at, CHECK_GROUP);
		free(gid);
	}
	blocker = try_finish(p, &m, 0);
	if (!blocker) {
		forget_record(&m);
		is_manifest_release(&m);
		return;
	}
	keep_record(&m);
	p->waiting = is_xgrow(p->waiting, &p->cap_waiting, p->n_waiting + 1,
	                      sizeof(*p->waiting));
	p->waiting[p->n_waiting] = is_xmalloc(sizeof(m));
	*p->waiting[p->n_waiting] = m;
	wait_for(p, blocker, p->n_waiting++);
}

static void read_documents(struct is_parse *p, struct is_yaml_reader *r, const char *file)
{
	struct is_yaml_doc doc;
	struct is_error err = IS_ERROR_INIT;
	int rc;

	is_yaml_doc_init(&doc);
	do {
		/* Each document's values live in the arena, when one is installed. */
		is_json_arena_open();
		rc = is_yaml_next(r, &doc, &err);
		if (rc < 0)
			is_diag_report(p->diag, "error", &err);
		else if (rc > 0)
			take_document(p, &doc, file);
		if (is_json_arena_on())
			doc.root = NULL;
		is_json_arena_drop();
	} while (rc != 0 && !p->failed_output);
	is_yaml_doc_release(&doc);
	is_error_release(&err);
}

static int parse_file(struct is_parse *p, const char *path, FILE *flush)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_yaml_reader *r = is_yaml_open(path, flush, &err);

	if (!r) {
		is_diag_report(p->diag, "error", &err);
		is_error_release(&err);
		return 0;
	}
	read_documents(p, r, strcmp(path, "-") ? path : "<stdin>");
	is_yaml_close(r);
	return p->failed_output ? -1 : 0;
}

static int yaml_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static int parse_dir(struct is_parse *p, const char *dir, FILE *flush, int depth);

static int parse_entry(struct is_parse *p, const char *path, FILE *flush, int depth)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		is_diag_error(p->diag, "read", path, 0, 0, NULL, "cannot read: %s",
		              strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return parse_dir(p, path, flush, depth + 1);
	return yaml_name(path) ? parse_file(p, path, flush) : 0;
}

static int parse_dir(struct is_parse *p, const char *dir, FILE *flush, int depth)
{
	DIR *d;
	struct dirent *ent;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (depth > MAX_DIR_DEPTH)
		return is_diag_error(p->diag, "read", dir, 0, 0, NULL,
		                     "folders nested deeper than %d (a symlink loop?)",
		                     MAX_DIR_DEPTH) * 0;
	d = opendir(dir);
	if (!d)
		return is_diag_error(p->diag, "read", dir, 0, 0, NULL, "cannot open folder: %s",
		                     strerror(errno)) * 0;
	while ((ent = readdir(d)) != NULL) {
		struct stat st;
		char *path;

		if (ent->d_name[0] == '.')
			continue;   /* hidden files and folders, ".git" among them */
		path = is_xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		                    ent->d_name);
		names = is_xgrow(names, &cap, n + 1, sizeof(*names));
		/*
		 * A folder sorts as "name/", so the order is the byte order of the
		 * whole paths (what "find | LC_ALL=C sort" gives): "a.yaml" comes
		 * before "a/b.yaml", as '.' is before '/'.
		 */
		names[n++] = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ?
		             is_xasprintf("%s/", path) : is_xstrdup(path);
		free(path);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), compare_strings);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (names[i][len - 1] == '/')
			names[i][len - 1] = '\0';
		if (rc == 0)
			rc = parse_entry(p, names[i], flush, depth);
		free(names[i]);
	}
	free(names);
	return rc;
}

int is_parse_path(struct is_parse *p, const char *path, FILE *flush)
{
	struct stat st;

	if (!strcmp(path, "-"))
		return parse_file(p, path, flush);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return parse_dir(p, path, flush, 0);
	return parse_file(p, path, flush);
}

int is_parse_buffer(struct is_parse *p, const char *name, const char *data, size_t len)
{
	struct is_error err = IS_ERROR_INIT;
	struct is_yaml_reader *r = is_yaml_open_buffer(name, data, len, &err);

	if (!r) {
		is_diag_report(p->diag, "error", &err);
		is_error_release(&err);
		return 0;
	}
	read_documents(p, r, name);
	is_yaml_close(r);
	return p->failed_output ? -1 : 0;
}

static void run_checks(struct is_parse *p)
{
	size_t i;

	for (i = 0; i < p->n_checks; i++) {
		struct check *c = &p->checks[i];

		if (is_idindex_find(&p->index, c->id, NULL))
			continue;
		if (c->what == CHECK_GROUP)
			report_unknown(p, "MetaGroup", c->id + 10, c->from, &c->at);
		else
			report_unknown(p, "dependency", c->id, c->from, &c->at);
	}
}

static void emit_invalid_marker(struct is_parse *p)
{
	struct is_error e = IS_ERROR_INIT;
	json_t *rec;

	is_error_set(&e, "invalid-input", NULL, 0, 0,
	             "%zu error%s in the manifests: the records above are incomplete, "
	             "do not plan or apply them", p->diag->errors,
	             p->diag->errors == 1 ? "" : "s");
	rec = is_diag_record("error", &e);
	output(p, rec);
	json_decref(rec);
	is_error_release(&e);
}

static void emit_selected(struct is_parse *p)
{
	size_t extra = 0, i;
	json_t *chosen = is_select_closure(p->kept, p->selector, &extra);
	json_t *all = p->kept;

	p->kept = NULL;
	for (i = 0; i < json_array_size(chosen); i++)
		if (output(p, json_array_get(chosen, i)) < 0)
			break;
	if (extra)
		is_diag_warning(p->diag, "selector-kept", NULL, 0, 0, NULL,
		                "kept %zu record%s that the selector did not match because "
		                "selected ones depend on them (marked \"selected\": false)",
		                extra, extra == 1 ? "" : "s");
	json_decref(chosen);
	json_decref(all);
}

int is_parse_finish(struct is_parse *p)
{
	size_t i;

	for (i = 0; i < p->n_waiting; i++) {
		if (!p->waiting[i])
			continue;
		try_finish(p, p->waiting[i], 1);
		is_manifest_release(p->waiting[i]);
		free(p->waiting[i]);
		p->waiting[i] = NULL;
	}
	run_checks(p);
	if (p->kept)
		emit_selected(p);
	if (p->diag->errors)
		emit_invalid_marker(p);
	return p->failed_output ? -1 : 0;
}
