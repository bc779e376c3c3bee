/*
 * The fields of a record that a plan reads, scanned from its text without
 * building a tree of the whole record (json_scan.h): jansson spent more than
 * half of is-graph's time building values that were thrown away, since a
 * record is written back as its own text. A line the scanner gives up on is
 * parsed with jansson instead (is_plan_input_json).
 */
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "plan.h"
#include "xalloc.h"
#include "banned.h"

static struct is_plan_input *input(struct is_json_scan *s)
{
	return s->ctx;
}

/* A string without escapes into the scratch buffer: *out gets its offset
 * (json_scan.h). */
static int plain_string(struct is_json_scan *s, long *out)
{
	return is_json_scan_plain_string(s, &input(s)->scratch, out);
}

static int long_value(struct is_json_scan *s, long *out)
{
	struct is_json_number num;

	if (!is_json_scan_number(s, &num))
		return 0;
	*out = num.is_number && num.is_int ? (long)num.d : 0;
	return 1;
}

static int key_is(const char *key, size_t len, const char *name)
{
	return is_json_scan_key_is(key, len, name);
}

static int metadata_field(struct is_json_scan *s, const char *key, size_t len)
{
	struct is_json_number num;

	if (!key_is(key, len, "expectedSeconds"))
		return is_json_scan_value(s);
	if (!is_json_scan_number(s, &num))
		return 0;
	input(s)->has_seconds = num.is_number;
	input(s)->seconds = num.d;
	return 1;
}

static int source_field(struct is_json_scan *s, const char *key, size_t len)
{
	struct is_plan_input *in = input(s);

	if (key_is(key, len, "file"))
		return plain_string(s, &in->source_file_at);
	if (key_is(key, len, "line"))
		return long_value(s, &in->source_line);
	if (key_is(key, len, "col"))
		return long_value(s, &in->source_col);
	return is_json_scan_value(s);
}

static int dep_item(struct is_json_scan *s)
{
	struct is_plan_input *in = input(s);

	return is_json_scan_plain_string_append(s, &in->scratch, &in->dep_at, &in->ndeps,
	                                        &in->dep_cap);
}

/* Skips a value, remembering where its text is. */
static int span(struct is_json_scan *s, const char **at, size_t *len)
{
	const char *start = s->p;
	int ok = is_json_scan_value(s);

	*at = start;
	*len = (size_t)(s->p - start);
	return ok;
}

static int top_field(struct is_json_scan *s, const char *key, size_t len)
{
	static const char *const ours[] = { "level", "order", "critical", "action",
	                                    "prior", "changes", "members", "after",
	                                    "pending", "replaces", NULL };
	struct is_plan_input *in = input(s);
	size_t i;

	switch (len ? key[0] : 0) {
	case 't':
		if (key_is(key, len, "type"))
			return plain_string(s, &in->type_at);
		break;
	case 'i':
		if (key_is(key, len, "id"))
			return plain_string(s, &in->id_at);
		break;
	case 'g':
		if (key_is(key, len, "group"))
			return plain_string(s, &in->group_at);
		break;
	case 'd':
		if (!key_is(key, len, "deps"))
			break;
		in->ndeps = 0;
		return is_json_scan_at(s, '[') ? is_json_scan_array(s, dep_item)
		                               : is_json_scan_value(s);
	case 'm':
		if (!key_is(key, len, "metadata"))
			break;
		in->has_seconds = 0;
		return is_json_scan_at(s, '{') ? is_json_scan_object(s, metadata_field)
		                               : is_json_scan_value(s);
	case 's':
		if (key_is(key, len, "source")) {
			in->has_source = is_json_scan_at(s, '{');
			in->source_file_at = -1;
			in->source_line = in->source_col = 0;
			return in->has_source ? is_json_scan_object(s, source_field)
			                      : is_json_scan_value(s);
		}
		if (key_is(key, len, "spec"))
			return span(s, &in->spec, &in->spec_len);
		break;
	case 'l':
		if (key_is(key, len, "labels"))
			return span(s, &in->labels, &in->labels_len);
		break;
	case 'h':
		if (key_is(key, len, "hash"))
			return span(s, &in->hash, &in->hash_len);
		break;
	}
	for (i = 0; ours[i]; i++)
		if (key_is(key, len, ours[i]))
			in->ours = 1;
	return is_json_scan_value(s);
}

static const char *at(const struct is_strbuf *sb, long offset)
{
	return offset < 0 ? NULL : sb->buf + offset;
}

int is_plan_scan(struct is_plan_input *in, const char *text, size_t len)
{
	struct is_json_scan s;
	size_t i;

	is_plan_input_reset(in);
	is_json_scan_init(&s, text, len, in);
	if (!is_json_scan_document(&s, top_field))
		return 0;
	/* The scratch buffer may have moved while it grew: pointers last. */
	in->type = at(&in->scratch, in->type_at);
	in->id = at(&in->scratch, in->id_at);
	in->group = at(&in->scratch, in->group_at);
	in->source_file = in->has_source ? at(&in->scratch, in->source_file_at) : NULL;
	in->deps = is_xgrow(in->deps, &in->deps_cap, in->ndeps + 1, sizeof(*in->deps));
	for (i = 0; i < in->ndeps; i++)
		in->deps[i] = in->scratch.buf + in->dep_at[i];
	return 1;
}
