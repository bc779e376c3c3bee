#ifndef IS_JSON_H
#define IS_JSON_H
#include <jansson.h>
#include <stdio.h>

#include "strbuf.h"

/*
 * JSON output and canonical form. Our own writer rather than json_dumps so that
 * reals print as the shortest text that reads back to the same double (jansson
 * prints 0.1 as 0.10000000000000001), and so canonical output for hashing and
 * record output share one code path.
 */
enum {
	IS_JSON_SORT_KEYS = 1 << 0,   /* canonical: object keys in byte order */
};

/* Appends the compact JSON text of v to sb. v is borrowed. */
void is_json_dump(struct is_strbuf *sb, const json_t *v, int flags);
/* Appends s as a JSON string literal (quoted and escaped). */
void is_json_dump_string(struct is_strbuf *sb, const char *s, size_t len);
/* "sha256:<hex>" of the canonical text of v, into out (at least 72 bytes). */
void is_json_hash(const json_t *v, char out[72]);
/* Appends one escaped JSON-pointer token (RFC 6901: ~ as ~0, / as ~1). */
void is_json_pointer_add(struct is_strbuf *sb, const char *token);
/*
 * Appends to out (a borrowed array) the JSON pointer of each place where a
 * and b differ, as path followed by the pointer below it: objects are
 * compared key by key (in byte order), anything else as a whole, a missing
 * side (NULL) differing from everything. a, b and path are borrowed; path is
 * as it was on return.
 */
void is_json_diff(const json_t *a, const json_t *b, struct is_strbuf *path,
                  json_t *out);
/* Looks up a JSON pointer; returns a borrowed value or NULL. */
json_t *is_json_pointer_get(json_t *root, const char *pointer);
/* Lowercase hex SHA-256 of data into out (65 bytes). */
void is_sha256_hex(const void *data, size_t len, char out[65]);

#endif
