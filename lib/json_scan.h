#ifndef IS_JSON_SCAN_H
#define IS_JSON_SCAN_H
#include <jansson.h>
#include <stddef.h>

#include "strbuf.h"

/*
 * A scanner for the few fields a command reads from a record, without
 * building a tree of the whole record: building jansson values that are
 * thrown away costs more than everything else is-graph and is-exec do with a
 * record, which they mostly pass on as its own text.
 *
 * The scanner validates all it passes over, but accepts only a strict subset
 * of JSON: escapes in keys, \u0000, surrogates, integers of more than 18
 * digits, huge reals, deep nesting and anything malformed make it give up
 * (return 0), and the caller parses the line with jansson instead (which then
 * names the error, or reads the record). So whatever it accepts, jansson
 * accepts too and reads the same way; a caller keeps jansson's rule for a
 * repeated key (the last one counts) by resetting a field when its key comes
 * again.
 *
 * Every function scans the value at s->p and moves past it, returning 1, or
 * 0 when the scanner gives up. Leading whitespace is skipped by the caller.
 */
struct is_json_scan {
	const char *p, *end;
	int depth;
	void *ctx;                  /* the caller's, for its callbacks */
};

void is_json_scan_init(struct is_json_scan *s, const char *text, size_t len, void *ctx);
void is_json_scan_ws(struct is_json_scan *s);
/* Whether the next byte is c. */
static inline int is_json_scan_at(const struct is_json_scan *s, char c)
{
	return s->p < s->end && *s->p == c;
}
/* Any value, skipped. */
int is_json_scan_value(struct is_json_scan *s);
/* Calls field for each member of the object at s->p; field must scan the
 * value (is_json_scan_value to skip it). field NULL: skip the object. */
typedef int is_json_scan_field_fn(struct is_json_scan *s, const char *key, size_t len);
int is_json_scan_object(struct is_json_scan *s, is_json_scan_field_fn *field);
/* Calls item for each element of the array at s->p (NULL: skip them). */
typedef int is_json_scan_item_fn(struct is_json_scan *s);
int is_json_scan_array(struct is_json_scan *s, is_json_scan_item_fn *item);
/* The string at s->p: *body and *len get the bytes between the quotes (still
 * escaped), *escaped whether a backslash was among them. */
int is_json_scan_string(struct is_json_scan *s, const char **body, size_t *len,
                        int *escaped);
/* Any value; when it is a number, num says so and holds it as jansson reads
 * it (is_int: neither fraction nor exponent; then i is exact). */
struct is_json_number {
	int is_number, is_int;
	double d;
	long long i;
};
int is_json_scan_number(struct is_json_scan *s, struct is_json_number *num);
/* A whole line that must be one object with nothing after it. */
int is_json_scan_document(struct is_json_scan *s, is_json_scan_field_fn *field);
/* Whether the key key[0..len) is name. */
int is_json_scan_key_is(const char *key, size_t len, const char *name);
/*
 * A value kept when it is a string without escapes: its bytes are appended
 * to sb (borrowed, and it grows) with a NUL, and *at gets their offset there,
 * which outlives sb moving as a pointer would not; *at is -1 when the value
 * is no string (skipped). An escaped string makes the scanner give up.
 */
int is_json_scan_plain_string(struct is_json_scan *s, struct is_strbuf *sb, long *at);
/* The same for an element of an array of strings: the offset, if any, is
 * appended to the array *at of *n (capacity *cap, grown with is_xgrow). */
int is_json_scan_plain_string_append(struct is_json_scan *s, struct is_strbuf *sb,
                                     long **at, size_t *n, size_t *cap);

/*
 * Parses text (any JSON value) into jansson values: the scanner reads it and
 * builds the values itself, which costs a fraction of jansson's parser on
 * small texts; what it gives up on goes to json_loadb. Returns a new
 * reference, or NULL when the text is not JSON.
 */
json_t *is_json_scan_load(const char *text, size_t len);
/*
 * Whether text is exactly what is_json_dump (flags 0) writes for the value it
 * holds, so it can be copied instead of parsed and written again: compact,
 * no repeated keys, no escapes, integers but no reals. 0 says "not sure".
 */
int is_json_scan_canonical(const char *text, size_t len);

#endif
