#ifndef IS_SECRET_H
#define IS_SECRET_H
#include <stddef.h>

#include "error.h"
#include "strbuf.h"
#include "strmap.h"

/*
 * Secrets: ${secret:NAME} is resolved by is-exec, from a --secrets file or
 * else from the environment variable IS_SECRET_<NAME> ('-' and '.' in NAME
 * read as '_'). Every value handed out, and every value the file holds, is
 * remembered so the tool can redact it (as "***") from everything it writes.
 * Not thread-safe: resolve and redact on one thread.
 */
struct is_secrets {
	struct is_strmap file;      /* name -> owned value, from --secrets */
	struct is_strmap env;       /* name -> owned value, read from the environment */
	char **redact;              /* owned: texts to hide, longest first */
	size_t nredact, redact_cap;
};

void is_secrets_init(struct is_secrets *s);
void is_secrets_release(struct is_secrets *s);
/*
 * Loads a file that holds a JSON object (string values, others as their JSON
 * text) or KEY=VALUE lines (blank lines and lines starting with '#' skipped).
 * Returns 0, or -1 with err naming the file and line.
 */
int is_secrets_load(struct is_secrets *s, const char *path, struct is_error *err);
/* The value of secret name (borrowed, valid until release), or NULL. */
const char *is_secrets_get(struct is_secrets *s, const char *name);
/* Adds a text to hide (copied); empty texts are ignored. */
void is_secrets_hide(struct is_secrets *s, const char *value);
/* Replaces every known secret value in sb, raw or JSON-escaped, with "***". */
void is_secrets_redact(const struct is_secrets *s, struct is_strbuf *sb);
/* The same for a C string: returns a new string the caller frees. */
char *is_secrets_redact_str(const struct is_secrets *s, const char *text);

#endif
