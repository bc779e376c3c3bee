#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"
#include "xalloc.h"
#include "banned.h"

struct cursor {
	const char *text, *p;
	struct is_error *err;
};

void is_selector_init(struct is_selector *s)
{
	memset(s, 0, sizeof(*s));
}

void is_selector_release(struct is_selector *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		free(s->reqs[i].key);
		for (j = 0; j < s->reqs[i].n_values; j++)
			free(s->reqs[i].values[j]);
		free(s->reqs[i].values);
	}
	free(s->reqs);
	memset(s, 0, sizeof(*s));
}

static int syntax(struct cursor *c, const char *what)
{
	return is_error_set(c->err, "selector", NULL, 0, 0,
	                    "bad selector '%s' at column %ld: %s", c->text,
	                    (long)(c->p - c->text) + 1, what);
}

static void skip_space(struct cursor *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

static int word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '_' || ch == '-' || ch == '/';
}

static char *word(struct cursor *c)
{
	const char *start;

	skip_space(c);
	start = c->p;
	while (word_char(*c->p))
		c->p++;
	return is_xstrndup(start, (size_t)(c->p - start));
}

static void add_value(struct is_selector_req *r, char *v)
{
	r->values = is_xrealloc(r->values, (r->n_values + 1) * sizeof(*r->values));
	r->values[r->n_values++] = v;
}

static int value_set(struct cursor *c, struct is_selector_req *r)
{
	skip_space(c);
	if (*c->p != '(')
		return syntax(c, "expected '(' after in/notin");
	c->p++;
	for (;;) {
		add_value(r, word(c));
		skip_space(c);
		if (*c->p == ')') {
			c->p++;
			return 0;
		}
		if (*c->p != ',')
			return syntax(c, "expected ',' or ')' in a value set");
		c->p++;
	}
}

static int keyword(struct cursor *c, const char *kw)
{
	size_t n = strlen(kw);

	if (strncmp(c->p, kw, n) || word_char(c->p[n]))
		return 0;
	c->p += n;
	return 1;
}

static int operator_and_values(struct cursor *c, struct is_selector_req *r)
{
	skip_space(c);
	if (*c->p == ',' || !*c->p) {
		r->op = IS_SEL_EXISTS;
		return 0;
	}
	if (!strncmp(c->p, "!=", 2) || !strncmp(c->p, "==", 2) || *c->p == '=') {
		r->op = *c->p == '!' ? IS_SEL_NE : IS_SEL_EQ;
		c->p += (*c->p == '=' && c->p[1] != '=') ? 1 : 2;
		add_value(r, word(c));
		return 0;
	}
	if (keyword(c, "notin")) {
		r->op = IS_SEL_NOTIN;
		return value_set(c, r);
	}
	if (keyword(c, "in")) {
		r->op = IS_SEL_IN;
		return value_set(c, r);
	}
	return syntax(c, "expected =, ==, !=, in or notin");
}

static int requirement(struct cursor *c, struct is_selector *s)
{
	struct is_selector_req r = { 0 };
	int negated;

	skip_space(c);
	negated = *c->p == '!';
	if (negated)
		c->p++;
	r.key = word(c);
	if (!*r.key) {
		free(r.key);
		return syntax(c, "expected a label key");
	}
	if (negated) {
		r.op = IS_SEL_ABSENT;
	} else if (operator_and_values(c, &r) < 0) {
		s->reqs = is_xgrow(s->reqs, &s->cap, s->n + 1, sizeof(*s->reqs));
		s->reqs[s->n++] = r;    /* released with the selector */
		return -1;
	}
	s->reqs = is_xgrow(s->reqs, &s->cap, s->n + 1, sizeof(*s->reqs));
	s->reqs[s->n++] = r;
	skip_space(c);
	return 0;
}

int is_selector_parse(struct is_selector *s, const char *text, struct is_error *err)
{
	struct cursor c = { text, text, err };

	for (;;) {
		if (requirement(&c, s) < 0)
			return -1;
		if (!*c.p)
			return 0;
		if (*c.p != ',')
			return syntax(&c, "expected ',' between requirements");
		c.p++;
	}
}

static int in_values(const struct is_selector_req *r, const char *v)
{
	size_t i;

	for (i = 0; i < r->n_values; i++)
		if (!strcmp(r->values[i], v))
			return 1;
	return 0;
}

static int match_one(const struct is_selector_req *r, const json_t *labels)
{
	const json_t *v = labels ? json_object_get(labels, r->key) : NULL;
	const char *text = json_is_string(v) ? json_string_value(v) : NULL;

	switch (r->op) {
	case IS_SEL_EXISTS: return v != NULL;
	case IS_SEL_ABSENT: return v == NULL;
	case IS_SEL_EQ: return text && !strcmp(text, r->values[0]);
	case IS_SEL_NE: return !text || strcmp(text, r->values[0]) != 0;
	case IS_SEL_IN: return text && in_values(r, text);
	case IS_SEL_NOTIN: return !text || !in_values(r, text);
	}
	return 0;
}

int is_selector_match(const struct is_selector *s, const json_t *labels)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!match_one(&s->reqs[i], labels))
			return 0;
	return 1;
}
