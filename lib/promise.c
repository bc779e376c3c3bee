#include <string.h>

#include "json.h"
#include "promise.h"
#include "ref.h"
#include "xalloc.h"
#include "banned.h"

struct resolve {
	const json_t *refs;            /* the record's refs array, or NULL */
	is_promise_outputs outputs;
	void *ctx;
	struct is_secrets *secrets;
	struct is_error *err;
	int failed;
};

/* The id an output reference names: from the record's refs, else as written. */
static const char *ref_id(const struct resolve *r, const struct is_ref *ref)
{
	size_t i;
	json_t *e;

	json_array_foreach(r->refs, i, e) {
		const char *text = json_string_value(json_object_get(e, "ref"));
		const char *id = json_string_value(json_object_get(e, "id"));

		if (text && id && !strcmp(text, ref->text))
			return id;
	}
	return strchr(ref->target, '/') ? ref->target : NULL;
}

/* The value of one reference (borrowed or a new reference in *owned). */
static json_t *lookup(struct resolve *r, const struct is_ref *ref, json_t **owned)
{
	const char *id, *secret;
	json_t *out, *v;

	*owned = NULL;
	if (r->failed)
		return NULL;
	if (ref->kind == IS_REF_SECRET) {
		secret = r->secrets ? is_secrets_get(r->secrets, ref->target) : NULL;
		if (!secret) {
			is_error_set(r->err, "missing-secret", NULL, 0, 0,
			             "secret '%s' is not set (export IS_SECRET_%s or give "
			             "--secrets FILE)", ref->target, ref->target);
			r->failed = 1;
			return NULL;
		}
		return *owned = json_string(secret);
	}
	if (ref->kind != IS_REF_OUTPUT) {
		is_error_set(r->err, "unresolved-ref", NULL, 0, 0,
		             "'${%s}' was not resolved by is-parse", ref->text);
		r->failed = 1;
		return NULL;
	}
	id = ref_id(r, ref);
	if (!id) {
		is_error_set(r->err, "unresolved-ref", NULL, 0, 0,
		             "'${%s}': no id for '%s' (the record has no refs entry)",
		             ref->text, ref->target);
		r->failed = 1;
		return NULL;
	}
	out = r->outputs(id, r->ctx);
	v = out ? is_json_pointer_get(out, ref->pointer) : NULL;
	if (!v) {
		is_error_set(r->err, "unresolved-ref", NULL, 0, 0,
		             "'${%s}': %s has no output '%s'", ref->text, id,
		             *ref->pointer ? ref->pointer : "(none at all)");
		r->failed = 1;
	}
	return v;
}

static char *resolve_text(const struct is_ref *ref, void *ctx)
{
	struct resolve *r = ctx;
	json_t *owned, *v = lookup(r, ref, &owned);
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (!v)
		return NULL;
	if (json_is_string(v))
		is_strbuf_add(&sb, json_string_value(v), json_string_length(v));
	else
		is_json_dump(&sb, v, 0);
	json_decref(owned);
	return is_strbuf_detach(&sb, NULL);
}

/* Returns a new value to put in place of the string s, or NULL to keep it. */
static json_t *resolve_string(struct resolve *r, json_t *s)
{
	const char *text = json_string_value(s), *problem;
	size_t len = json_string_length(s), offset;
	struct is_ref_list l;
	struct is_strbuf sb = IS_STRBUF_INIT;
	json_t *v = NULL, *owned;

	if (!memchr(text, '$', len) || !strstr(text, "${"))
		return NULL;
	is_ref_list_init(&l);
	if (is_ref_scan(text, len, &l, &problem, &offset) < 0) {
		is_error_set(r->err, "bad-ref", NULL, 0, 0, "'%s': %s", text, problem);
		r->failed = 1;
	} else if (is_ref_whole(&l, len)) {
		v = lookup(r, &l.refs[0], &owned);
		v = owned ? owned : json_deep_copy(v);
	} else {
		is_ref_expand(&sb, text, len, &l, resolve_text, r, 0);
		v = r->failed ? NULL : json_stringn(sb.buf ? sb.buf : "", sb.len);
	}
	is_strbuf_release(&sb);
	is_ref_list_release(&l);
	return v;
}

static void resolve_value(struct resolve *r, json_t *v)
{
	const char *k;
	json_t *child, *repl;
	void *tmp;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, k, child) {
			if (json_is_string(child)) {
				if ((repl = resolve_string(r, child)) != NULL)
					json_object_set_new(v, k, repl);
			} else {
				resolve_value(r, child);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			if (json_is_string(child)) {
				if ((repl = resolve_string(r, child)) != NULL)
					json_array_set_new(v, i, repl);
			} else {
				resolve_value(r, child);
			}
		}
	}
}

/* Whether any string in v could hold a reference or an escape. */
static int needs_work(const json_t *v)
{
	const char *k;
	json_t *child;
	size_t i;

	if (json_is_string(v))
		return strstr(json_string_value(v), "${") != NULL;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, child)
			if (needs_work(child))
				return 1;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			if (needs_work(child))
				return 1;
	}
	return 0;
}

int is_promise_resolve_spec(const json_t *src, const json_t *refs,
                            is_promise_outputs outputs, void *ctx,
                            struct is_secrets *secrets, json_t **spec,
                            struct is_error *err)
{
	struct resolve r;
	json_t *repl;

	memset(&r, 0, sizeof(r));
	r.refs = refs;
	r.outputs = outputs;
	r.ctx = ctx;
	r.secrets = secrets;
	r.err = err;
	/* Nothing to replace: share the record's spec (never modified). */
	if (src && !needs_work(src)) {
		*spec = json_incref((json_t *)src);
		return 0;
	}
	*spec = src ? json_deep_copy(src) : json_object();
	if (json_is_string(*spec) && (repl = resolve_string(&r, *spec)) != NULL) {
		json_decref(*spec);
		*spec = repl;
	} else {
		resolve_value(&r, *spec);
	}
	if (r.failed) {
		json_decref(*spec);
		*spec = NULL;
		return -1;
	}
	return 0;
}

int is_promise_resolve(const json_t *record, is_promise_outputs outputs, void *ctx,
                       struct is_secrets *secrets, json_t **spec, struct is_error *err)
{
	return is_promise_resolve_spec(json_object_get(record, "spec"),
	                               json_object_get(record, "refs"), outputs, ctx,
	                               secrets, spec, err);
}
