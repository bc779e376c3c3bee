#ifndef IS_PROVIDER_PROTOCOL_H
#define IS_PROVIDER_PROTOCOL_H
#include <jansson.h>

#include "provider.h"
#include "strbuf.h"

/*
 * The Command protocol, spoken by the Command provider's commands and by
 * every external "is-provider-<kind>" program (infrastream-provider(7)):
 * the request is one line of JSON on the child's stdin, the outputs are the
 * JSON object on the last non-empty line of its stdout, a non-zero exit
 * status is a failure whose message carries the tail of its stderr.
 */

/* Appends the request line (with its newline) for req to sb. */
void is_protocol_request(struct is_strbuf *sb, const struct is_provider_request *req);

/*
 * Runs argv (argv[0] searched on PATH) in folder dir (NULL: ours) with env
 * (a borrowed object of names to values, or NULL) added to the environment,
 * feeds it the request and fills res from what it printed:
 *   - outputs: static_outputs (borrowed, may be NULL), then for a read the
 *     prior outputs, then the object the child printed, merged in that order;
 *   - drift (read only): the fields the child printed whose values differ
 *     from the prior ones, or {"gone": true} when it printed null;
 *   - on failure: err (id set, code "provider-exit", "provider-signal",
 *     "provider-timeout", "provider-spawn" or "provider-outputs"),
 *     exit_status, and retryable for a timeout or exit status 75
 *     (EX_TEMPFAIL).
 * req->pgid holds the child's process group while it runs. Returns 0 or -1.
 */
int is_protocol_run(struct is_provider_request *req, struct is_provider_result *res,
                    char *const *argv, json_t *env, const char *dir,
                    json_t *static_outputs);

#endif
