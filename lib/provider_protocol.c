#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "process.h"
#include "provider_protocol.h"
#include "xalloc.h"
#include "banned.h"

extern char **environ;

/* Lines of stderr quoted in an error message, and at most this many bytes
 * of them (one enormous line must not make an enormous message). */
#define TAIL_LINES 20
#define TAIL_BYTES 4096
/* EX_TEMPFAIL from sysexits.h: "try again later". */
#define EXIT_TEMPFAIL 75
#define PROTOCOL_VERSION 1

void is_protocol_request(struct is_strbuf *sb, const struct is_provider_request *req)
{
	is_strbuf_adds(sb, "{\"protocol\":");
	is_strbuf_addf(sb, "%d", PROTOCOL_VERSION);
	is_strbuf_adds(sb, ",\"op\":");
	is_json_dump_string(sb, is_provider_op_name(req->op),
	                    strlen(is_provider_op_name(req->op)));
	is_strbuf_adds(sb, ",\"id\":");
	is_json_dump_string(sb, req->id ? req->id : "", req->id ? strlen(req->id) : 0);
	is_strbuf_adds(sb, ",\"kind\":");
	is_json_dump_string(sb, req->kind ? req->kind : "", req->kind ? strlen(req->kind) : 0);
	is_strbuf_adds(sb, ",\"spec\":");
	if (req->spec)
		is_json_dump(sb, req->spec, 0);
	else
		is_strbuf_adds(sb, "{}");
	is_strbuf_adds(sb, ",\"prior\":");
	if (req->prior)
		is_json_dump(sb, req->prior, 0);
	else
		is_strbuf_adds(sb, "null");
	is_strbuf_addf(sb, ",\"attempt\":%d}\n", req->attempt > 0 ? req->attempt : 1);
}

/* A value as environment text: strings as they are, the rest as JSON. */
static char *value_text(json_t *v)
{
	struct is_strbuf sb = IS_STRBUF_INIT;

	if (json_is_string(v))
		return is_xstrdup(json_string_value(v));
	is_json_dump(&sb, v, 0);
	return is_strbuf_detach(&sb, NULL);
}

static int overridden(const char *entry, json_t *env, const char *const *ours)
{
	const char *eq = strchr(entry, '=');
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);
	const char *key;
	json_t *v;

	for (; *ours; ours++)
		if (strlen(*ours) == n && !strncmp(entry, *ours, n))
			return 1;
	if (env)
		json_object_foreach(env, key, v)
			if (strlen(key) == n && !strncmp(entry, key, n))
				return 1;
	return 0;
}

/* The child's environment: ours, with the request's IS_* variables and env
 * (validated by the caller) on top. A NULL-terminated array the caller frees
 * with free_env. */
static char **build_env(const struct is_provider_request *req, json_t *env)
{
	static const char *const ours[] = { "IS_OP", "IS_ID", "IS_KIND", "IS_ATTEMPT", NULL };
	size_t n = 0, cap = 0, i;
	char **out = NULL;
	const char *key;
	json_t *v;

	for (i = 0; environ && environ[i]; i++) {
		if (overridden(environ[i], env, ours))
			continue;
		out = is_xgrow(out, &cap, n + 1, sizeof(*out));
		out[n++] = is_xstrdup(environ[i]);
	}
	out = is_xgrow(out, &cap, n + 5 + (env ? json_object_size(env) : 0), sizeof(*out));
	out[n++] = is_xasprintf("IS_OP=%s", is_provider_op_name(req->op));
	out[n++] = is_xasprintf("IS_ID=%s", req->id ? req->id : "");
	out[n++] = is_xasprintf("IS_KIND=%s", req->kind ? req->kind : "");
	out[n++] = is_xasprintf("IS_ATTEMPT=%d", req->attempt > 0 ? req->attempt : 1);
	if (env)
		json_object_foreach(env, key, v) {
			char *text = value_text(v);

			out[n++] = is_xasprintf("%s=%s", key, text);
			free(text);
		}
	out[n] = NULL;
	return out;
}

static void free_env(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static const char *signal_name(int sig)
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGABRT, "SIGABRT" }, { SIGFPE, "SIGFPE" },
		{ SIGKILL, "SIGKILL" }, { SIGSEGV, "SIGSEGV" }, { SIGPIPE, "SIGPIPE" },
		{ SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" }, { SIGUSR1, "SIGUSR1" },
		{ SIGUSR2, "SIGUSR2" }, { SIGBUS, "SIGBUS" }, { SIGXCPU, "SIGXCPU" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return "signal";
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/* Appends the last TAIL_LINES lines of a captured stream to sb as valid
 * UTF-8 (the message ends up in JSON records), without trailing blanks. */
static void add_tail(struct is_strbuf *sb, const struct is_strbuf *stream, size_t total)
{
	const char *s = stream->buf ? stream->buf : "";
	size_t end = stream->len, start, i;
	int lines = 0;

	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r' ||
	                   s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end == 0)
		return;
	for (start = end; start > 0; start--)
		if (s[start - 1] == '\n' && ++lines == TAIL_LINES)
			break;
	if (end - start > TAIL_BYTES) {
		start = end - TAIL_BYTES;
		while (start < end && ((unsigned char)s[start] & 0xc0) == 0x80)
			start++;
	}
	is_strbuf_adds(sb, ": ");
	if (start > 0 || total > stream->len)
		is_strbuf_adds(sb, "...\n");
	else if (lines > 0)
		is_strbuf_addch(sb, '\n');
	for (i = start; i < end;) {
		size_t n = utf8_len((const unsigned char *)s + i, end - i);

		if (n == 0 || s[i] == '\0') {
			is_strbuf_addch(sb, '?');
			i++;
		} else {
			is_strbuf_add(sb, s + i, n);
			i += n;
		}
	}
}

static int fail(struct is_provider_request *req, struct is_provider_result *res,
                const char *code, const struct is_process *p, struct is_strbuf *msg)
{
	add_tail(msg, &p->err, p->err_total);
	is_error_set(&res->err, code, NULL, 0, 0, "%s", msg->buf);
	is_error_set_id(&res->err, req->id);
	is_strbuf_release(msg);
	return -1;
}

/* The last non-empty line of the captured stdout, or NULL; a line cut by the
 * capture bound does not count. */
static const char *last_line(const struct is_process *p, size_t *len)
{
	const char *s = p->out.buf ? p->out.buf : "";
	size_t end = p->out.len, start;

	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r' ||
	                   s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end == 0)
		return NULL;
	for (start = end; start > 0 && s[start - 1] != '\n'; start--)
		;
	if (start == 0 && p->out_total > p->out.len)
		return NULL;
	while (start < end && (s[start] == ' ' || s[start] == '\t'))
		start++;
	*len = end - start;
	return s + start;
}

static int listed(const json_t *names, const char *key)
{
	size_t i;
	json_t *e;

	json_array_foreach(names, i, e)
		if (!strcmp(json_string_value(e), key))
			return 1;
	return 0;
}

/* Fields of observed that prior also has, with other values; secrets (the
 * ledger has them as "***") are not compared. */
static json_t *drift_of(json_t *prior, json_t *observed, const json_t *secret_names)
{
	json_t *drift = json_object(), *v, *was;
	const char *key;

	json_object_foreach(observed, key, v) {
		if (listed(secret_names, key))
			continue;
		was = json_object_get(prior, key);
		if (was && !json_equal(was, v))
			json_object_set_new(drift, key, json_pack("{sOsO}", "was", was, "now", v));
	}
	if (json_object_size(drift) == 0) {
		json_decref(drift);
		return NULL;
	}
	return drift;
}

/*
 * "$secrets" in the outputs a program prints: the names of outputs whose
 * values are secrets. They are declared to the caller (res->secrets), which
 * hides them from all it writes, and left out of drift, since the ledger
 * holds them as "***". The member itself is no output. Returns 0, or -1
 * with the error filled when it is not a list of output names.
 */
static int take_secret_names(struct is_provider_request *req, struct is_provider_result *res,
                             const struct is_process *p, json_t *observed, json_t **names)
{
	json_t *list = json_object_get(observed, "$secrets"), *e, *v;
	size_t i;

	*names = NULL;
	if (!list)
		return 0;
	json_array_foreach(list, i, e)
		if (!json_is_string(e) || !json_object_get(observed, json_string_value(e)))
			break;
	if (!json_is_array(list) || i < json_array_size(list)) {
		is_error_set(&res->err, "provider-outputs", NULL, 0, 0,
		             "%s: '$secrets' in the outputs of '%s' must list names of "
		             "outputs it prints", is_provider_op_name(req->op), p->argv[0]);
		is_error_set_id(&res->err, req->id);
		return -1;
	}
	json_array_foreach(list, i, e) {
		v = json_object_get(observed, json_string_value(e));
		if (json_is_string(v)) {
			is_provider_result_add_secret(res, json_string_value(v));
		} else {
			char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

			is_provider_result_add_secret(res, text);
			free(text);
		}
	}
	*names = json_incref(list);
	json_object_del(observed, "$secrets");
	return 0;
}

static int take_outputs(struct is_provider_request *req, struct is_provider_result *res,
                        const struct is_process *p, json_t *static_outputs)
{
	const char *line;
	json_t *observed = NULL, *out, *secret_names = NULL;
	json_error_t jerr;
	size_t len;

	line = last_line(p, &len);
	if (line) {
		observed = json_loadb(line, len, JSON_DECODE_ANY, &jerr);
		if (!observed && line[0] == '{') {
			is_error_set(&res->err, "provider-outputs", NULL, 0, 0,
			             "%s: the last line of '%s' looks like outputs but is not "
			             "valid JSON: %s", is_provider_op_name(req->op),
			             p->argv[0], jerr.text);
			is_error_set_id(&res->err, req->id);
			return -1;
		}
	}
	if (req->op == IS_OP_READ && json_is_null(observed)) {
		res->outputs = json_object();
		res->drift = json_pack("{sb}", "gone", 1);
		json_decref(observed);
		return 0;
	}
	if (observed && !json_is_object(observed)) {
		json_decref(observed);
		observed = NULL;
	}
	if (observed && take_secret_names(req, res, p, observed, &secret_names) < 0) {
		json_decref(observed);
		return -1;
	}
	/* A read starts from the recorded outputs; the static ones of the
	 * spec go over them, since the ledger keeps a secret among them as
	 * "***" and the spec resolves it. */
	out = req->op == IS_OP_READ && json_is_object(req->prior) ? json_deep_copy(req->prior)
	                                                          : json_object();
	if (json_is_object(static_outputs))
		json_object_update(out, static_outputs);
	if (observed) {
		json_object_update(out, observed);
		if (req->op == IS_OP_READ && json_is_object(req->prior))
			res->drift = drift_of(req->prior, observed, secret_names);
	}
	json_decref(observed);
	json_decref(secret_names);
	res->outputs = out;
	return 0;
}

int is_protocol_run(struct is_provider_request *req, struct is_provider_result *res,
                    char *const *argv, json_t *env, const char *dir,
                    json_t *static_outputs)
{
	struct is_strbuf input = IS_STRBUF_INIT, msg = IS_STRBUF_INIT;
	const char *op = is_provider_op_name(req->op);
	struct is_process p;
	struct is_error err = IS_ERROR_INIT;
	char **envp;
	int rc;

	is_process_init(&p);
	is_protocol_request(&input, req);
	envp = build_env(req, env);
	p.argv = argv;
	p.envp = envp;
	p.dir = dir;
	p.input = input.buf;
	p.input_len = input.len;
	p.timeout = req->timeout;
	p.pgid = &req->pgid;
	rc = is_process_run(&p, &err);
	req->pgid = 0;
	res->exit_status = p.status;
	if (rc < 0) {
		is_strbuf_addf(&msg, "%s: %s", op, err.message);
		if (dir)
			is_strbuf_addf(&msg, " (in '%s')", dir);
		rc = fail(req, res, "provider-spawn", &p, &msg);
	} else if (p.timed_out) {
		is_strbuf_addf(&msg, "%s: '%s' timed out after %g s; its process group was "
		               "killed (status %d)", op, argv[0], req->timeout, p.status);
		res->retryable = 1;
		rc = fail(req, res, "provider-timeout", &p, &msg);
	} else if (p.signal) {
		is_strbuf_addf(&msg, "%s: '%s' was killed by %s (status %d)", op, argv[0],
		               signal_name(p.signal), p.status);
		rc = fail(req, res, "provider-signal", &p, &msg);
	} else if (p.status != 0) {
		is_strbuf_addf(&msg, "%s: '%s' exited with status %d", op, argv[0], p.status);
		res->retryable = p.status == EXIT_TEMPFAIL;
		rc = fail(req, res, "provider-exit", &p, &msg);
	} else {
		rc = take_outputs(req, res, &p, static_outputs);
	}
	is_error_release(&err);
	is_strbuf_release(&msg);
	is_strbuf_release(&input);
	free_env(envp);
	is_process_release(&p);
	return rc;
}
