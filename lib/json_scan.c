/*
 * The record scanner shared by is-graph (plan_scan.c) and is-exec
 * (sched_record.c); see json_scan.h for what it accepts.
 */
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "xalloc.h"
#include "banned.h"

enum { MAX_DEPTH = 512, MAX_INT_DIGITS = 18, MAX_REAL_DIGITS = 200 };

void is_json_scan_init(struct is_json_scan *s, const char *text, size_t len, void *ctx)
{
	s->p = text;
	s->end = text + len;
	s->depth = 0;
	s->ctx = ctx;
}

void is_json_scan_ws(struct is_json_scan *s)
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

/* Bytes a string may hold as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

int is_json_scan_string(struct is_json_scan *s, const char **body, size_t *len,
                        int *escaped)
{
	const unsigned char *p = (const unsigned char *)s->p + 1;
	const unsigned char *end = (const unsigned char *)s->end;

	*escaped = 0;
	for (;;) {
		size_t n;
		int v, k;

		while (p < end && plain[*p])
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

static int digits(struct is_json_scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return (int)(s->p - start);
}

/* A number; *integer says whether it has neither fraction nor exponent. */
static int number(struct is_json_scan *s, int *integer)
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

static int literal(struct is_json_scan *s, const char *word, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return 0;
	s->p += n;
	return 1;
}

/*
 * The brackets and commas of an object or array (closed by close), shared by
 * the scanner and the loader. Past the opening bracket: 1 when an element
 * follows, 0 when the container is empty (its close passed), -1 when it is
 * nested too deep.
 */
static int container_open(struct is_json_scan *s, char close)
{
	if (++s->depth > MAX_DEPTH)
		return -1;
	s->p++;
	is_json_scan_ws(s);
	if (!is_json_scan_at(s, close))
		return 1;
	s->p++;
	s->depth--;
	return 0;
}

/* After an element: 1 when another follows (its comma passed), 0 at the end
 * of the container (its close passed), -1 for anything else. */
static int container_next(struct is_json_scan *s, char close)
{
	is_json_scan_ws(s);
	if (is_json_scan_at(s, ',')) {
		s->p++;
		is_json_scan_ws(s);
		return 1;
	}
	if (!is_json_scan_at(s, close))
		return -1;
	s->p++;
	s->depth--;
	return 0;
}

int is_json_scan_object(struct is_json_scan *s, is_json_scan_field_fn *field)
{
	const char *key;
	size_t len;
	int escaped, more = container_open(s, '}');

	while (more > 0) {
		if (s->p >= s->end || *s->p != '"' ||
		    !is_json_scan_string(s, &key, &len, &escaped) || escaped)
			return 0;
		is_json_scan_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return 0;
		s->p++;
		is_json_scan_ws(s);
		if (!(field ? field(s, key, len) : is_json_scan_value(s)))
			return 0;
		more = container_next(s, '}');
	}
	return more == 0;
}

int is_json_scan_array(struct is_json_scan *s, is_json_scan_item_fn *item)
{
	int more = container_open(s, ']');

	while (more > 0) {
		if (!(item ? item(s) : is_json_scan_value(s)))
			return 0;
		more = container_next(s, ']');
	}
	return more == 0;
}

int is_json_scan_value(struct is_json_scan *s)
{
	const char *body;
	size_t len;
	int escaped, integer;

	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{': return is_json_scan_object(s, NULL);
	case '[': return is_json_scan_array(s, NULL);
	case '"': return is_json_scan_string(s, &body, &len, &escaped);
	case 't': return literal(s, "true", 4);
	case 'f': return literal(s, "false", 5);
	case 'n': return literal(s, "null", 4);
	}
	return number(s, &integer);
}

int is_json_scan_number(struct is_json_scan *s, struct is_json_number *num)
{
	const char *start = s->p;
	char buf[320];
	size_t n;

	num->is_number = num->is_int = 0;
	num->d = 0;
	num->i = 0;
	if (s->p >= s->end || !(*s->p == '-' || (*s->p >= '0' && *s->p <= '9')))
		return is_json_scan_value(s);
	if (!number(s, &num->is_int))
		return 0;
	n = (size_t)(s->p - start);
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (num->is_int) {
		/* At most 18 digits: exact in a long long, no strtoll needed. */
		const char *q = buf + (buf[0] == '-');
		long long v = 0;

		while (*q)
			v = v * 10 + (*q++ - '0');
		num->i = buf[0] == '-' ? -v : v;
		num->d = (double)num->i;
	} else {
		num->d = strtod(buf, NULL);
	}
	num->is_number = 1;
	return 1;
}

int is_json_scan_document(struct is_json_scan *s, is_json_scan_field_fn *field)
{
	is_json_scan_ws(s);
	if (!is_json_scan_at(s, '{') || !is_json_scan_object(s, field))
		return 0;
	is_json_scan_ws(s);
	return s->p == s->end;
}

int is_json_scan_key_is(const char *key, size_t len, const char *name)
{
	return strlen(name) == len && !memcmp(key, name, len);
}

int is_json_scan_plain_string(struct is_json_scan *s, struct is_strbuf *sb, long *at)
{
	const char *body;
	size_t len;
	int escaped;

	*at = -1;
	if (!is_json_scan_at(s, '"'))
		return is_json_scan_value(s);
	if (!is_json_scan_string(s, &body, &len, &escaped) || escaped)
		return 0;
	*at = (long)sb->len;
	is_strbuf_add(sb, body, len);
	is_strbuf_addch(sb, '\0');
	return 1;
}

int is_json_scan_plain_string_append(struct is_json_scan *s, struct is_strbuf *sb,
                                     long **at, size_t *n, size_t *cap)
{
	long offset;

	if (!is_json_scan_plain_string(s, sb, &offset))
		return 0;
	if (offset >= 0) {
		*at = is_xgrow(*at, cap, *n + 1, sizeof(**at));
		(*at)[(*n)++] = offset;
	}
	return 1;
}

static json_t *load_value(struct is_json_scan *s);

static json_t *load_object(struct is_json_scan *s)
{
	json_t *o = json_object(), *v;
	const char *key;
	size_t len;
	char small[64], *k;
	int escaped, more;

	if (!o || (more = container_open(s, '}')) < 0)
		goto fail;
	while (more > 0) {
		if (!is_json_scan_at(s, '"') || !is_json_scan_string(s, &key, &len, &escaped) ||
		    escaped)
			goto fail;
		is_json_scan_ws(s);
		if (!is_json_scan_at(s, ':'))
			goto fail;
		s->p++;
		is_json_scan_ws(s);
		if (!(v = load_value(s)))
			goto fail;
		k = len < sizeof(small) ? small : is_xmalloc(len + 1);
		memcpy(k, key, len);
		k[len] = '\0';
		/* A repeated key: the last value counts, as with jansson's parser. */
		json_object_set_new_nocheck(o, k, v);
		if (k != small)
			free(k);
		more = container_next(s, '}');
	}
	if (more == 0)
		return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *load_array(struct is_json_scan *s)
{
	json_t *a = json_array(), *v;
	int more;

	if (!a || (more = container_open(s, ']')) < 0)
		goto fail;
	while (more > 0) {
		if (!(v = load_value(s)) || json_array_append_new(a, v) < 0)
			goto fail;
		more = container_next(s, ']');
	}
	if (more == 0)
		return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *load_value(struct is_json_scan *s)
{
	struct is_json_number num;
	const char *body;
	size_t len;
	int escaped;

	if (s->p >= s->end)
		return NULL;
	switch (*s->p) {
	case '{': return load_object(s);
	case '[': return load_array(s);
	case '"':
		if (!is_json_scan_string(s, &body, &len, &escaped) || escaped)
			return NULL;
		return json_stringn_nocheck(body, len);
	case 't': return literal(s, "true", 4) ? json_true() : NULL;
	case 'f': return literal(s, "false", 5) ? json_false() : NULL;
	case 'n': return literal(s, "null", 4) ? json_null() : NULL;
	}
	if (!is_json_scan_number(s, &num) || !num.is_number)
		return NULL;
	return num.is_int ? json_integer((json_int_t)num.i) : json_real(num.d);
}

json_t *is_json_scan_load(const char *text, size_t len)
{
	struct is_json_scan s;
	json_t *v;

	is_json_scan_init(&s, text, len, NULL);
	is_json_scan_ws(&s);
	v = load_value(&s);
	is_json_scan_ws(&s);
	if (v && s.p != s.end) {
		json_decref(v);
		v = NULL;
	}
	return v ? v : json_loadb(text, len, JSON_DECODE_ANY, NULL);
}

/* ---- canonical text: what is_json_dump would write back unchanged ---- */

enum { MAX_CANON_KEYS = 32 };

static int canon_value(struct is_json_scan *s);

static int canon_object(struct is_json_scan *s)
{
	const char *keys[MAX_CANON_KEYS], *key;
	size_t lens[MAX_CANON_KEYS], len, n = 0, i;
	int escaped;

	if (++s->depth > MAX_DEPTH)
		return 0;
	s->p++;
	if (is_json_scan_at(s, '}')) {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (!is_json_scan_at(s, '"') || !is_json_scan_string(s, &key, &len, &escaped) ||
		    escaped || n == MAX_CANON_KEYS)
			return 0;
		/* A repeated key is written once. */
		for (i = 0; i < n; i++)
			if (lens[i] == len && !memcmp(keys[i], key, len))
				return 0;
		keys[n] = key;
		lens[n++] = len;
		if (!is_json_scan_at(s, ':'))
			return 0;
		s->p++;
		if (!canon_value(s))
			return 0;
		if (is_json_scan_at(s, ',')) {
			s->p++;
			continue;
		}
		if (!is_json_scan_at(s, '}'))
			return 0;
		s->p++;
		s->depth--;
		return 1;
	}
}

static int canon_array(struct is_json_scan *s)
{
	if (++s->depth > MAX_DEPTH)
		return 0;
	s->p++;
	if (is_json_scan_at(s, ']')) {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		if (!canon_value(s))
			return 0;
		if (is_json_scan_at(s, ',')) {
			s->p++;
			continue;
		}
		if (!is_json_scan_at(s, ']'))
			return 0;
		s->p++;
		s->depth--;
		return 1;
	}
}

static int canon_value(struct is_json_scan *s)
{
	const char *body, *start = s->p;
	size_t len;
	int escaped, integer;

	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{': return canon_object(s);
	case '[': return canon_array(s);
	case '"': return is_json_scan_string(s, &body, &len, &escaped) && !escaped;
	case 't': return literal(s, "true", 4);
	case 'f': return literal(s, "false", 5);
	case 'n': return literal(s, "null", 4);
	}
	/* Integers only, and not -0 (written 0); reals have many spellings. */
	return number(s, &integer) && integer &&
	       !(s->p - start == 2 && start[0] == '-' && start[1] == '0');
}

int is_json_scan_canonical(const char *text, size_t len)
{
	struct is_json_scan s;

	is_json_scan_init(&s, text, len, NULL);
	return canon_value(&s) && s.p == s.end;
}
