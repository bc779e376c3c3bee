#ifndef IS_SELECTOR_H
#define IS_SELECTOR_H
#include <jansson.h>

#include "error.h"

/*
 * Label selectors as kubectl writes them: "env=prod,tier!=web,team,!legacy",
 * "env in (prod,staging)", "tier notin (web)". Requirements are ANDed.
 */
enum is_selector_op { IS_SEL_EQ, IS_SEL_NE, IS_SEL_EXISTS, IS_SEL_ABSENT,
                      IS_SEL_IN, IS_SEL_NOTIN };

struct is_selector_req {
	enum is_selector_op op;
	char *key;
	char **values;          /* owned; n_values strings */
	size_t n_values;
};

struct is_selector {
	struct is_selector_req *reqs;
	size_t n, cap;
};

void is_selector_init(struct is_selector *s);
/* Adds the requirements of text to s (so repeated -l options AND together).
 * Returns 0, or -1 with err naming the column of the problem. */
int is_selector_parse(struct is_selector *s, const char *text, struct is_error *err);
/* labels is borrowed: an object of strings, or NULL (no labels). */
int is_selector_match(const struct is_selector *s, const json_t *labels);
void is_selector_release(struct is_selector *s);

#endif
