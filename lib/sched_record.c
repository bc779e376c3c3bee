/*
 * Scanning the scheduler's input records (sched_record.h). Whatever the
 * scanner reads, it reads as the jansson path below does: the same fields,
 * the last of a repeated key, non-strings in "deps" (and "members", "after")
 * skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_scan.h"
#include "ndjson.h"
#include "sched_record.h"
#include "xalloc.h"
#include "banned.h"

static const char *const field_names[IS_SCHED_NFIELDS] = {
	"spec", "refs", "prior", "hash", "labels", "deps", "group", "members", "level",
	"order", "depOutputs", "metadata", "pending", "replaces"
};

void is_sched_scanner_init(struct is_sched_scanner *sc)
{
	memset(sc, 0, sizeof(*sc));
	is_strbuf_init(&sc->strings, 256);
}

void is_sched_scanner_release(struct is_sched_scanner *sc)
{
	is_strbuf_release(&sc->strings);
	free(sc->dep_at);
	free(sc->member_at);
	free(sc->after_at);
}

double is_sched_seconds(const char *text)
{
	char *end;
	double d = strtod(text, &end);

	if (!strcmp(end, "ms"))
		return d / 1000;
	if (!strcmp(end, "m"))
		return d * 60;
	if (!strcmp(end, "h"))
		return d * 3600;
	return d;
}

static struct is_sched_scanner *scanner(struct is_json_scan *s)
{
	return s->ctx;
}

/* A string without escapes into the scratch space: *at gets its offset
 * (json_scan.h). */
static int plain_string(struct is_json_scan *s, long *at)
{
	return is_json_scan_plain_string(s, &scanner(s)->strings, at);
}

/* A string without escapes, not kept: *body is NULL when the value is no
 * string. */
static int plain_body(struct is_json_scan *s, const char **body, size_t *len)
{
	int escaped;

	*body = NULL;
	*len = 0;
	if (!is_json_scan_at(s, '"'))
		return is_json_scan_value(s);
	return is_json_scan_string(s, body, len, &escaped) && !escaped;
}

static int dep_item(struct is_json_scan *s)
{
	struct is_sched_scanner *sc = scanner(s);

	return is_json_scan_plain_string_append(s, &sc->strings, &sc->dep_at, &sc->ndeps,
	                                        &sc->dep_cap);
}

static int member_item(struct is_json_scan *s)
{
	struct is_sched_scanner *sc = scanner(s);

	return is_json_scan_plain_string_append(s, &sc->strings, &sc->member_at,
	                                        &sc->nmembers, &sc->member_cap);
}

static int after_item(struct is_json_scan *s)
{
	struct is_sched_scanner *sc = scanner(s);

	return is_json_scan_plain_string_append(s, &sc->strings, &sc->after_at, &sc->nafter,
	                                        &sc->after_cap);
}

static int metadata_field(struct is_json_scan *s, const char *key, size_t len)
{
	struct is_sched_record *r = &scanner(s)->rec;
	struct is_json_number num;
	const char *body;
	size_t n;
	int escaped;
	char buf[64];

	if (is_json_scan_key_is(key, len, "retries")) {
		if (!is_json_scan_number(s, &num))
			return 0;
		r->retries_set = num.is_number && num.is_int;
		r->retries = r->retries_set ? (int)num.i : 0;
		return 1;
	}
	if (is_json_scan_key_is(key, len, "expectedSeconds")) {
		if (!is_json_scan_number(s, &num))
			return 0;
		r->expected = num.is_number ? num.d : 0;
		return 1;
	}
	if (!is_json_scan_key_is(key, len, "timeout"))
		return is_json_scan_value(s);
	if (!is_json_scan_at(s, '"')) {
		if (!is_json_scan_number(s, &num))
			return 0;
		r->timeout = num.is_number ? num.d : 0;
		return 1;
	}
	if (!is_json_scan_string(s, &body, &n, &escaped) || escaped || n >= sizeof(buf))
		return 0;
	memcpy(buf, body, n);
	buf[n] = '\0';
	r->timeout = is_sched_seconds(buf);
	return 1;
}

/* Scans a value with scan (is_json_scan_value when NULL), keeping where
 * its text is as field f. */
static int span(struct is_json_scan *s, enum is_sched_field f,
                int (*scan)(struct is_json_scan *s))
{
	struct is_sched_record *r = &scanner(s)->rec;
	const char *start = s->p;

	if (!(scan ? scan(s) : is_json_scan_value(s)))
		return 0;
	r->at[f].at = (long)(start - r->text);
	r->at[f].len = (size_t)(s->p - start);
	/* Checked here, on the reading thread, so the loop only copies it. */
	r->at[f].canonical = is_json_scan_canonical(start, r->at[f].len);
	return 1;
}

static int deps_value(struct is_json_scan *s)
{
	scanner(s)->ndeps = 0;
	return is_json_scan_at(s, '[') ? is_json_scan_array(s, dep_item)
	                               : is_json_scan_value(s);
}

static int members_value(struct is_json_scan *s)
{
	scanner(s)->nmembers = 0;
	return is_json_scan_at(s, '[') ? is_json_scan_array(s, member_item)
	                               : is_json_scan_value(s);
}

static int after_value(struct is_json_scan *s)
{
	scanner(s)->nafter = 0;
	return is_json_scan_at(s, '[') ? is_json_scan_array(s, after_item)
	                               : is_json_scan_value(s);
}

static int metadata_value(struct is_json_scan *s)
{
	struct is_sched_record *r = &scanner(s)->rec;

	r->retries_set = r->retries = 0;
	r->timeout = r->expected = 0;
	return is_json_scan_at(s, '{') ? is_json_scan_object(s, metadata_field)
	                               : is_json_scan_value(s);
}

static int order_value(struct is_json_scan *s)
{
	struct is_sched_record *r = &scanner(s)->rec;
	struct is_json_number num;

	if (!is_json_scan_number(s, &num))
		return 0;
	r->has_order = num.is_number && num.is_int;
	r->order = r->has_order ? (long)num.i : 0;
	return 1;
}

static int top_field(struct is_json_scan *s, const char *key, size_t len)
{
	struct is_sched_scanner *sc = scanner(s);
	struct is_sched_record *r = &sc->rec;
	struct is_json_number num;
	const char *body;
	size_t n;

	switch (len ? key[0] : 0) {
	case 'a':
		if (is_json_scan_key_is(key, len, "action"))
			return plain_string(s, &sc->action_at);
		if (is_json_scan_key_is(key, len, "after"))
			return after_value(s);
		break;
	case 'c':
		if (!is_json_scan_key_is(key, len, "critical"))
			break;
		if (!is_json_scan_number(s, &num))
			return 0;
		r->critical = num.is_number ? num.d : 0;
		return 1;
	case 'd':
		if (is_json_scan_key_is(key, len, "depOutputs"))
			return span(s, IS_SCHED_DEP_OUTPUTS, NULL);
		if (!is_json_scan_key_is(key, len, "deps"))
			break;
		return span(s, IS_SCHED_DEPS, deps_value);
	case 'g':
		if (is_json_scan_key_is(key, len, "group"))
			return span(s, IS_SCHED_GROUP_OF, NULL);
		break;
	case 'h':
		if (is_json_scan_key_is(key, len, "hash"))
			return span(s, IS_SCHED_HASH, NULL);
		break;
	case 'l':
		if (is_json_scan_key_is(key, len, "labels"))
			return span(s, IS_SCHED_LABELS, NULL);
		if (is_json_scan_key_is(key, len, "level"))
			return span(s, IS_SCHED_LEVEL, NULL);
		break;
	case 'i':
		if (is_json_scan_key_is(key, len, "id"))
			return plain_string(s, &sc->id_at);
		break;
	case 'k':
		if (is_json_scan_key_is(key, len, "kind"))
			return plain_string(s, &sc->kind_at);
		break;
	case 'm':
		if (is_json_scan_key_is(key, len, "members"))
			return span(s, IS_SCHED_MEMBERS, members_value);
		if (is_json_scan_key_is(key, len, "message"))
			return plain_string(s, &sc->message_at);
		if (!is_json_scan_key_is(key, len, "metadata"))
			break;
		return span(s, IS_SCHED_METADATA, metadata_value);
	case 'o':
		if (is_json_scan_key_is(key, len, "order"))
			return span(s, IS_SCHED_ORDER, order_value);
		break;
	case 'p':
		if (is_json_scan_key_is(key, len, "prior"))
			return span(s, IS_SCHED_PRIOR, NULL);
		if (is_json_scan_key_is(key, len, "pending"))
			return span(s, IS_SCHED_PENDING, NULL);
		break;
	case 'r':
		if (is_json_scan_key_is(key, len, "refs"))
			return span(s, IS_SCHED_REFS, NULL);
		if (is_json_scan_key_is(key, len, "replaces"))
			return span(s, IS_SCHED_REPLACES, NULL);
		break;
	case 's':
		if (is_json_scan_key_is(key, len, "spec"))
			return span(s, IS_SCHED_SPEC, NULL);
		if (!is_json_scan_key_is(key, len, "severity"))
			break;
		if (!plain_body(s, &body, &n))
			return 0;
		r->severity_error = body && is_json_scan_key_is(body, n, "error");
		return 1;
	case 't':
		if (!is_json_scan_key_is(key, len, "type"))
			break;
		if (!plain_body(s, &body, &n))
			return 0;
		r->type = !body ? IS_SCHED_OTHER
		        : is_json_scan_key_is(body, n, "resource") ? IS_SCHED_RESOURCE
		        : is_json_scan_key_is(body, n, "group") ? IS_SCHED_GROUP
		        : is_json_scan_key_is(body, n, "diagnostic") ? IS_SCHED_DIAGNOSTIC
		        : IS_SCHED_OTHER;
		return 1;
	}
	return is_json_scan_value(s);
}

static void clear(struct is_sched_record *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < IS_SCHED_NFIELDS; i++)
		r->at[i].at = -1;
}

/* One allocation: the record, its arrays of deps, members and after, its
 * text and (scanned) its strings. */
static struct is_sched_record *alloc_record(const struct is_sched_record *fields,
                                            size_t ndeps, size_t nmembers,
                                            size_t nafter, const char *text,
                                            size_t len, size_t strings)
{
	size_t arrays = (ndeps + nmembers + nafter) * sizeof(char *);
	struct is_sched_record *r = is_xmalloc(sizeof(*r) + arrays + len + 1 + strings);
	char *data = (char *)(r + 1) + arrays;

	*r = *fields;
	r->deps = (const char **)(r + 1);
	r->members = r->deps + ndeps;
	r->after = r->members + nmembers;
	r->ndeps = ndeps;
	r->nmembers = nmembers;
	r->nafter = nafter;
	memcpy(data, text, len);
	data[len] = '\0';
	r->text = data;
	r->len = len;
	return r;
}

static struct is_sched_record *from_scan(struct is_sched_scanner *sc)
{
	struct is_sched_record *r;
	const char *strings;
	size_t i;

#define STR(at) ((at) < 0 ? NULL : strings + (at))
	r = alloc_record(&sc->rec, sc->ndeps, sc->nmembers, sc->nafter, sc->rec.text,
	                 sc->rec.len, sc->strings.len);
	memcpy((char *)r->text + r->len + 1, sc->strings.buf, sc->strings.len);
	strings = r->text + r->len + 1;
	r->id = STR(sc->id_at);
	r->kind = STR(sc->kind_at);
	r->action = STR(sc->action_at);
	r->message = STR(sc->message_at);
	for (i = 0; i < sc->ndeps; i++)
		r->deps[i] = strings + sc->dep_at[i];
	for (i = 0; i < sc->nmembers; i++)
		r->members[i] = strings + sc->member_at[i];
	for (i = 0; i < sc->nafter; i++)
		r->after[i] = strings + sc->after_at[i];
#undef STR
	return r;
}

static size_t count_strings(const json_t *a)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(a, i, v)
		n += json_is_string(v);
	return n;
}

static void take_strings(const json_t *a, const char **out)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v))
			out[n++] = json_string_value(v);
}

static double json_seconds(const json_t *v)
{
	if (json_is_number(v))
		return json_number_value(v);
	return json_is_string(v) ? is_sched_seconds(json_string_value(v)) : 0;
}

/* The same fields from a record jansson parsed (stolen: the record keeps it). */
static struct is_sched_record *from_json(json_t *json, const char *text, size_t len)
{
	struct is_sched_record f, *r;
	const char *type = json_string_value(json_object_get(json, "type"));
	const char *severity = json_string_value(json_object_get(json, "severity"));
	json_t *meta = json_object_get(json, "metadata"), *v;
	json_t *deps = json_object_get(json, "deps"), *members = json_object_get(json, "members");
	json_t *after = json_object_get(json, "after");

	clear(&f);
	f.type = !type ? IS_SCHED_OTHER
	       : !strcmp(type, "resource") ? IS_SCHED_RESOURCE
	       : !strcmp(type, "group") ? IS_SCHED_GROUP
	       : !strcmp(type, "diagnostic") ? IS_SCHED_DIAGNOSTIC : IS_SCHED_OTHER;
	f.id = json_string_value(json_object_get(json, "id"));
	f.kind = json_string_value(json_object_get(json, "kind"));
	f.action = json_string_value(json_object_get(json, "action"));
	f.critical = json_number_value(json_object_get(json, "critical"));
	v = json_object_get(json, "order");
	f.has_order = json_is_integer(v);
	f.order = f.has_order ? (long)json_integer_value(v) : 0;
	v = json_object_get(meta, "retries");
	f.retries_set = json_is_integer(v);
	f.retries = f.retries_set ? (int)json_integer_value(v) : 0;
	f.timeout = json_seconds(json_object_get(meta, "timeout"));
	f.expected = json_number_value(json_object_get(meta, "expectedSeconds"));
	f.severity_error = severity && !strcmp(severity, "error");
	f.message = json_string_value(json_object_get(json, "message"));
	f.json = json;
	r = alloc_record(&f, count_strings(deps), count_strings(members),
	                 count_strings(after), text, len, 0);
	take_strings(deps, r->deps);
	take_strings(members, r->members);
	take_strings(after, r->after);
	return r;
}

struct is_sched_record *is_sched_record_read(struct is_sched_scanner *sc, const char *text,
                                             size_t len, const char *name, long line,
                                             struct is_error *err)
{
	struct is_json_scan s;
	json_t *json;

	clear(&sc->rec);
	sc->rec.text = text;
	sc->rec.len = len;
	sc->ndeps = sc->nmembers = sc->nafter = 0;
	sc->id_at = sc->kind_at = sc->action_at = sc->message_at = -1;
	is_strbuf_reset(&sc->strings);
	is_json_scan_init(&s, text, len, sc);
	if (is_json_scan_document(&s, top_field))
		return from_scan(sc);
	if (is_ndjson_parse(name, line, text, len, &json, err) < 0)
		return NULL;
	return from_json(json, text, len);
}

void is_sched_record_free(struct is_sched_record *rec)
{
	if (!rec)
		return;
	json_decref(rec->json);
	json_decref(rec->spec);
	json_decref(rec->refs);
	json_decref(rec->prior);
	json_decref(rec->dep_outputs);
	json_decref(rec->metadata);
	json_decref(rec->pending);
	json_decref(rec->replaces);
	free(rec);
}

/* A top-level field, parsed from its text the first time. */
static json_t *field(struct is_sched_record *r, enum is_sched_field f, json_t **slot)
{
	const struct is_sched_span *sp = &r->at[f];

	if (r->json)
		return json_object_get(r->json, field_names[f]);
	if (!(r->parsed & (1 << f))) {
		r->parsed |= 1 << f;
		if (sp->at >= 0)
			*slot = is_json_scan_load(r->text + sp->at, sp->len);
	}
	return *slot;
}

json_t *is_sched_record_spec(struct is_sched_record *rec)
{
	return field(rec, IS_SCHED_SPEC, &rec->spec);
}

json_t *is_sched_record_refs(struct is_sched_record *rec)
{
	const struct is_sched_span *sp = &rec->at[IS_SCHED_REFS];

	/* No references, the usual case: no empty array built for every call. */
	if (!rec->json && sp->at >= 0 && sp->len == 2 && !memcmp(rec->text + sp->at, "[]", 2))
		return NULL;
	return field(rec, IS_SCHED_REFS, &rec->refs);
}

json_t *is_sched_record_prior(struct is_sched_record *rec)
{
	return field(rec, IS_SCHED_PRIOR, &rec->prior);
}

json_t *is_sched_record_dep_outputs(struct is_sched_record *rec)
{
	return field(rec, IS_SCHED_DEP_OUTPUTS, &rec->dep_outputs);
}

json_t *is_sched_record_metadata(struct is_sched_record *rec)
{
	return field(rec, IS_SCHED_METADATA, &rec->metadata);
}

json_t *is_sched_record_pending(struct is_sched_record *rec)
{
	return field(rec, IS_SCHED_PENDING, &rec->pending);
}

json_t *is_sched_record_replaces(struct is_sched_record *rec)
{
	return field(rec, IS_SCHED_REPLACES, &rec->replaces);
}

void is_sched_record_add_field(struct is_sched_record *rec, enum is_sched_field f,
                               int skip_null, struct is_strbuf *sb)
{
	const struct is_sched_span *sp = &rec->at[f];
	const char *text = sp->at >= 0 ? rec->text + sp->at : NULL;
	json_t *v;

	if (rec->json) {
		v = json_object_get(rec->json, field_names[f]);
		if (!v || (skip_null && json_is_null(v)))
			return;
		v = json_incref(v);
	} else {
		if (!text || (skip_null && sp->len == 4 && !memcmp(text, "null", 4)))
			return;
		v = NULL;
	}
	/* The names are plain words: quoted as they are. */
	is_strbuf_add(sb, ",\"", 2);
	is_strbuf_adds(sb, field_names[f]);
	is_strbuf_add(sb, "\":", 2);
	if (!v && sp->canonical) {
		is_strbuf_add(sb, text, sp->len);
		return;
	}
	if (!v)
		v = is_json_scan_load(text, sp->len);
	if (v)
		is_json_dump(sb, v, 0);
	else
		is_strbuf_add(sb, "null", 4);   /* not reached: the scanner read it */
	json_decref(v);
}
