/*
 * The PostgreSQL providers' pure helpers: reading the spec, comparing sets
 * of names, building connection URLs and generating passwords.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "provider_postgres.h"
#include "suggest.h"
#include "xalloc.h"
#include "banned.h"

int is_pg_spec_begin(struct is_pg *pg, const char *const *allowed)
{
	json_t *spec = pg->req->spec, *v;
	const char *key, *hint;
	const char *const *a;

	if (!json_is_object(spec))
		return is_pg_fail(pg, "the spec is not a mapping");
	json_object_foreach(spec, key, v) {
		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (*a)
			continue;
		hint = is_suggest(key, allowed);
		if (hint)
			return is_pg_fail(pg, "unknown key '%s' in the spec of a %s "
			                  "(did you mean '%s'?)", key, pg->req->kind, hint);
		return is_pg_fail(pg, "unknown key '%s' in the spec of a %s", key,
		                  pg->req->kind);
	}
	if (is_pg_spec_string(pg, "server", NULL, &pg->server) != 0) {
		if (!pg->res->err.message)
			is_pg_fail(pg, "spec.server is required: a libpq connection string or "
			           "URI, usually ${secret:NAME} or ${env:NAME}");
		return -1;
	}
	return 0;
}

int is_pg_spec_string(struct is_pg *pg, const char *key, const char *dflt, const char **out)
{
	json_t *v = json_object_get(pg->req->spec, key);

	*out = dflt;
	if (!v || json_is_null(v))
		return 1;
	if (!json_is_string(v) || !json_string_length(v))
		return is_pg_fail(pg, "spec.%s must be a non-empty string", key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return is_pg_fail(pg, "spec.%s holds a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

int is_pg_spec_bool(struct is_pg *pg, const char *key, int dflt, int *out)
{
	json_t *v = json_object_get(pg->req->spec, key);

	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return is_pg_fail(pg, "spec.%s must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

int is_pg_spec_int(struct is_pg *pg, const char *key, long long dflt, long long *out)
{
	json_t *v = json_object_get(pg->req->spec, key);
	char *end;

	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		errno = 0;
		*out = strtoll(json_string_value(v), &end, 10);
		if (!errno && end != json_string_value(v) && !*end)
			return 0;
	}
	return is_pg_fail(pg, "spec.%s must be an integer", key);
}

json_t *is_pg_spec_names(struct is_pg *pg, const char *key)
{
	json_t *v = json_object_get(pg->req->spec, key), *e;
	size_t i;

	if (!v || json_is_null(v))
		return json_array();
	if (json_is_string(v) && json_string_length(v))
		v = json_pack("[O]", v);
	else if (json_is_array(v))
		json_incref(v);
	else
		v = NULL;
	json_array_foreach(v, i, e)
		if (!json_is_string(e) || !json_string_length(e) ||
		    strlen(json_string_value(e)) != json_string_length(e)) {
			json_decref(v);
			v = NULL;
			break;
		}
	if (!v)
		is_pg_fail(pg, "spec.%s must be a list of names", key);
	return v;
}

int is_pg_check_name(struct is_pg *pg, const char *key, const char *name)
{
	if (name && strlen(name) > IS_PG_NAME_MAX)
		return is_pg_fail(pg, "%s is %zu bytes long: PostgreSQL keeps %d bytes of a "
		                  "name and would cut it", key, strlen(name), IS_PG_NAME_MAX);
	return 0;
}

const char *is_pg_object_name(struct is_pg *pg)
{
	const char *name = json_string_value(json_object_get(pg->req->spec, "name"));
	const char *slash = strchr(pg->req->id, '/');

	if (!name || !*name)
		name = slash ? slash + 1 : pg->req->id;
	return is_pg_check_name(pg, "the name", name) < 0 ? NULL : name;
}

void is_pg_add_uri_component(struct is_strbuf *sb, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			is_strbuf_addch(sb, (char)*p);
		} else {
			is_strbuf_addch(sb, '%');
			is_strbuf_addch(sb, hex[*p >> 4]);
			is_strbuf_addch(sb, hex[*p & 15]);
		}
	}
}

char *is_pg_url(const char *user, const char *password, const char *host, const char *port,
                const char *dbname)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	int socket = host && host[0] == '/';

	is_strbuf_adds(&sb, "postgresql://");
	if (user) {
		is_pg_add_uri_component(&sb, user);
		if (password) {
			is_strbuf_addch(&sb, ':');
			is_pg_add_uri_component(&sb, password);
		}
		is_strbuf_addch(&sb, '@');
	}
	if (host && !socket) {
		if (strchr(host, ':'))
			is_strbuf_addf(&sb, "[%s]", host);   /* an IPv6 address */
		else
			is_pg_add_uri_component(&sb, host);
	}
	if (port && *port && !socket)
		is_strbuf_addf(&sb, ":%s", port);
	is_strbuf_addch(&sb, '/');
	is_pg_add_uri_component(&sb, dbname);
	if (socket) {
		is_strbuf_adds(&sb, "?host=");
		is_pg_add_uri_component(&sb, host);
		if (port && *port)
			is_strbuf_addf(&sb, "&port=%s", port);
	}
	return is_strbuf_detach(&sb, NULL);
}

int is_pg_random_password(char *out, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char bytes[256];
	size_t have = 0, used = 0;
	ssize_t n;

	if (len >= 128)
		return -1;
	while (have < len) {
		if (used == 0) {
			n = getrandom(bytes, sizeof(bytes), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
		}
		/* 62 * 4 = 248: bytes from 248 up are dropped, so every
		 * character is equally likely. */
		if (bytes[used] < 248)
			out[have++] = alphabet[bytes[used] % 62];
		used = (used + 1) % sizeof(bytes);
	}
	out[len] = '\0';
	return 0;
}

static int has(const json_t *set, const char *s)
{
	size_t i;
	json_t *e;

	json_array_foreach(set, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), s))
			return 1;
	return 0;
}

json_t *is_pg_set_minus(const json_t *a, const json_t *b)
{
	json_t *out = json_array(), *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (json_is_string(e) && !has(b, json_string_value(e)) &&
		    !has(out, json_string_value(e)))
			json_array_append(out, e);
	return out;
}

int is_pg_same_set(const json_t *a, const json_t *b)
{
	json_t *x = is_pg_set_minus(a, b), *y = is_pg_set_minus(b, a);
	int same = json_array_size(x) == 0 && json_array_size(y) == 0;

	json_decref(x);
	json_decref(y);
	return same;
}

void is_pg_drift(json_t **drift, const char *key, json_t *was, json_t *now)
{
	if (!*drift)
		*drift = json_object();
	json_object_set_new(*drift, key, json_pack("{s:O?,s:O?}", "was", was, "now", now));
}
