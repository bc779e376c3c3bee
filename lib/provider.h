#ifndef IS_PROVIDER_H
#define IS_PROVIDER_H
#include <jansson.h>
#include <signal.h>
#include <sys/types.h>

#include "error.h"

/*
 * A provider makes one kind of resource real with four operations. It knows
 * nothing of the scheduler, the graph or the ledger: it gets a request with
 * the resolved spec and the prior outputs, and fills a result.
 *
 * A provider that blocks (spawns a process, talks to a server) says so in
 * "blocking" and is called on a worker thread; one that does not (Noop) is
 * called on the event loop itself. Either way call() must be safe to run on
 * several threads at once for different requests.
 */
enum is_provider_op { IS_OP_CREATE, IS_OP_READ, IS_OP_UPDATE, IS_OP_DELETE };

struct is_provider_request {
	enum is_provider_op op;
	const char *id;            /* "Kind/name" (borrowed) */
	const char *kind;          /* borrowed */
	json_t *spec;              /* borrowed: references already substituted */
	json_t *prior;             /* borrowed: outputs recorded before, or NULL */
	double timeout;            /* seconds; 0 for none. The provider honours it
	                              where it can (curl); the scheduler also kills
	                              the process group below when it runs out */
	int attempt;               /* 1 for the first try */
	/*
	 * Set by a provider that runs a child process, to the child's process
	 * group (0 when none), so the scheduler can kill it on a timeout or a
	 * second signal. Written by the worker thread, read by the loop.
	 */
	volatile sig_atomic_t pgid;
};

struct is_provider_result {
	json_t *outputs;           /* new reference on success */
	struct is_error err;       /* filled on failure (message names what and why) */
	int retryable;             /* the failure may pass on its own (5xx, refused) */
	double retry_after;        /* seconds the server asked to wait, or 0 */
	int exit_status;           /* a child's status: code, or 128+N for signal N */
	json_t *drift;             /* read: what differs from prior, or NULL */
	int unchecked;             /* read: the provider had no way to look (a
	                              Command without "read"): outputs are the
	                              recorded ones, and nothing is known */
	/*
	 * Secrets the outputs carry (a generated password, a URL holding it),
	 * or NULL: an array of strings, each a value in every form it appears
	 * in (raw, percent-encoded). The caller hands the outputs to
	 * dependents as they are but hides these values, as "***", from
	 * everything it writes: events, the ledger, logs, messages.
	 */
	json_t *secrets;
};

/*
 * The shape of res->drift after a read: NULL when nothing differs, else an
 * object with, for each output that changed, {"was": prior, "now": current};
 * a resource that no longer exists is {"gone": true} (and outputs {}).
 */

/*
 * err.code of a provider that cannot update in place (a Command without an
 * "update" command): the scheduler replaces the resource instead, delete
 * and then create.
 */
#define IS_PROVIDER_CODE_NO_UPDATE "no-update"

struct is_provider {
	const char *kind;
	int blocking;
	/* Returns 0 with res->outputs set, or -1 with res->err filled. */
	int (*call)(const struct is_provider *p, struct is_provider_request *req,
	            struct is_provider_result *res);
	const char *program;       /* external providers: the executable's path */
};

void is_provider_result_init(struct is_provider_result *res);
void is_provider_result_release(struct is_provider_result *res);
/* Adds a secret value to res->secrets (copied; empty values are ignored). */
void is_provider_result_add_secret(struct is_provider_result *res, const char *value);
const char *is_provider_op_name(enum is_provider_op op);

/*
 * The provider for kind: a built-in one, else an executable named
 * "is-provider-<kind>" (the kind lowercased) on PATH, which speaks the
 * Command protocol. Returns a borrowed pointer (built-ins are static; external
 * ones are cached until is_provider_registry_release), or NULL with err
 * naming the kind and what was looked for.
 */
const struct is_provider *is_provider_find(const char *kind, struct is_error *err);
void is_provider_registry_release(void);

#endif
