#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider.h"
#include "provider_external.h"
#include "strbuf.h"
#include "xalloc.h"
#include "banned.h"

/* The built-in providers, each defined in its own lib/provider_*.c. */
extern const struct is_provider is_provider_noop;
extern const struct is_provider is_provider_file;
extern const struct is_provider is_provider_command;
extern const struct is_provider is_provider_http;
extern const struct is_provider is_provider_postgres_role;
extern const struct is_provider is_provider_postgres_database;
extern const struct is_provider is_provider_postgres_grant;

static const struct is_provider *const builtins[] = {
	&is_provider_noop,
	&is_provider_file,
	&is_provider_command,
	&is_provider_http,
	&is_provider_postgres_role,
	&is_provider_postgres_database,
	&is_provider_postgres_grant,
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

/* External providers found so far: found once, kept until released. The
 * scheduler may look kinds up from several threads. */
struct found {
	struct found *next;
	struct is_provider *provider;
};
static struct found *found_list;
static pthread_mutex_t found_lock = PTHREAD_MUTEX_INITIALIZER;

void is_provider_result_init(struct is_provider_result *res)
{
	memset(res, 0, sizeof(*res));
}

void is_provider_result_release(struct is_provider_result *res)
{
	json_decref(res->outputs);
	json_decref(res->drift);
	json_decref(res->secrets);
	is_error_release(&res->err);
	memset(res, 0, sizeof(*res));
}

void is_provider_result_add_secret(struct is_provider_result *res, const char *value)
{
	if (!value || !*value)
		return;
	if (!res->secrets)
		res->secrets = json_array();
	json_array_append_new(res->secrets, json_string(value));
}

const char *is_provider_op_name(enum is_provider_op op)
{
	switch (op) {
	case IS_OP_CREATE: return "create";
	case IS_OP_READ: return "read";
	case IS_OP_UPDATE: return "update";
	case IS_OP_DELETE: return "delete";
	}
	return "unknown";
}

/* A kind can name a program only if it is a plain word: no path tricks. */
static int usable_kind(const char *kind)
{
	const char *s;

	if (!kind[0] || kind[0] == '.' || kind[0] == '-')
		return 0;
	for (s = kind; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return 1;
}

/* The path of an executable regular file named name in a PATH folder, a new
 * string, or NULL. An empty PATH entry is the current folder, as in sh. */
static char *search_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	struct stat st;
	char *full;

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			full = is_xasprintf("./%s", name);
		else
			full = is_xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return full;
		free(full);
		if (!*end)
			return NULL;
	}
}

static const struct is_provider *find_external(const char *kind, const char *program)
{
	const struct is_provider *hit = NULL;
	struct found *f;
	char *full;

	pthread_mutex_lock(&found_lock);
	for (f = found_list; f; f = f->next)
		if (!strcmp(f->provider->kind, kind)) {
			hit = f->provider;
			break;
		}
	if (!hit && (full = search_path(program))) {
		f = is_xcalloc(1, sizeof(*f));
		f->provider = is_provider_external_new(kind, full);
		f->next = found_list;
		found_list = f;
		hit = f->provider;
		free(full);
	}
	pthread_mutex_unlock(&found_lock);
	return hit;
}

const struct is_provider *is_provider_find(const char *kind, struct is_error *err)
{
	const struct is_provider *p = NULL;
	struct is_strbuf names = IS_STRBUF_INIT;
	char *program;
	size_t i;

	if (!kind)
		kind = "";
	for (i = 0; i < NBUILTINS; i++)
		if (!strcmp(builtins[i]->kind, kind))
			return builtins[i];
	program = is_xasprintf("is-provider-%s", kind);
	for (i = strlen("is-provider-"); program[i]; i++)
		program[i] = (char)tolower((unsigned char)program[i]);
	if (usable_kind(kind))
		p = find_external(kind, program);
	if (!p) {
		for (i = 0; i < NBUILTINS; i++)
			is_strbuf_addf(&names, "%s%s", i ? ", " : "", builtins[i]->kind);
		if (usable_kind(kind))
			is_error_set(err, "provider-unknown", NULL, 0, 0,
			             "no provider for kind '%s': it is not a built-in one (%s) "
			             "and no executable '%s' is on PATH", kind, names.buf, program);
		else
			is_error_set(err, "provider-unknown", NULL, 0, 0,
			             "no provider for kind '%s': it is not a built-in one (%s) "
			             "and cannot name a program", kind, names.buf);
	}
	is_strbuf_release(&names);
	free(program);
	return p;
}

void is_provider_registry_release(void)
{
	struct found *f, *next;

	pthread_mutex_lock(&found_lock);
	for (f = found_list; f; f = next) {
		next = f->next;
		is_provider_external_free(f->provider);
		free(f);
	}
	found_list = NULL;
	pthread_mutex_unlock(&found_lock);
}
