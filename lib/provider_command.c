#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "provider.h"
#include "provider_protocol.h"
#include "xalloc.h"
#include "banned.h"

/*
 * Command: each operation is a command of the spec, run as an argv array
 * (never through a shell unless the spec says "shell: true"), speaking the
 * protocol of provider_protocol.h. Spec:
 *   create, read, update, delete   argv arrays (strings with shell: true)
 *   shell                          true: a string command runs as /bin/sh -c
 *   env                            object: added to the environment
 *   dir                            the working folder
 *   outputs                        static outputs, under the printed ones
 */

static int spec_error(struct is_provider_request *req, struct is_provider_result *res,
                      const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int spec_error(struct is_provider_request *req, struct is_provider_result *res,
                      const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	is_error_vset(&res->err, code, NULL, 0, 0, fmt, ap);
	va_end(ap);
	is_error_set_id(&res->err, req->id);
	return -1;
}

/* An argument as text: strings as they are, numbers and the rest as JSON,
 * so a reference that kept its type still becomes one argument. */
static char *arg_text(json_t *v)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (json_is_string(v))
		return is_xstrdup(json_string_value(v));
	is_json_dump(&sb, v, 0);
	return is_strbuf_detach(&sb, NULL);
}

static void free_argv(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* The argv of cmd, or NULL with res->err filled. */
static char **command_argv(struct is_provider_request *req, struct is_provider_result *res,
                           json_t *cmd, int shell, const char *op)
{
	char **argv;
	size_t i;
	json_t *v;

	if (json_is_string(cmd)) {
		if (!shell) {
			spec_error(req, res, "provider-spec", "spec.%s is a string: give an "
			           "array of arguments, or set 'shell: true' to run it with "
			           "/bin/sh -c", op);
			return NULL;
		}
		argv = is_xcalloc(4, sizeof(*argv));
		argv[0] = is_xstrdup("/bin/sh");
		argv[1] = is_xstrdup("-c");
		argv[2] = is_xstrdup(json_string_value(cmd));
		return argv;
	}
	if (!json_is_array(cmd) || json_array_size(cmd) == 0) {
		spec_error(req, res, "provider-spec", "spec.%s must be a non-empty array of "
		           "arguments", op);
		return NULL;
	}
	argv = is_xcalloc(json_array_size(cmd) + 1, sizeof(*argv));
	json_array_foreach(cmd, i, v) {
		if (json_is_null(v)) {
			free_argv(argv);
			spec_error(req, res, "provider-spec", "spec.%s has a null argument", op);
			return NULL;
		}
		argv[i] = arg_text(v);
	}
	return argv;
}

static int check_env(struct is_provider_request *req, struct is_provider_result *res,
                     json_t *env)
{
	const char *key;
	json_t *v;

	if (!env || json_is_null(env))
		return 0;
	if (!json_is_object(env)) {
		is_error_set(&res->err, "provider-spec", NULL, 0, 0,
		             "spec.env must be an object of names and values");
		is_error_set_id(&res->err, req->id);
		return -1;
	}
	json_object_foreach(env, key, v)
		if (!key[0] || strchr(key, '=') || json_is_null(v)) {
			is_error_set(&res->err, "provider-spec", NULL, 0, 0,
			             "spec.env: '%s' is not a usable variable (a name without "
			             "'=' and a non-null value)", key);
			is_error_set_id(&res->err, req->id);
			return -1;
		}
	return 0;
}

/* No command for op: what that means depends on the op. */
static int missing(struct is_provider_request *req, struct is_provider_result *res,
                   json_t *outputs, const char *op)
{
	switch (req->op) {
	case IS_OP_CREATE:
		return spec_error(req, res, "provider-spec", "no '%s' command in the spec "
		                  "(spec.%s is required)", op, op);
	case IS_OP_UPDATE:
		return spec_error(req, res, IS_PROVIDER_CODE_NO_UPDATE, "no '%s' command in "
		                  "the spec: replace it instead (delete, then create)", op);
	case IS_OP_READ:
		/* Nothing to check with: the recorded outputs stand, the static
		 * ones of the spec over them (the ledger keeps a secret among
		 * them as "***"; the spec resolves it). */
		res->unchecked = 1;
		res->outputs = json_is_object(req->prior) ? json_deep_copy(req->prior)
		                                          : json_object();
		if (json_is_object(outputs))
			json_object_update(res->outputs, outputs);
		return 0;
	case IS_OP_DELETE:
		break;
	}
	res->outputs = json_object();
	return 0;
}

static int command_call(const struct is_provider *p, struct is_provider_request *req,
                        struct is_provider_result *res)
{
	const char *op = is_provider_op_name(req->op);
	json_t *spec = req->spec, *cmd, *shell, *env, *dir, *outputs;
	char **argv;
	int rc;

	(void)p;
	if (!json_is_object(spec))
		return spec_error(req, res, "provider-spec", "the spec must be an object");
	cmd = json_object_get(spec, op);
	shell = json_object_get(spec, "shell");
	env = json_object_get(spec, "env");
	dir = json_object_get(spec, "dir");
	outputs = json_object_get(spec, "outputs");
	if (shell && !json_is_boolean(shell) && !json_is_null(shell))
		return spec_error(req, res, "provider-spec", "spec.shell must be true or "
		                  "false");
	if (dir && !json_is_string(dir) && !json_is_null(dir))
		return spec_error(req, res, "provider-spec", "spec.dir must be a string");
	if (outputs && !json_is_object(outputs) && !json_is_null(outputs))
		return spec_error(req, res, "provider-spec", "spec.outputs must be an "
		                  "object");
	if (check_env(req, res, env) < 0)
		return -1;
	if (!cmd || json_is_null(cmd))
		return missing(req, res, outputs, op);
	argv = command_argv(req, res, cmd, json_is_true(shell), op);
	if (!argv)
		return -1;
	rc = is_protocol_run(req, res, argv, json_is_object(env) ? env : NULL,
	                     json_is_string(dir) ? json_string_value(dir) : NULL,
	                     json_is_object(outputs) ? outputs : NULL);
	free_argv(argv);
	return rc;
}

const struct is_provider is_provider_command = { "Command", 1, command_call, NULL };
