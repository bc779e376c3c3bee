#ifndef IS_PROMISE_H
#define IS_PROMISE_H
#include <jansson.h>

#include "error.h"
#include "secret.h"

/*
 * Promises: the last stage of reference handling. Before a resource runs,
 * every ${ID.outputs.PATH} in its spec is replaced by what its dependency
 * produced, every ${secret:NAME} by the secret, and every "$${" escape by a
 * literal "${". A string that is exactly one reference takes the value's own
 * JSON type; otherwise the value is interpolated as text (strings as they
 * are, anything else as compact JSON).
 */

/*
 * Returns the outputs of resource id (borrowed): those it produced in this
 * run, or the prior outputs its plan carried; NULL when it has none.
 */
typedef json_t *(*is_promise_outputs)(const char *id, void *ctx);

/*
 * Resolves the spec of record (borrowed) into *spec (a new reference; {} when
 * the record has no spec). The record's "refs" entries map bare names to ids;
 * without them an output reference must name a full "Kind/name". secrets may
 * be NULL (secret references then fail). Returns 0, or -1 with err saying
 * which reference could not be resolved and why.
 */
int is_promise_resolve(const json_t *record, is_promise_outputs outputs, void *ctx,
                       struct is_secrets *secrets, json_t **spec, struct is_error *err);
/* The same for a spec and a refs array (both borrowed, either may be NULL)
 * that were read apart from their record. */
int is_promise_resolve_spec(const json_t *spec, const json_t *refs,
                            is_promise_outputs outputs, void *ctx,
                            struct is_secrets *secrets, json_t **out,
                            struct is_error *err);

#endif
