/*
 * A scanner for the fields of a record that a plan reads, without building a
 * tree of the whole record: jansson spent more than half of is-graph's time
 * building values that were thrown away, since a record is written back as
 * its own text.
 *
 * The scanner validates the whole line, but accepts only a strict subset of
 * JSON: escapes in keys or in the strings it extracts, \u0000, surrogates,
 * integers of more than 18 digits, huge reals, deep nesting and anything
 * malformed make it give up, and the caller parses the line with jansson
 * instead (which then names the error, or reads the record). So whatever it
 * accepts, jansson accepts too and reads the same way: a repeated key counts
 * once, the last time, as in a jansson object.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "xalloc.h"
#include "banned.h"

enum { MAX_DEPTH = 512, MAX_INT_DIGITS = 18, MAX_REAL_DIGITS = 200 };

struct scan {
	const char *p, *end;
	struct is_plan_input *in;
	struct is_strbuf *scratch;
	int depth;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' ||
	                         *s->p == '\r'))
		s->p++;
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One UTF-8 sequence at p, strictly (no overlongs, surrogates or more than
 * U+10FFFF, as jansson checks); returns its length, 0 when invalid. */
static size_t utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * A string at s->p (its opening quote). *body and *len get the bytes between
 * the quotes, *escaped whether any backslash was among them. Returns 0 when
 * the scanner gives up.
 */
static int string(struct scan *s, const char **body, size_t *len, int *escaped)
{
	const unsigned char *p = (const unsigned char *)s->p + 1;
	const unsigned char *end = (const unsigned char *)s->end;

	*escaped = 0;
	for (;;) {
		size_t n;
		int v, k;

		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p >= end || *p < 0x20)
			return 0;
		if (*p == '"')
			break;
		if (*p >= 0x80) {
			if (!(n = utf8(p, end)))
				return 0;
			p += n;
			continue;
		}
		*escaped = 1;
		if (end - p < 2)
			return 0;
		if (p[1] && strchr("\"\\/bfnrt", p[1])) {
			p += 2;
			continue;
		}
		if (p[1] != 'u' || end - p < 6)
			return 0;
		for (v = 0, k = 2; k < 6; k++) {
			if (hex(p[k]) < 0)
				return 0;
			v = v * 16 + hex(p[k]);
		}
		/* NUL and surrogate pairs: jansson's call. */
		if (v == 0 || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		p += 6;
	}
	*body = s->p + 1;
	*len = (size_t)((const char *)p - *body);
	s->p = (const char *)p + 1;
	return 1;
}

static int digits(struct scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return (int)(s->p - start);
}

/* A number; *integer says whether it has neither fraction nor exponent. */
static int number(struct scan *s, int *integer)
{
	int n, e;

	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0') {
		s->p++;
		n = 1;
		if (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			return 0;
	} else if ((n = digits(s)) == 0) {
		return 0;
	}
	*integer = 1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		*integer = 0;
		if (!digits(s))
			return 0;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		*integer = 0;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		e = digits(s);
		if (e == 0 || e > 2)
			return 0;
	}
	/* Nothing that could overflow: jansson reports those. */
	return *integer ? n <= MAX_INT_DIGITS : n <= MAX_REAL_DIGITS;
}

static int value(struct scan *s);

static int literal(struct scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return 0;
	s->p += n;
	return 1;
}

/* Calls field for each member of the object at s->p, which must scan the
 * value; keys with escapes make the scanner give up. */
typedef int field_fn(struct scan *s, const char *key, size_t len);

static int object(struct scan *s, field_fn *field)
{
	const char *key;
	size_t len;
	int escaped;

	if (++s->depth > MAX_DEPTH)
		return 0;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (s->p >= s->end || *s->p != '"' || !string(s, &key, &len, &escaped) ||
		    escaped)
			return 0;
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return 0;
		s->p++;
		skip_ws(s);
		if (!(field ? field(s, key, len) : value(s)))
			return 0;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			s->depth--;
			return 1;
		}
		return 0;
	}
}

/* Calls item for each element of the array at s->p (NULL: just scan). */
typedef int item_fn(struct scan *s);

static int array(struct scan *s, item_fn *item)
{
	if (++s->depth > MAX_DEPTH)
		return 0;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (!(item ? item(s) : value(s)))
			return 0;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			s->depth--;
			return 1;
		}
		return 0;
	}
}

static int value(struct scan *s)
{
	const char *body;
	size_t len;
	int escaped, integer;

	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{': return object(s, NULL);
	case '[': return array(s, NULL);
	case '"': return string(s, &body, &len, &escaped);
	case 't': return literal(s, "true", 4);
	case 'f': return literal(s, "false", 5);
	case 'n': return literal(s, "null", 4);
	}
	return number(s, &integer);
}

/* A value that is a string without escapes: *out gets its offset in the
 * scratch buffer (NUL-terminated there), or -1 when it is not a string. */
static int plain_string(struct scan *s, long *out)
{
	const char *body;
	size_t len;
	int escaped;

	*out = -1;
	if (s->p >= s->end || *s->p != '"')
		return value(s);
	if (!string(s, &body, &len, &escaped) || escaped)
		return 0;
	*out = (long)s->scratch->len;
	is_strbuf_add(s->scratch, body, len);
	is_strbuf_addch(s->scratch, '\0');
	return 1;
}

/* A number value as a double, and whether it was one (*is_int: an integer). */
static int number_value(struct scan *s, int *is_number, int *is_int, double *d)
{
	const char *start = s->p;
	char buf[320];
	size_t n;

	*is_number = 0;
	if (s->p >= s->end || !(*s->p == '-' || (*s->p >= '0' && *s->p <= '9')))
		return value(s);
	if (!number(s, is_int))
		return 0;
	n = (size_t)(s->p - start);
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, start, n);
	buf[n] = '\0';
	*d = *is_int ? (double)strtoll(buf, NULL, 10) : strtod(buf, NULL);
	*is_number = 1;
	return 1;
}

static int long_value(struct scan *s, long *out)
{
	int is_number, is_int;
	double d;

	if (!number_value(s, &is_number, &is_int, &d))
		return 0;
	*out = is_number && is_int ? (long)d : 0;
	return 1;
}

static int key_is(const char *key, size_t len, const char *name)
{
	return strlen(name) == len && !memcmp(key, name, len);
}

static int metadata_field(struct scan *s, const char *key, size_t len)
{
	int is_number, is_int;
	double d;

	if (!key_is(key, len, "expectedSeconds"))
		return value(s);
	if (!number_value(s, &is_number, &is_int, &d))
		return 0;
	s->in->has_seconds = is_number;
	s->in->seconds = d;
	return 1;
}

static int source_field(struct scan *s, const char *key, size_t len)
{
	if (key_is(key, len, "file"))
		return plain_string(s, &s->in->source_file_at);
	if (key_is(key, len, "line"))
		return long_value(s, &s->in->source_line);
	if (key_is(key, len, "col"))
		return long_value(s, &s->in->source_col);
	return value(s);
}

static int dep_item(struct scan *s)
{
	long at;

	if (!plain_string(s, &at))
		return 0;
	if (at >= 0) {
		s->in->dep_at = is_xgrow(s->in->dep_at, &s->in->dep_cap,
		                         s->in->ndeps + 1, sizeof(*s->in->dep_at));
		s->in->dep_at[s->in->ndeps++] = at;
	}
	return 1;
}

static void span(struct scan *s, const char *start, const char **at, size_t *len)
{
	*at = start;
	*len = (size_t)(s->p - start);
}

static int top_field(struct scan *s, const char *key, size_t len)
{
	static const char *const ours[] = { "level", "order", "critical", "action",
	                                    "prior", "changes", "members", NULL };
	struct is_plan_input *in = s->in;
	const char *start = s->p;
	size_t i;
	int ok;

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
		return s->p < s->end && *s->p == '[' ? array(s, dep_item) : value(s);
	case 'm':
		if (!key_is(key, len, "metadata"))
			break;
		in->has_seconds = 0;
		return s->p < s->end && *s->p == '{' ? object(s, metadata_field) : value(s);
	case 's':
		if (key_is(key, len, "source")) {
			in->has_source = s->p < s->end && *s->p == '{';
			in->source_file_at = -1;
			in->source_line = in->source_col = 0;
			return in->has_source ? object(s, source_field) : value(s);
		}
		if (key_is(key, len, "spec")) {
			ok = value(s);
			span(s, start, &in->spec, &in->spec_len);
			return ok;
		}
		break;
	case 'l':
		if (key_is(key, len, "labels")) {
			ok = value(s);
			span(s, start, &in->labels, &in->labels_len);
			return ok;
		}
		break;
	case 'h':
		if (key_is(key, len, "hash")) {
			ok = value(s);
			span(s, start, &in->hash, &in->hash_len);
			return ok;
		}
		break;
	}
	for (i = 0; ours[i]; i++)
		if (key_is(key, len, ours[i]))
			in->ours = 1;
	return value(s);
}

static const char *at(const struct is_strbuf *sb, long offset)
{
	return offset < 0 ? NULL : sb->buf + offset;
}

int is_plan_scan(struct is_plan_input *in, const char *text, size_t len)
{
	struct scan s = { text, text + len, in, &in->scratch, 0 };
	size_t i;

	is_plan_input_reset(in);
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{' || !object(&s, top_field))
		return 0;
	skip_ws(&s);
	if (s.p != s.end)
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
