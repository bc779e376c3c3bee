/*
 * The Http provider: a resource is one HTTP request per operation, made with
 * libcurl. The spec and its meaning are in infrastream-provider-http(7); this
 * file follows that page's order: the spec, the request, the response.
 *
 * call() runs on worker threads, several at once. Each call has its own easy
 * handle and its own buffers; the only shared state is curl's global init,
 * done once under pthread_once. Nothing here writes to the spec or the prior
 * outputs, which are borrowed and may be read by other threads.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "json.h"
#include "provider.h"
#include "strbuf.h"
#include "suggest.h"
#include "xalloc.h"
#include "banned.h"

#define HTTP_DEFAULT_TIMEOUT 60.0            /* seconds, when nothing says */
#define HTTP_DEFAULT_REDIRECTS 5L
#define HTTP_REDIRECTS_CAP 50L
#define HTTP_BODY_LIMIT ((size_t)16 << 20)   /* a larger response fails */
#define HTTP_TAIL 200                        /* bytes of body in a message */

/* The settings every request of a resource shares. */
struct http_opts {
	const char *base;      /* borrowed; NULL when templates carry whole URLs */
	json_t *headers;       /* borrowed object, or NULL */
	double timeout;        /* seconds, the smaller of spec and request */
	int insecure;
	long redirects;
};

/* One request template, borrowed from the spec (or from a string form). */
struct http_tmpl {
	char *method;          /* owned, uppercase */
	char *url;             /* owned; NULL means the base URL */
	json_t *headers;       /* borrowed, or NULL */
	json_t *body;          /* borrowed, or NULL for no body */
	json_t *expect;        /* borrowed, or NULL for the default */
	json_t *outputs;       /* borrowed, or NULL for the whole body */
};

/* One request on the wire and what came back. */
struct http_call {
	char *url;             /* owned: what curl gets, credentials and all */
	char *shown;           /* owned: the URL without user:password@ */
	const char *method;    /* borrowed from the template */
	struct curl_slist *headers;
	struct is_strbuf body; /* the request body, when has_body */
	int has_body;
	long status;
	struct is_strbuf resp;
	int too_big;
	char retry_after[80];  /* the last response's Retry-After, raw */
	char errbuf[CURL_ERROR_SIZE];
};

static const char *const spec_keys[] = {
	"url", "headers", "timeout", "insecure", "maxRedirects",
	"create", "read", "update", "delete", NULL
};
/* The simple form: the spec is itself the request made on create. */
static const char *const simple_keys[] = {
	"url", "headers", "timeout", "insecure", "maxRedirects",
	"method", "body", "expectStatus", "outputs", NULL
};
static const char *const tmpl_keys[] = {
	"method", "url", "headers", "body", "expectStatus", "outputs", NULL
};
static const char *const op_keys[] = { "create", "read", "update", "delete" };

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_rc;

static void http_global_init(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- the spec ---------------------------------------------------------- */

static int check_keys(json_t *obj, const char *const *allowed, const char *what,
                      struct is_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		const char *const *a;
		const char *hint;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (*a)
			continue;
		if (allowed == spec_keys)
			for (a = tmpl_keys; *a; a++)
				if (!strcmp(*a, key))
					return is_error_set(err, "http-spec", NULL, 0, 0,
						"'%s' belongs inside a request ('create', 'read', "
						"'update' or 'delete') when the spec has those", key);
		hint = is_suggest(key, allowed);
		if (hint)
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "unknown key '%s' in %s (did you mean '%s'?)",
			                    key, what, hint);
		return is_error_set(err, "http-spec", NULL, 0, 0,
		                    "unknown key '%s' in %s", key, what);
	}
	return 0;
}

/* Seconds from a number or a string such as "30s", "500ms", "2m". */
static int parse_seconds(json_t *v, double *out, struct is_error *err)
{
	const char *s;
	char *end;
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		d = strtod(s, &end);
		if (end == s)
			goto bad;
		if (!strcmp(end, "ms"))
			d /= 1000;
		else if (!strcmp(end, "m"))
			d *= 60;
		else if (*end && strcmp(end, "s"))
			goto bad;
	} else {
		goto bad;
	}
	if (!(d > 0) || !isfinite(d) || d > 86400 * 7)
		goto bad;
	*out = d;
	return 0;
bad:
	return is_error_set(err, "http-spec", NULL, 0, 0,
	                    "'timeout' must be a positive number of seconds "
	                    "(or a string such as \"30s\", \"500ms\", \"2m\")");
}

static int check_headers(json_t *h, const char *where, struct is_error *err)
{
	const char *name, *p;
	json_t *v;

	if (!json_is_object(h))
		return is_error_set(err, "http-spec", NULL, 0, 0,
		                    "'headers' in %s must be an object", where);
	json_object_foreach(h, name, v) {
		if (!*name)
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "empty header name in %s", where);
		for (p = name; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
				return is_error_set(err, "http-spec", NULL, 0, 0,
				                    "header name '%s' in %s is not a token",
				                    name, where);
		if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v) &&
		    !json_is_null(v))
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "header '%s' in %s must be a string, a number "
			                    "or null", name, where);
	}
	return 0;
}

static int parse_opts(json_t *spec, const struct is_provider_request *req,
                      struct http_opts *o, struct is_error *err)
{
	json_t *v;

	memset(o, 0, sizeof(*o));
	o->redirects = HTTP_DEFAULT_REDIRECTS;
	o->timeout = HTTP_DEFAULT_TIMEOUT;
	if ((v = json_object_get(spec, "url"))) {
		if (!json_is_string(v) || !*json_string_value(v))
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "'url' must be a non-empty string");
		o->base = json_string_value(v);
	}
	if ((v = json_object_get(spec, "headers"))) {
		if (check_headers(v, "the spec", err) < 0)
			return -1;
		o->headers = v;
	}
	if ((v = json_object_get(spec, "timeout"))) {
		if (parse_seconds(v, &o->timeout, err) < 0)
			return -1;
		if (req->timeout > 0 && req->timeout < o->timeout)
			o->timeout = req->timeout;
	} else if (req->timeout > 0) {
		o->timeout = req->timeout;
	}
	if ((v = json_object_get(spec, "insecure"))) {
		/* Only a real true turns verification off: not "yes", not 1. */
		if (!json_is_boolean(v))
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "'insecure' must be true or false");
		o->insecure = json_is_true(v);
	}
	if ((v = json_object_get(spec, "maxRedirects"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > HTTP_REDIRECTS_CAP)
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "'maxRedirects' must be an integer from 0 to %ld",
			                    HTTP_REDIRECTS_CAP);
		o->redirects = (long)json_integer_value(v);
	}
	return 0;
}

static int check_expect_one(json_t *v)
{
	const char *s;

	if (json_is_integer(v))
		return json_integer_value(v) >= 100 && json_integer_value(v) <= 599;
	if (!json_is_string(v))
		return 0;
	s = json_string_value(v);
	return strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' &&
	       (s[1] == 'x' || s[1] == 'X' || isdigit((unsigned char)s[1])) &&
	       (s[2] == 'x' || s[2] == 'X' || isdigit((unsigned char)s[2]));
}

static int check_expect(json_t *v, struct is_error *err)
{
	size_t i;
	json_t *e;

	if (json_is_array(v) && json_array_size(v) > 0) {
		json_array_foreach(v, i, e)
			if (!check_expect_one(e))
				goto bad;
		return 0;
	}
	if (check_expect_one(v))
		return 0;
bad:
	return is_error_set(err, "http-spec", NULL, 0, 0,
	                    "'expectStatus' must be a status (100-599), a pattern "
	                    "such as \"2xx\", or a non-empty list of those");
}

static void tmpl_release(struct http_tmpl *t)
{
	free(t->method);
	free(t->url);
	memset(t, 0, sizeof(*t));
}

static int set_method(struct http_tmpl *t, const char *m, size_t len,
                      struct is_error *err)
{
	size_t i;

	if (len == 0 || len > 32)
		goto bad;
	for (i = 0; i < len; i++)
		if (!isalpha((unsigned char)m[i]))
			goto bad;
	t->method = is_xstrndup(m, len);
	for (i = 0; i < len; i++)
		t->method[i] = (char)toupper((unsigned char)t->method[i]);
	return 0;
bad:
	return is_error_set(err, "http-spec", NULL, 0, 0,
	                    "'method' must be a word such as GET or POST");
}

/*
 * Fills t from a template: an object, or the string form "METHOD URL". where
 * names it in messages. Returns 0, or -1 with err set.
 */
static int parse_tmpl(json_t *v, const char *where, const char *def_method,
                      int check, struct http_tmpl *t, struct is_error *err)
{
	json_t *m, *u;

	memset(t, 0, sizeof(*t));
	if (json_is_string(v)) {
		const char *s = json_string_value(v), *sp = strchr(s, ' ');

		if (set_method(t, s, sp ? (size_t)(sp - s) : strlen(s), err) < 0)
			return -1;
		if (sp) {
			while (*sp == ' ')
				sp++;
			if (*sp)
				t->url = is_xstrdup(sp);
		}
		return 0;
	}
	if (!json_is_object(v))
		return is_error_set(err, "http-spec", NULL, 0, 0,
		                    "'%s' must be an object or a string such as "
		                    "\"DELETE /things/{prior.id}\"", where);
	if (check && check_keys(v, tmpl_keys, where, err) < 0)
		return -1;
	m = json_object_get(v, "method");
	if (m && !json_is_string(m))
		return is_error_set(err, "http-spec", NULL, 0, 0,
		                    "'method' in %s must be a string", where);
	if (set_method(t, m ? json_string_value(m) : def_method,
	               strlen(m ? json_string_value(m) : def_method), err) < 0)
		goto fail;
	u = json_object_get(v, "url");
	if (u) {
		if (!json_is_string(u) || !*json_string_value(u)) {
			is_error_set(err, "http-spec", NULL, 0, 0,
			             "'url' in %s must be a non-empty string", where);
			goto fail;
		}
		t->url = is_xstrdup(json_string_value(u));
	}
	t->headers = json_object_get(v, "headers");
	if (t->headers && check_headers(t->headers, where, err) < 0)
		goto fail;
	t->body = json_object_get(v, "body");
	t->expect = json_object_get(v, "expectStatus");
	if (t->expect && check_expect(t->expect, err) < 0)
		goto fail;
	t->outputs = json_object_get(v, "outputs");
	if (t->outputs) {
		const char *name;
		json_t *ptr;

		if (!json_is_object(t->outputs)) {
			is_error_set(err, "http-spec", NULL, 0, 0,
			             "'outputs' in %s must be an object of JSON pointers",
			             where);
			goto fail;
		}
		json_object_foreach(t->outputs, name, ptr) {
			const char *p = json_is_string(ptr) ? json_string_value(ptr) : NULL;

			if (!p || (*p && *p != '/')) {
				is_error_set(err, "http-spec", NULL, 0, 0,
				             "output '%s' in %s must be a JSON pointer such as "
				             "\"/id\" (or \"\" for the whole body)", name, where);
				goto fail;
			}
		}
	}
	return 0;
fail:
	tmpl_release(t);
	return -1;
}

/* ---- placeholders: {prior.a.b} ----------------------------------------- */

/*
 * The prior value a placeholder names. s points just past "{prior."; on
 * success *end points past the closing brace. Returns a borrowed value, or
 * NULL with err set.
 */
static json_t *placeholder_value(const char *s, const char **end, json_t *prior,
                                 struct is_error *err)
{
	const char *close = strchr(s, '}');
	struct is_strbuf ptr = IS_STRBUF_INIT;
	const char *seg = s;
	json_t *v;

	if (!close || close == s) {
		is_error_set(err, "http-spec", NULL, 0, 0,
		             "'{prior.' without a name and a closing '}'");
		return NULL;
	}
	*end = close + 1;
	is_strbuf_addch(&ptr, '/');
	for (; seg < close; seg++) {
		if (*seg == '.') {
			is_strbuf_addch(&ptr, '/');
			continue;
		}
		if (*seg == '~')
			is_strbuf_adds(&ptr, "~0");
		else if (*seg == '/')
			is_strbuf_adds(&ptr, "~1");
		else
			is_strbuf_addch(&ptr, *seg);
	}
	if (!prior) {
		is_error_set(err, "http-prior", NULL, 0, 0,
		             "'{prior.%.*s}' needs the outputs of an earlier create, "
		             "and there are none", (int)(close - s), s);
		v = NULL;
	} else if (!(v = is_json_pointer_get(prior, ptr.buf))) {
		is_error_set(err, "http-prior", NULL, 0, 0,
		             "'{prior.%.*s}': the prior outputs have no such value",
		             (int)(close - s), s);
	} else if (json_is_object(v) || json_is_array(v)) {
		is_error_set(err, "http-prior", NULL, 0, 0,
		             "'{prior.%.*s}' is an %s; only a string, number, boolean "
		             "or null fits in text", (int)(close - s), s,
		             json_is_object(v) ? "object" : "array");
		v = NULL;
	}
	is_strbuf_release(&ptr);
	return v;
}

static void add_percent_encoded(struct is_strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			is_strbuf_addch(sb, (char)c);
		} else {
			is_strbuf_addch(sb, '%');
			is_strbuf_addch(sb, hex[c >> 4]);
			is_strbuf_addch(sb, hex[c & 15]);
		}
	}
}

/*
 * Appends s to out with every {prior.PATH} replaced by its value as text
 * (strings percent-encoded when urlenc). Returns 0, or -1 with err set.
 */
static int expand(const char *s, json_t *prior, int urlenc, struct is_strbuf *out,
                  struct is_error *err)
{
	const char *p;

	while ((p = strstr(s, "{prior."))) {
		const char *end;
		json_t *v;

		is_strbuf_add(out, s, (size_t)(p - s));
		if (!(v = placeholder_value(p + 7, &end, prior, err)))
			return -1;
		if (json_is_string(v) && urlenc)
			add_percent_encoded(out, json_string_value(v), json_string_length(v));
		else if (json_is_string(v))
			is_strbuf_add(out, json_string_value(v), json_string_length(v));
		else
			is_json_dump(out, v, 0);
		s = end;
	}
	is_strbuf_adds(out, s);
	return 0;
}

/*
 * A copy of the body template with placeholders filled. A string that is
 * exactly one placeholder takes the prior value with its JSON type. Returns a
 * new reference, or NULL with err set.
 */
static json_t *expand_json(json_t *v, json_t *prior, struct is_error *err)
{
	const char *key;
	json_t *item, *copy, *x;
	size_t i;

	if (json_is_object(v)) {
		copy = json_object();
		json_object_foreach(v, key, item) {
			if (!(x = expand_json(item, prior, err)))
				return json_decref(copy), NULL;
			json_object_set_new(copy, key, x);
		}
		return copy;
	}
	if (json_is_array(v)) {
		copy = json_array();
		json_array_foreach(v, i, item) {
			if (!(x = expand_json(item, prior, err)))
				return json_decref(copy), NULL;
			json_array_append_new(copy, x);
		}
		return copy;
	}
	if (json_is_string(v) && strstr(json_string_value(v), "{prior.")) {
		const char *s = json_string_value(v), *end;
		struct is_strbuf sb = IS_STRBUF_INIT;

		if (!strncmp(s, "{prior.", 7) && strchr(s, '}') == s + strlen(s) - 1) {
			if (!(x = placeholder_value(s + 7, &end, prior, err)))
				return NULL;
			return json_deep_copy(x);
		}
		if (expand(s, prior, 0, &sb, err) < 0) {
			is_strbuf_release(&sb);
			return NULL;
		}
		x = json_stringn(sb.buf, sb.len);
		is_strbuf_release(&sb);
		return x;
	}
	return json_deep_copy(v);
}

/* ---- the request ------------------------------------------------------- */

static int is_absolute(const char *url)
{
	const char *p = url;

	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p > url && !strncmp(p, "://", 3);
}

/* A copy of url without the user:password@ part, for messages. */
static char *strip_credentials(const char *url)
{
	const char *host = strstr(url, "://"), *end, *at = NULL, *p;

	if (!host)
		return is_xstrdup(url);
	host += 3;
	end = host + strcspn(host, "/?#");
	for (p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return is_xstrdup(url);
	return is_xasprintf("%.*s%s", (int)(host - url), url, at + 1);
}

static int build_url(const struct http_opts *o, const struct http_tmpl *t,
                     json_t *prior, struct http_call *c, struct is_error *err)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	const char *rel = t->url;

	if (!rel || !is_absolute(rel)) {
		size_t n;

		if (!o->base && rel)
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "'url' '%s' is a path, and the spec has no base "
			                    "'url'", rel);
		if (!o->base)
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "no 'url': give the spec one");
		if (expand(o->base, prior, 1, &sb, err) < 0)
			goto fail;
		if (rel && *rel != '?' && *rel != '#') {
			n = sb.len;
			while (n > 0 && sb.buf[n - 1] == '/')
				n--;
			sb.len = n;
			sb.buf[n] = '\0';
			if (*rel != '/')
				is_strbuf_addch(&sb, '/');
		}
	}
	if (rel && expand(rel, prior, 1, &sb, err) < 0)
		goto fail;
	c->url = is_strbuf_detach(&sb, NULL);
	c->shown = strip_credentials(c->url);
	if (strncasecmp(c->url, "http://", 7) && strncasecmp(c->url, "https://", 8))
		return is_error_set(err, "http-spec", NULL, 0, 0,
		                    "'%s' is not an http:// or https:// URL", c->shown);
	return 0;
fail:
	is_strbuf_release(&sb);
	return -1;
}

static int has_header(json_t *h, const char *name)
{
	const char *key;
	json_t *v;

	if (!h)
		return 0;
	json_object_foreach(h, key, v)
		if (!strcasecmp(key, name))
			return 1;
	return 0;
}

static int add_header(struct http_call *c, const char *name, json_t *v,
                      json_t *prior, struct is_error *err)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	struct curl_slist *l;
	size_t before;

	if (json_is_null(v))
		return 0;       /* null removes a header the spec or curl would send */
	is_strbuf_adds(&sb, name);
	before = sb.len;
	is_strbuf_adds(&sb, ": ");
	if (json_is_string(v)) {
		if (expand(json_string_value(v), prior, 0, &sb, err) < 0)
			goto fail;
	} else {
		is_json_dump(&sb, v, 0);
	}
	if (strpbrk(sb.buf, "\r\n")) {
		is_error_set(err, "http-spec", NULL, 0, 0,
		             "header '%s' has a line break in its value", name);
		goto fail;
	}
	if (sb.len == before + 2) {      /* curl sends "Name;" as an empty header */
		sb.len = before;
		is_strbuf_addch(&sb, ';');
	}
	l = curl_slist_append(c->headers, sb.buf);
	if (!l) {
		is_error_set(err, "http-internal", NULL, 0, 0, "out of memory");
		goto fail;
	}
	c->headers = l;
	is_strbuf_release(&sb);
	return 0;
fail:
	is_strbuf_release(&sb);
	return -1;
}

static int add_line(struct http_call *c, const char *line, struct is_error *err)
{
	struct curl_slist *l = curl_slist_append(c->headers, line);

	if (!l)
		return is_error_set(err, "http-internal", NULL, 0, 0, "out of memory");
	c->headers = l;
	return 0;
}

static int either_has(const struct http_opts *o, const struct http_tmpl *t,
                      const char *name)
{
	return has_header(t->headers, name) || has_header(o->headers, name);
}

/* Template headers win over the spec's, names compared without case. */
static int build_headers(const struct http_opts *o, const struct http_tmpl *t,
                         json_t *prior, struct http_call *c, struct is_error *err)
{
	const char *name;
	json_t *v;

	if (t->headers)
		json_object_foreach(t->headers, name, v)
			if (add_header(c, name, v, prior, err) < 0)
				return -1;
	if (o->headers)
		json_object_foreach(o->headers, name, v)
			if (!has_header(t->headers, name) &&
			    add_header(c, name, v, prior, err) < 0)
				return -1;
	if (!either_has(o, t, "Accept") &&
	    add_line(c, "Accept: application/json, */*;q=0.5", err) < 0)
		return -1;
	if (c->has_body && !either_has(o, t, "Content-Type") &&
	    add_line(c, "Content-Type: application/json", err) < 0)
		return -1;
	/* No "Expect: 100-continue" wait on large bodies: few APIs answer it. */
	return add_line(c, "Expect:", err);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;

	n *= size;
	if (c->resp.len + n > HTTP_BODY_LIMIT) {
		c->too_big = 1;
		return 0;
	}
	is_strbuf_add(&c->resp, data, n);
	return n;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_call *c = arg;
	size_t len = size * n, i;
	const char *v;

	/* A status line starts another response (a redirect's next hop). */
	if (len >= 5 && !strncmp(data, "HTTP/", 5))
		c->retry_after[0] = '\0';
	if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		v = data + 12;
		len -= 12;
		while (len && (*v == ' ' || *v == '\t'))
			v++, len--;
		while (len && isspace((unsigned char)v[len - 1]))
			len--;
		i = len < sizeof(c->retry_after) - 1 ? len : sizeof(c->retry_after) - 1;
		memcpy(c->retry_after, v, i);
		c->retry_after[i] = '\0';
	}
	return size * n;
}

/* Seconds to wait from a Retry-After value: delay-seconds or an HTTP date. */
static double parse_retry_after(const char *s)
{
	const char *p = s;
	time_t when;
	double d;

	if (!*s)
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (p > s && !*p) {
		d = strtod(s, NULL);
		return d > 0 ? d : 0;
	}
	when = curl_getdate(s, NULL);
	if (when == (time_t)-1)
		return 0;
	d = difftime(when, time(NULL));
	return d > 0 ? d : 0;
}

static int transport_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int transport_tls(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return 1;
	default:
		return 0;
	}
}

/*
 * Makes the request. Returns 0 when a response came back (any status), or
 * -1 with res->err and res->retryable set when none did.
 */
static int perform(struct http_call *c, const struct http_opts *o,
                   struct is_provider_result *res)
{
	CURL *h = curl_easy_init();
	CURLcode rc;
	const char *why;

	if (!h)
		return is_error_set(&res->err, "http-internal", NULL, 0, 0,
		                    "%s %s: curl_easy_init failed", c->method, c->shown);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
	                 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, o->redirects > 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, o->redirects);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)ceil(o->timeout * 1000));
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "infrastream/" IS_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	/*
	 * POST through CURLOPT_POST, so a 301/302/303 turns it into a GET as
	 * browsers do; any other method as a custom request, kept on redirects.
	 */
	if (!strcmp(c->method, "GET")) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(c->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		if (strcmp(c->method, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
		if (c->has_body || !strcmp(c->method, "POST")) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			                 (curl_off_t)c->body.len);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body.buf ? c->body.buf : "");
		}
	}
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	curl_easy_cleanup(h);
	if (rc == CURLE_OK)
		return 0;

	why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return is_error_set(&res->err, "http-timeout", NULL, 0, 0,
		                    "%s %s: timed out after %g s", c->method, c->shown,
		                    o->timeout);
	if (rc == CURLE_TOO_MANY_REDIRECTS)
		return is_error_set(&res->err, "http-redirect", NULL, 0, 0,
		                    "%s %s: more than %ld redirects", c->method, c->shown,
		                    o->redirects);
	if (rc == CURLE_WRITE_ERROR && c->too_big)
		return is_error_set(&res->err, "http-response", NULL, 0, 0,
		                    "%s %s: response body larger than %zu MiB",
		                    c->method, c->shown, HTTP_BODY_LIMIT >> 20);
	if (transport_tls(rc))
		return is_error_set(&res->err, "http-tls", NULL, 0, 0,
		                    "%s %s: TLS: %s", c->method, c->shown, why);
	res->retryable = transport_retryable(rc);
	return is_error_set(&res->err, res->retryable ? "http-connect" : "http-transfer",
	                    NULL, 0, 0, "%s %s: %s", c->method, c->shown, why);
}

/* ---- the response ------------------------------------------------------ */

static int expect_one(json_t *e, long status)
{
	const char *s;
	char digits[4];
	int i;

	if (json_is_integer(e))
		return json_integer_value(e) == status;
	s = json_string_value(e);
	snprintf(digits, sizeof(digits), "%03ld", status);
	for (i = 0; i < 3; i++)
		if (s[i] != 'x' && s[i] != 'X' && s[i] != digits[i])
			return 0;
	return 1;
}

static int expect_match(json_t *expect, enum is_provider_op op, long status)
{
	size_t i;
	json_t *e;

	if (!expect)
		return (status >= 200 && status < 300) ||
		       (op == IS_OP_DELETE && (status == 404 || status == 410));
	if (!json_is_array(expect))
		return expect_one(expect, status);
	json_array_foreach(expect, i, e)
		if (expect_one(e, status))
			return 1;
	return 0;
}

static void expect_text_one(struct is_strbuf *sb, json_t *e)
{
	if (json_is_integer(e))
		is_strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
	else
		is_strbuf_adds(sb, json_string_value(e));
}

static void expect_text(struct is_strbuf *sb, json_t *expect, enum is_provider_op op)
{
	size_t i;
	json_t *e;

	if (!expect)
		is_strbuf_adds(sb, op == IS_OP_DELETE ? "2xx, 404 or 410" : "2xx");
	else if (!json_is_array(expect))
		expect_text_one(sb, expect);
	else
		json_array_foreach(expect, i, e) {
			if (i)
				is_strbuf_adds(sb, i + 1 == json_array_size(expect) ? " or " : ", ");
			expect_text_one(sb, e);
		}
}

/* The last HTTP_TAIL bytes of the body on one line, spaces squeezed. */
static void body_tail(struct is_strbuf *sb, const struct is_strbuf *resp)
{
	size_t start = 0, i, mark;

	if (resp->len > HTTP_TAIL) {
		start = resp->len - HTTP_TAIL;
		while (start < resp->len && ((unsigned char)resp->buf[start] & 0xC0) == 0x80)
			start++;        /* not in the middle of a UTF-8 sequence */
		is_strbuf_adds(sb, "...");
	}
	mark = sb->len;
	for (i = start; i < resp->len; i++) {
		unsigned char ch = (unsigned char)resp->buf[i];

		if (ch <= 0x20 || ch == 0x7f) {
			if (sb->len > mark && sb->buf[sb->len - 1] != ' ')
				is_strbuf_addch(sb, ' ');
		} else {
			is_strbuf_addch(sb, (char)ch);
		}
	}
	while (sb->len > mark && sb->buf[sb->len - 1] == ' ')
		sb->buf[--sb->len] = '\0';
}

static int status_error(struct http_call *c, json_t *expect, enum is_provider_op op,
                        struct is_provider_result *res)
{
	struct is_strbuf want = IS_STRBUF_INIT, tail = IS_STRBUF_INIT;

	expect_text(&want, expect, op);
	body_tail(&tail, &c->resp);
	res->retryable = c->status == 408 || c->status == 429 ||
	                 (c->status >= 500 && c->status <= 599);
	is_error_set(&res->err, "http-status", NULL, 0, 0, "%s %s: status %ld, expected %s%s%s",
	             c->method, c->shown, c->status, want.buf, tail.len ? ": " : "",
	             tail.len ? tail.buf : "");
	is_strbuf_release(&want);
	is_strbuf_release(&tail);
	return -1;
}

/* Outputs from the response: the named pointers, else the whole body object. */
static int make_outputs(struct http_call *c, const struct http_tmpl *t,
                        json_t **out, struct is_provider_result *res)
{
	json_t *body = NULL, *outputs;
	json_error_t jerr;
	const char *name;
	json_t *ptr;

	if (c->resp.len)
		body = json_loadb(c->resp.buf, c->resp.len, JSON_DECODE_ANY, &jerr);
	if (t->outputs && json_object_size(t->outputs)) {
		if (!body) {
			is_error_set(&res->err, "http-response", NULL, 0, 0,
			             "%s %s: status %ld: the response is not JSON, so there "
			             "are no outputs to take from it", c->method, c->shown,
			             c->status);
			return -1;
		}
		outputs = json_object();
		json_object_foreach(t->outputs, name, ptr) {
			json_t *v = is_json_pointer_get(body, json_string_value(ptr));

			if (!v) {
				is_error_set(&res->err, "http-response", NULL, 0, 0,
				             "%s %s: status %ld: the response has no '%s' "
				             "for output '%s'", c->method, c->shown, c->status,
				             json_string_value(ptr), name);
				json_decref(outputs);
				json_decref(body);
				return -1;
			}
			json_object_set(outputs, name, v);
		}
		json_decref(body);
	} else if (json_is_object(body)) {
		outputs = body;
	} else {
		outputs = json_object();
		json_decref(body);
	}
	json_object_set_new(outputs, "status", json_integer(c->status));
	*out = outputs;
	return 0;
}

static void drift_add(json_t *drift, const char *name, json_t *was, json_t *now)
{
	json_object_set_new(drift, name, json_pack("{s:O,s:O}",
	                    "was", was ? was : json_null(), "now", now ? now : json_null()));
}

/*
 * The drift provider.h describes: {NAME: {"was": X, "now": Y}} for each
 * output that differs from the prior ones, "status" aside; NULL when none
 * does or nothing is known to compare with.
 */
static json_t *make_drift(json_t *prior, json_t *now)
{
	json_t *drift, *v;
	const char *name;

	if (!json_is_object(prior))
		return NULL;
	drift = json_object();
	json_object_foreach(prior, name, v)
		if (strcmp(name, "status") && !json_equal(v, json_object_get(now, name)))
			drift_add(drift, name, v, json_object_get(now, name));
	json_object_foreach(now, name, v)
		if (strcmp(name, "status") && !json_object_get(prior, name))
			drift_add(drift, name, NULL, v);
	if (!json_object_size(drift)) {
		json_decref(drift);
		return NULL;
	}
	return drift;
}

/* ---- the operation ----------------------------------------------------- */

static int has_op_keys(json_t *spec)
{
	size_t i;

	for (i = 0; i < sizeof(op_keys) / sizeof(op_keys[0]); i++)
		if (json_object_get(spec, op_keys[i]))
			return 1;
	return 0;
}

static const char *default_method(enum is_provider_op op, int simple)
{
	static const char *const m[] = { "POST", "GET", "PUT", "DELETE" };

	return simple ? "GET" : m[op];
}

/*
 * The template for req->op. Returns 1 with t filled, 0 when the operation
 * makes no request, or -1 with err set.
 */
static int pick_tmpl(json_t *spec, enum is_provider_op op, struct http_tmpl *t,
                     struct is_error *err)
{
	json_t *v;

	if (!has_op_keys(spec)) {
		if (op == IS_OP_DELETE)
			return 0;
		if (parse_tmpl(spec, "the spec", "GET", 0, t, err) < 0)
			return -1;
		/* Reading again is only safe when the request changes nothing. */
		if (op == IS_OP_READ && strcmp(t->method, "GET") && strcmp(t->method, "HEAD")) {
			tmpl_release(t);
			return 0;
		}
		return 1;
	}
	v = json_object_get(spec, op_keys[op]);
	if (!v) {
		if (op == IS_OP_CREATE)
			return is_error_set(err, "http-spec", NULL, 0, 0,
			                    "the spec has no 'create' request");
		if (op == IS_OP_UPDATE)
			return is_error_set(err, IS_PROVIDER_CODE_NO_UPDATE, NULL, 0, 0,
			                    "the spec has no 'update' request, so a change "
			                    "replaces the resource (delete, then create)");
		return 0;
	}
	return parse_tmpl(v, op_keys[op], default_method(op, 0), 1, t, err) < 0 ? -1 : 1;
}

static void call_release(struct http_call *c)
{
	free(c->url);
	free(c->shown);
	curl_slist_free_all(c->headers);
	is_strbuf_release(&c->body);
	is_strbuf_release(&c->resp);
}

static int run_request(struct is_provider_request *req, const struct http_opts *o,
                       const struct http_tmpl *t, struct is_provider_result *res)
{
	struct http_call c;
	json_t *outputs = NULL, *prior = req->prior;

	memset(&c, 0, sizeof(c));
	c.method = t->method;
	if (build_url(o, t, prior, &c, &res->err) < 0)
		goto fail;
	if (t->body) {
		json_t *body = expand_json(t->body, prior, &res->err);

		if (!body)
			goto fail;
		is_json_dump(&c.body, body, 0);
		json_decref(body);
		c.has_body = 1;
	}
	if (build_headers(o, t, prior, &c, &res->err) < 0 || perform(&c, o, res) < 0)
		goto fail;
	res->retry_after = parse_retry_after(c.retry_after);
	if (req->op == IS_OP_READ && (c.status == 404 || c.status == 410) &&
	    !expect_match(t->expect, req->op, c.status)) {
		/* Gone: provider.h asks for empty outputs here. */
		res->outputs = json_object();
		res->drift = json_pack("{s:b}", "gone", 1);
		res->retry_after = 0;
		call_release(&c);
		return 0;
	}
	if (!expect_match(t->expect, req->op, c.status)) {
		status_error(&c, t->expect, req->op, res);
		goto fail;
	}
	res->retry_after = 0;
	if (req->op == IS_OP_DELETE) {
		outputs = json_pack("{s:I}", "status", (json_int_t)c.status);
	} else if (make_outputs(&c, t, &outputs, res) < 0) {
		goto fail;
	}
	if (req->op == IS_OP_UPDATE && json_is_object(prior)) {
		/* An update that answers 204 keeps the id create gave. */
		json_t *merged = json_deep_copy(prior);

		json_object_update(merged, outputs);
		json_decref(outputs);
		outputs = merged;
	}
	if (req->op == IS_OP_READ)
		res->drift = make_drift(prior, outputs);
	res->outputs = outputs;
	call_release(&c);
	return 0;
fail:
	call_release(&c);
	return -1;
}

static int http_call(const struct is_provider *p, struct is_provider_request *req,
                     struct is_provider_result *res)
{
	struct http_opts o;
	struct http_tmpl t;
	int found, rc = -1;

	(void)p;
	memset(&t, 0, sizeof(t));
	pthread_once(&http_once, http_global_init);
	if (http_init_rc != CURLE_OK) {
		is_error_set(&res->err, "http-internal", NULL, 0, 0,
		             "curl_global_init failed: %s", curl_easy_strerror(http_init_rc));
		goto out;
	}
	if (!json_is_object(req->spec)) {
		is_error_set(&res->err, "http-spec", NULL, 0, 0,
		             "the Http spec must be an object");
		goto out;
	}
	if (check_keys(req->spec, has_op_keys(req->spec) ? spec_keys : simple_keys,
	               "the Http spec", &res->err) < 0 ||
	    parse_opts(req->spec, req, &o, &res->err) < 0)
		goto out;
	found = pick_tmpl(req->spec, req->op, &t, &res->err);
	if (found < 0)
		goto out;
	if (!found) {
		/* Nothing to ask: read keeps what is known, delete forgets it. */
		res->outputs = req->op == IS_OP_READ && json_is_object(req->prior)
		               ? json_deep_copy(req->prior) : json_object();
		res->unchecked = req->op == IS_OP_READ;
		rc = 0;
		goto out;
	}
	rc = run_request(req, &o, &t, res);
	tmpl_release(&t);
out:
	if (rc < 0 && req->id)
		is_error_set_id(&res->err, req->id);
	return rc;
}

const struct is_provider is_provider_http = {
	.kind = "Http",
	.blocking = 1,
	.call = http_call,
	.program = NULL,
};
