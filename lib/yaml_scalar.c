/*
 * Scalars typed by the YAML 1.2 core schema. yes/no/on/off stay strings: YAML
 * 1.2 dropped the 1.1 booleans because "country: no" (Norway) turned false.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_doc.h"
#include "banned.h"

static int is_one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

static int all_digits(const char *s, const char *set)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!strchr(set, *s))
			return 0;
	return 1;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int looks_float(const char *s)
{
	int mantissa = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9') {
		s++;
		mantissa = 1;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			s++;
			mantissa = 1;
		}
	}
	if (!mantissa)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Integers beyond 64 bits keep their exact digits, as a string. */
static json_t *integer_value(const char *text, int base, const char *digits)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(digits, &end, base);
	if (errno == ERANGE)
		return json_string_nocheck(text);
	if (base != 10 && text[0] == '-')
		v = -v;
	return json_integer(v);
}

static json_t *number_value(const char *s)
{
	if (all_digits(s, "0123456789") ||
	    ((*s == '-' || *s == '+') && all_digits(s + 1, "0123456789")))
		return integer_value(s, 10, s);
	if (!strncmp(s, "0o", 2) && all_digits(s + 2, "01234567"))
		return integer_value(s, 8, s + 2);
	if (!strncmp(s, "0x", 2) && all_digits(s + 2, "0123456789abcdefABCDEF"))
		return integer_value(s, 16, s + 2);
	if (looks_float(s)) {
		double d = strtod(s, NULL);

		/* JSON has no infinity: an overflowing literal keeps its text. */
		return isfinite(d) ? json_real(d) : json_string_nocheck(s);
	}
	return NULL;
}

/* JSON cannot hold these; they stay the YAML text, as strings. */
static const char *const specials[] = { ".inf", ".Inf", ".INF", "+.inf", "+.Inf",
	"+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", NULL };

static int is_integer_text(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return all_digits(s, "0123456789");
}

/* !!float: a number of any form as a real; .inf and .nan keep their text. */
static json_t *float_value(const char *s)
{
	json_t *v, *r;
	double d;

	if (is_one_of(s, specials))
		return json_string_nocheck(s);
	v = number_value(s);
	if (!v || json_is_real(v))
		return v;
	if (json_is_integer(v)) {
		d = (double)json_integer_value(v);
	} else if (is_integer_text(s)) {
		d = strtod(s, NULL);   /* beyond 64 bits: a real is what was asked */
	} else {
		return v;              /* a hex or octal literal beyond 64 bits */
	}
	r = isfinite(d) ? json_real(d) : json_string_nocheck(s);
	json_decref(v);
	return r;
}

static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const trues[] = { "true", "True", "TRUE", NULL };
static const char *const falses[] = { "false", "False", "FALSE", NULL };

/* Only these can begin a null, a boolean or a number; most scalars don't. */
static int may_be_typed(const char *s)
{
	size_t n;

	if (!*s || strchr("+-.0123456789", *s))
		return 1;
	if (!strchr("~nNtTfF", *s))
		return 0;
	/* ~, null, true, false in their three spellings */
	n = strlen(s);
	return n == 1 || n == 4 || n == 5;
}

static json_t *untagged_plain(const char *s)
{
	json_t *n;

	/* libyaml has checked the text is UTF-8: no need for jansson to again. */
	if (!may_be_typed(s))
		return json_string_nocheck(s);
	if (is_one_of(s, nulls))
		return json_null();
	if (is_one_of(s, trues))
		return json_true();
	if (is_one_of(s, falses))
		return json_false();
	if (is_one_of(s, specials))
		return json_string_nocheck(s);
	if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == '.') {
		n = number_value(s);
		if (n)
			return n;
	}
	return json_string_nocheck(s);
}

json_t *is_yaml_scalar(const char *text, int plain, const char *tag)
{
	if (tag && !strncmp(tag, "tag:yaml.org,2002:", 18)) {
		const char *t = tag + 18;
		json_t *v = NULL;

		/*
		 * Tags beyond the core schema (!!binary, !!timestamp ...) have no
		 * JSON type: their text is kept, as the YAML test suite expects.
		 */
		if (strcmp(t, "null") && strcmp(t, "bool") && strcmp(t, "int") &&
		    strcmp(t, "float"))
			return json_string_nocheck(text);
		if (!strcmp(t, "null") && is_one_of(text, nulls))
			return json_null();
		if (!strcmp(t, "bool"))
			v = is_one_of(text, trues) ? json_true()
			  : is_one_of(text, falses) ? json_false() : NULL;
		if (!strcmp(t, "int")) {
			v = number_value(text);
			/* A real, or a real too large for a double, is no integer. */
			if (json_is_real(v) ||
			    (json_is_string(v) && looks_float(text) && !is_integer_text(text))) {
				json_decref(v);
				v = NULL;
			}
		}
		if (!strcmp(t, "float"))
			v = float_value(text);
		return v;   /* NULL: the text does not fit the tag */
	}
	/* "!" is the non-specific tag: the scalar is a string. */
	if (!plain || (tag && !strcmp(tag, "!")))
		return json_string_nocheck(text);
	return untagged_plain(text);
}
