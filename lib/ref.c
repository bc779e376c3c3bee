#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ref.h"
#include "xalloc.h"
#include "banned.h"

void is_ref_list_init(struct is_ref_list *l)
{
	memset(l, 0, sizeof(*l));
}

void is_ref_list_release(struct is_ref_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->refs[i].text);
		free(l->refs[i].target);
		free(l->refs[i].pointer);
		free(l->refs[i].fallback);
	}
	free(l->refs);
	memset(l, 0, sizeof(*l));
}

int is_ref_maybe(const char *s)
{
	return strstr(s, "${") != NULL;
}

static int env_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int secret_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-.", s[i]))
			return 0;
	return 1;
}

/* "a.b[0].c" -> "/a/b/0/c"; returns NULL when malformed. */
static char *path_to_pointer(const char *path)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	const char *p = path;

	is_strbuf_grow(&sb, strlen(path) + 1);
	while (*p) {
		const char *start = p;
		char *token;

		if (*p == '[') {
			start = ++p;
			while (isdigit((unsigned char)*p))
				p++;
			if (p == start || *p != ']')
				goto bad;
			token = is_xstrndup(start, (size_t)(p - start));
			p++;
		} else {
			while (*p && *p != '.' && *p != '[')
				p++;
			if (p == start)
				goto bad;
			token = is_xstrndup(start, (size_t)(p - start));
		}
		is_json_pointer_add(&sb, token);
		free(token);
		if (*p == '.') {
			p++;
			if (!*p)
				goto bad;
		}
	}
	return is_strbuf_detach(&sb, NULL);
bad:
	is_strbuf_release(&sb);
	return NULL;
}

/* Finds ".outputs" followed by '.', '[' or the end, after the target. */
static const char *find_outputs(const char *body)
{
	const char *p = body;

	while ((p = strstr(p, ".outputs")) != NULL) {
		char next = p[8];

		if (p > body && (next == '.' || next == '[' || next == '\0'))
			return p;
		p++;
	}
	return NULL;
}

static int parse_output(struct is_ref *r, const char **problem)
{
	const char *body = r->text;
	const char *at = find_outputs(body);

	if (!at) {
		*problem = "write ${ID.outputs.PATH}, ${env:NAME} or ${secret:NAME}, "
		           "or $${ for a literal (a shell variable)";
		return -1;
	}
	r->target = is_xstrndup(body, (size_t)(at - body));
	at += 8;
	if (*at == '.')
		at++;
	if (!*at) {
		r->pointer = is_xstrdup("");
		return 0;
	}
	r->pointer = path_to_pointer(at);
	if (!r->pointer) {
		*problem = "bad output path (use names and [N] indexes: a.b[0].c)";
		return -1;
	}
	return 0;
}

static int parse_body(struct is_ref *r, const char **problem)
{
	const char *body = r->text;
	size_t n = strlen(body);

	if (!strncmp(body, "env:", 4)) {
		const char *dflt = strstr(body + 4, ":-");
		size_t name_len = dflt ? (size_t)(dflt - body - 4) : n - 4;

		r->kind = IS_REF_ENV;
		if (!env_name(body + 4, name_len)) {
			*problem = "bad environment variable name (letters, digits and '_', not starting "
			           "with a digit)";
			return -1;
		}
		r->target = is_xstrndup(body + 4, name_len);
		r->fallback = dflt ? is_xstrdup(dflt + 2) : NULL;
		return 0;
	}
	if (!strncmp(body, "secret:", 7)) {
		r->kind = IS_REF_SECRET;
		if (!secret_name(body + 7, n - 7)) {
			*problem = "bad secret name (letters, digits, '_', '-' and '.')";
			return -1;
		}
		r->target = is_xstrdup(body + 7);
		return 0;
	}
	r->kind = IS_REF_OUTPUT;
	return parse_output(r, problem);
}

static void release_ref(struct is_ref *r)
{
	free(r->text);
	free(r->target);
	free(r->pointer);
	free(r->fallback);
}

int is_ref_scan(const char *s, size_t len, struct is_ref_list *l,
                const char **problem, size_t *offset)
{
	size_t i = 0;

	while (i + 1 < len) {
		struct is_ref r = { 0 };
		const char *close;

		if (s[i] == '$' && s[i + 1] == '$' && i + 2 < len && s[i + 2] == '{') {
			l->escapes = 1;
			i += 3;
			continue;
		}
		if (s[i] != '$' || s[i + 1] != '{') {
			i++;
			continue;
		}
		close = memchr(s + i + 2, '}', len - i - 2);
		*offset = i;
		if (!close) {
			*problem = "no closing '}' (write '$${' for a literal '${')";
			return -1;
		}
		r.start = i;
		r.end = (size_t)(close - s) + 1;
		r.text = is_xstrndup(s + i + 2, (size_t)(close - s) - i - 2);
		if (!*r.text || strstr(r.text, "${")) {
			*problem = !*r.text ? "nothing between '${' and '}'" : "references cannot nest";
			release_ref(&r);
			return -1;
		}
		if (parse_body(&r, problem) < 0) {
			release_ref(&r);
			return -1;
		}
		l->refs = is_xgrow(l->refs, &l->cap, l->n + 1, sizeof(*l->refs));
		l->refs[l->n++] = r;
		i = r.end;
	}
	return 0;
}

int is_ref_whole(const struct is_ref_list *l, size_t len)
{
	return l->n == 1 && l->refs[0].start == 0 && l->refs[0].end == len && !l->escapes;
}

/* Copies literal text, handling "$${" escapes as asked. */
static void add_literal(struct is_strbuf *out, const char *s, size_t len, int keep_escapes)
{
	size_t i = 0, run = 0;

	if (keep_escapes) {
		is_strbuf_add(out, s, len);
		return;
	}
	while (i + 2 < len) {
		if (s[i] == '$' && s[i + 1] == '$' && s[i + 2] == '{') {
			is_strbuf_add(out, s + run, i - run + 1);
			i += 2;
			run = i;
			continue;
		}
		i++;
	}
	is_strbuf_add(out, s + run, len - run);
}

static void add_escaped_value(struct is_strbuf *out, const char *v, int keep_escapes)
{
	const char *p;

	if (!keep_escapes) {
		is_strbuf_adds(out, v);
		return;
	}
	while ((p = strstr(v, "${")) != NULL) {
		is_strbuf_add(out, v, (size_t)(p - v));
		is_strbuf_add(out, "$${", 3);
		v = p + 2;
	}
	is_strbuf_adds(out, v);
}

void is_ref_expand(struct is_strbuf *out, const char *s, size_t len,
                   const struct is_ref_list *l, is_ref_resolver resolve, void *ctx,
                   int keep_escapes)
{
	size_t pos = 0, i;

	for (i = 0; i < l->n; i++) {
		const struct is_ref *r = &l->refs[i];
		char *value = resolve(r, ctx);

		add_literal(out, s + pos, r->start - pos, keep_escapes);
		if (value)
			add_escaped_value(out, value, keep_escapes);
		else
			is_strbuf_add(out, s + r->start, r->end - r->start);
		free(value);
		pos = r->end;
	}
	add_literal(out, s + pos, len - pos, keep_escapes);
}
