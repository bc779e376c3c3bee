#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "secret.h"
#include "xalloc.h"
#include "banned.h"

void is_secrets_init(struct is_secrets *s)
{
	memset(s, 0, sizeof(*s));
	is_strmap_init(&s->file);
	is_strmap_init(&s->env);
}

static void free_values(struct is_strmap *m)
{
	size_t i = 0;
	const char *k;
	void *v;

	while (is_strmap_next(m, &i, &k, &v))
		free(v);
	is_strmap_release(m);
}

void is_secrets_release(struct is_secrets *s)
{
	size_t i;

	free_values(&s->file);
	free_values(&s->env);
	for (i = 0; i < s->nredact; i++)
		free(s->redact[i]);
	free(s->redact);
	memset(s, 0, sizeof(*s));
}

static void add_pattern(struct is_secrets *s, const char *text)
{
	size_t i, len = strlen(text);

	if (!len)
		return;
	for (i = 0; i < s->nredact; i++)
		if (!strcmp(s->redact[i], text))
			return;
	s->redact = is_xgrow(s->redact, &s->redact_cap, s->nredact + 1, sizeof(*s->redact));
	/* Longest first, so a secret that contains another is hidden whole. */
	for (i = s->nredact; i > 0 && strlen(s->redact[i - 1]) < len; i--)
		s->redact[i] = s->redact[i - 1];
	s->redact[i] = is_xstrdup(text);
	s->nredact++;
}

void is_secrets_hide(struct is_secrets *s, const char *value)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	add_pattern(s, value);
	/* In a record the value is written as a JSON string: hide that form too. */
	is_json_dump_string(&sb, value, strlen(value));
	if (sb.len > 2) {
		sb.buf[sb.len - 1] = '\0';
		add_pattern(s, sb.buf + 1);
	}
	is_strbuf_release(&sb);
}

static void put(struct is_secrets *s, const char *name, const char *value)
{
	free(is_strmap_put(&s->file, name, is_xstrdup(value)));
	is_secrets_hide(s, value);
}

static int load_json(struct is_secrets *s, const char *path, const char *text,
                     struct is_error *err)
{
	json_error_t jerr;
	json_t *obj = json_loads(text, 0, &jerr), *v;
	const char *k;

	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		return is_error_set(err, "bad-secrets", path, obj ? 1 : jerr.line,
		                    obj ? 1 : jerr.column,
		                    "secrets file is not a JSON object%s%s",
		                    obj ? "" : ": ", obj ? "" : jerr.text);
	}
	json_object_foreach(obj, k, v) {
		if (json_is_string(v)) {
			put(s, k, json_string_value(v));
		} else {
			struct is_strbuf sb = IS_STRBUF_INIT;

			is_json_dump(&sb, v, 0);
			put(s, k, sb.buf);
			is_strbuf_release(&sb);
		}
	}
	json_decref(obj);
	return 0;
}

static int load_lines(struct is_secrets *s, const char *path, char *text,
                      struct is_error *err)
{
	long line = 0;
	char *p = text;

	while (*p) {
		char *nl = strchr(p, '\n'), *eq, *name;

		line++;
		if (nl)
			*nl = '\0';
		if (nl && nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		name = p;
		while (*name == ' ' || *name == '\t')
			name++;
		if (*name && *name != '#') {
			eq = strchr(name, '=');
			if (!eq || eq == name)
				return is_error_set(err, "bad-secrets", path, line, 1,
				                    "expected NAME=VALUE");
			*eq = '\0';
			put(s, name, eq + 1);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

int is_secrets_load(struct is_secrets *s, const char *path, struct is_error *err)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	FILE *fp = fopen(path, "r");
	char chunk[4096];
	size_t n;
	const char *p;
	int rc;

	if (!fp)
		return is_error_set(err, "bad-secrets", path, 0, 0, "cannot open: %s",
		                    strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		is_strbuf_add(&sb, chunk, n);
	fclose(fp);
	if (!sb.buf)
		is_strbuf_add(&sb, "", 0);
	for (p = sb.buf; isspace((unsigned char)*p); p++)
		;
	rc = *p == '{' ? load_json(s, path, sb.buf, err) : load_lines(s, path, sb.buf, err);
	is_strbuf_release(&sb);
	return rc;
}

const char *is_secrets_get(struct is_secrets *s, const char *name)
{
	const char *v = is_strmap_get(&s->file, name);
	char *var, *c;

	if (v)
		return v;
	if ((v = is_strmap_get(&s->env, name)) != NULL)
		return v;
	var = is_xasprintf("IS_SECRET_%s", name);
	for (c = var; *c; c++)
		if (*c == '-' || *c == '.')
			*c = '_';
	v = getenv(var);
	free(var);
	if (!v)
		return NULL;
	is_strmap_put(&s->env, name, is_xstrdup(v));
	is_secrets_hide(s, v);
	return is_strmap_get(&s->env, name);
}

void is_secrets_redact(const struct is_secrets *s, struct is_strbuf *sb)
{
	size_t i;

	for (i = 0; i < s->nredact && sb->len; i++) {
		const char *pat = s->redact[i];
		size_t plen = strlen(pat);
		struct is_strbuf out = IS_STRBUF_INIT;
		const char *p = sb->buf, *hit;

		if (!is_memfind(sb->buf, sb->len, pat, plen))
			continue;
		while ((hit = is_memfind(p, sb->len - (size_t)(p - sb->buf), pat, plen)) != NULL) {
			is_strbuf_add(&out, p, (size_t)(hit - p));
			is_strbuf_add(&out, "***", 3);
			p = hit + plen;
		}
		is_strbuf_add(&out, p, sb->len - (size_t)(p - sb->buf));
		is_strbuf_release(sb);
		*sb = out;
	}
}

char *is_secrets_redact_str(const struct is_secrets *s, const char *text)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	is_strbuf_adds(&sb, text ? text : "");
	is_secrets_redact(s, &sb);
	return is_strbuf_detach(&sb, NULL);
}
