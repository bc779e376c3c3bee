#ifndef IS_REF_H
#define IS_REF_H
#include <jansson.h>
#include <stddef.h>

#include "strbuf.h"

/*
 * References inside strings: ${ID.outputs.PATH}, ${name.outputs.PATH},
 * ${env:NAME}, ${env:NAME:-default}, ${secret:NAME}; "$${" is a literal "${".
 * A string is split into literal text and references, so each stage can
 * resolve what it owns (env in is-parse, outputs and secrets in is-exec).
 */
enum is_ref_kind { IS_REF_OUTPUT, IS_REF_ENV, IS_REF_SECRET };

struct is_ref {
	enum is_ref_kind kind;
	size_t start, end;       /* byte span of "${...}" in the string */
	char *text;              /* owned: what stands between ${ and } */
	char *target;            /* owned: output: "Kind/name" or bare name; env/secret: NAME */
	char *pointer;           /* owned: output: JSON pointer into outputs ("/a/0/b") */
	char *fallback;          /* owned: env default after ":-", or NULL */
};

struct is_ref_list {
	struct is_ref *refs;
	size_t n, cap;
	int escapes;             /* the string holds "$${" escapes */
};

void is_ref_list_init(struct is_ref_list *l);
void is_ref_list_release(struct is_ref_list *l);
/*
 * Finds the references in s (len bytes) and adds them to l. Returns 0, or -1
 * with *problem set to a static description (what is wrong with the reference
 * or what to write, to follow the quoted reference in a message) and *offset
 * to the byte where the malformed reference starts.
 */
int is_ref_scan(const char *s, size_t len, struct is_ref_list *l,
                const char **problem, size_t *offset);
/* Quick test: could s hold a reference or an escape at all? */
int is_ref_maybe(const char *s);
/*
 * Rebuilds s with each reference replaced by resolve()'s text (a new string,
 * or NULL to keep the reference as written); literal "$${" escapes are kept
 * when keep_escapes, else turned into "${". Resolved text is inserted with its
 * own "${" escaped when keep_escapes, so a value can never become a reference.
 */
typedef char *(*is_ref_resolver)(const struct is_ref *ref, void *ctx);
void is_ref_expand(struct is_strbuf *out, const char *s, size_t len,
                   const struct is_ref_list *l, is_ref_resolver resolve, void *ctx,
                   int keep_escapes);
/* True when s is exactly one reference and nothing else. */
int is_ref_whole(const struct is_ref_list *l, size_t len);

#endif
