/*
 * The Http provider, called directly as the scheduler would. Checks that
 * need no server (spec errors, a refused connection, a server that never
 * answers) always run; tests/t3500-http-slow.sh starts the real servers on
 * loopback and runs this program again with their base URLs in
 * IS_TEST_JSON_SERVER (npm json-server), IS_TEST_HTTPBIN (Debian's
 * python3-httpbin) and IS_TEST_TLS (openssl s_server with a self-signed
 * certificate).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "provider.h"
#include "xalloc.h"
#include "unit.h"

extern const struct is_provider is_provider_http;

/* Local, so this test links without the registry in lib/provider.c. */
static void result_init(struct is_provider_result *r)
{
	memset(r, 0, sizeof(*r));
}

static void result_release(struct is_provider_result *r)
{
	json_decref(r->outputs);
	json_decref(r->drift);
	is_error_release(&r->err);
	memset(r, 0, sizeof(*r));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The spec from a printf format; aborts on bad JSON (a bug in this file). */
static json_t *spec_f(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_t *spec_f(const char *fmt, ...)
{
	va_list ap;
	char *text;
	json_error_t e;
	json_t *v;

	va_start(ap, fmt);
	text = is_xvasprintf(fmt, ap);
	va_end(ap);
	v = json_loads(text, 0, &e);
	if (!v) {
		fprintf(stderr, "bad test JSON: %s: %s\n", e.text, text);
		abort();
	}
	free(text);
	return v;
}

/* Calls the provider; steals spec and prior. */
static int call(enum is_provider_op op, json_t *spec, json_t *prior, double timeout,
                struct is_provider_result *res)
{
	struct is_provider_request req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.id = "Http/test";
	req.kind = "Http";
	req.spec = spec;
	req.prior = prior;
	req.timeout = timeout;
	req.attempt = 1;
	result_init(res);
	rc = is_provider_http.call(&is_provider_http, &req, res);
	json_decref(spec);
	json_decref(prior);
	if (rc < 0 && getenv("IS_TEST_VERBOSE"))
		fprintf(stderr, "error: %s: %s\n", res->err.code, res->err.message);
	return rc;
}

static const char *msg(const struct is_provider_result *res)
{
	return res->err.message ? res->err.message : "";
}

static int has(const struct is_provider_result *res, const char *needle)
{
	return strstr(msg(res), needle) != NULL;
}

static int code_is(const struct is_provider_result *res, const char *code)
{
	return res->err.code && !strcmp(res->err.code, code);
}

static long long out_int(const struct is_provider_result *res, const char *name)
{
	return json_integer_value(json_object_get(res->outputs, name));
}

static const char *out_str(const struct is_provider_result *res, const char *name)
{
	const char *s = json_string_value(json_object_get(res->outputs, name));

	return s ? s : "";
}

/* A loopback port with nothing listening on it. */
static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* A listening socket that accepts into its backlog and never answers. */
static int silent_server(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

static void offline(void)
{
	struct is_provider_result r;
	int port = closed_port(), fd, sport;
	double t0;

	CHECK(!strcmp(is_provider_http.kind, "Http") && is_provider_http.blocking,
	      "offline: kind Http, blocking");

	call(IS_OP_CREATE, spec_f("{\"url\": \"http://127.0.0.1:%d/\", "
	     "\"expectedStatus\": 200}", port), NULL, 0, &r);
	CHECK(code_is(&r, "http-spec") && has(&r, "unknown key 'expectedStatus'") &&
	      has(&r, "did you mean 'expectStatus'?"),
	      "offline: a misspelt key is named with a suggestion (%s)", msg(&r));
	CHECK(r.err.id && !strcmp(r.err.id, "Http/test"), "offline: the error names the resource");
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"http://127.0.0.1:%d/\", "
	     "\"insecure\": \"yes\"}", port), NULL, 0, &r);
	CHECK(code_is(&r, "http-spec") && has(&r, "'insecure' must be true or false"),
	      "offline: insecure takes only a boolean (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"http://x/\", \"method\": \"GET\", "
	     "\"delete\": {}}"), NULL, 0, &r);
	CHECK(has(&r, "'method' belongs inside a request"),
	      "offline: request keys beside create/read/update/delete (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"http://x/\", \"delete\": "
	     "\"DELETE /a/{prior.id}\"}"), NULL, 0, &r);
	CHECK(has(&r, "the spec has no 'create' request"),
	      "offline: a full spec without create (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_UPDATE, spec_f("{\"url\": \"http://x/\", \"create\": \"POST /a\"}"),
	     spec_f("{\"id\": 1}"), 0, &r);
	CHECK(code_is(&r, "no-update"),
	      "offline: without an update request, the scheduler replaces (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"create\": {\"url\": \"/posts\"}}"), NULL, 0, &r);
	CHECK(has(&r, "'url' '/posts' is a path, and the spec has no base 'url'"),
	      "offline: a path needs a base url (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"ftp://u:pw@x/f\"}"), NULL, 0, &r);
	CHECK(has(&r, "'ftp://x/f' is not an http:// or https:// URL") && !has(&r, "pw"),
	      "offline: only http and https, credentials not shown (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"http://x/\", \"maxRedirects\": -1}"),
	     NULL, 0, &r);
	CHECK(has(&r, "'maxRedirects' must be an integer from 0 to 50"),
	      "offline: maxRedirects is bounded (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"http://x/\", \"expectStatus\": [200, \"7xx\"]}"),
	     NULL, 0, &r);
	CHECK(has(&r, "'expectStatus' must be"), "offline: a bad expectStatus (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_READ, spec_f("{\"url\": \"http://127.0.0.1:%d\", \"create\": \"POST /a\", "
	     "\"read\": \"GET /a/{prior.id}\"}", port), NULL, 0, &r);
	CHECK(code_is(&r, "http-prior") && has(&r, "'{prior.id}' needs the outputs"),
	      "offline: {prior.id} with no prior outputs (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_READ, spec_f("{\"url\": \"http://127.0.0.1:%d\", \"create\": \"POST /a\", "
	     "\"read\": \"GET /a/{prior.x.id}\"}", port), spec_f("{\"x\": {}}"), 0, &r);
	CHECK(code_is(&r, "http-prior") && has(&r, "the prior outputs have no such value"),
	      "offline: {prior.x.id} names a missing value (%s)", msg(&r));
	result_release(&r);

	/* Operations that make no request: the closed port would fail them. */
	CHECK(call(IS_OP_DELETE, spec_f("{\"url\": \"http://127.0.0.1:%d/h\", "
	      "\"method\": \"GET\", \"expectStatus\": 200}", port), NULL, 0, &r) == 0 &&
	      json_object_size(r.outputs) == 0,
	      "offline: the simple form deletes nothing (%s)", msg(&r));
	result_release(&r);
	CHECK(call(IS_OP_READ, spec_f("{\"url\": \"http://127.0.0.1:%d/h\", "
	      "\"method\": \"POST\"}", port), spec_f("{\"status\": 201, \"a\": 1}"), 0, &r) == 0 &&
	      out_int(&r, "a") == 1 && !r.drift,
	      "offline: a simple POST is not repeated to read (%s)", msg(&r));
	result_release(&r);
	CHECK(call(IS_OP_READ, spec_f("{\"url\": \"http://127.0.0.1:%d\", "
	      "\"create\": \"POST /a\"}", port), spec_f("{\"id\": 3}"), 0, &r) == 0 &&
	      out_int(&r, "id") == 3 && !r.drift,
	      "offline: without a read request, read keeps the prior outputs (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"http://user:s3cret@127.0.0.1:%d/x\"}",
	      port), NULL, 0, &r) < 0 && r.retryable && code_is(&r, "http-connect"),
	      "offline: a refused connection is retryable (%s)", msg(&r));
	CHECK(has(&r, "GET http://127.0.0.1:") && !has(&r, "s3cret") && !has(&r, "user"),
	      "offline: the message names method and URL without credentials (%s)", msg(&r));
	result_release(&r);

	fd = silent_server(&sport);
	t0 = now();
	call(IS_OP_CREATE, spec_f("{\"url\": \"http://127.0.0.1:%d/slow\", "
	     "\"timeout\": \"300ms\"}", sport), NULL, 0, &r);
	CHECK(code_is(&r, "http-timeout") && has(&r, "timed out after 0.3 s") &&
	      !r.retryable && now() - t0 < 2,
	      "offline: spec.timeout bounds a silent server (%s)", msg(&r));
	result_release(&r);
	t0 = now();
	call(IS_OP_CREATE, spec_f("{\"url\": \"http://127.0.0.1:%d/slow\"}", sport), NULL,
	     0.25, &r);
	CHECK(code_is(&r, "http-timeout") && has(&r, "timed out after 0.25 s") &&
	      now() - t0 < 2, "offline: the request's timeout applies too (%s)", msg(&r));
	result_release(&r);
	close(fd);
}

static void crud(const char *base)
{
	struct is_provider_result r;
	json_t *prior, *other, *want = NULL;
	long long id;
	const char *full =
		"{\"url\": \"%s\", \"headers\": {\"X-Run\": \"t3500\"},"
		" \"create\": {\"method\": \"POST\", \"url\": \"/posts\","
		"   \"body\": {\"title\": \"hello\", \"author\": \"is\", \"tags\": [\"a\"]},"
		"   \"expectStatus\": 201, \"outputs\": {\"id\": \"/id\", \"title\": \"/title\"}},"
		" \"read\": {\"url\": \"/posts/{prior.id}\","
		"   \"outputs\": {\"id\": \"/id\", \"title\": \"/title\"}},"
		" \"update\": {\"method\": \"PUT\", \"url\": \"/posts/{prior.id}\","
		"   \"body\": {\"title\": \"updated\", \"author\": \"is\"},"
		"   \"outputs\": {\"title\": \"/title\"}},"
		" \"delete\": \"DELETE /posts/{prior.id}\"}";

	CHECK(call(IS_OP_CREATE, spec_f(full, base), NULL, 0, &r) == 0 &&
	      out_int(&r, "status") == 201 && json_is_integer(json_object_get(r.outputs, "id")) &&
	      !strcmp(out_str(&r, "title"), "hello") && json_object_size(r.outputs) == 3,
	      "json-server: create POSTs and takes outputs by pointer (%s)", msg(&r));
	id = out_int(&r, "id");
	printf("# json-server id %lld\n", id);
	prior = json_incref(r.outputs);
	result_release(&r);

	CHECK(call(IS_OP_READ, spec_f(full, base), json_incref(prior), 0, &r) == 0 &&
	      out_int(&r, "status") == 200 && out_int(&r, "id") == id && !r.drift,
	      "json-server: read finds it unchanged (%s)", msg(&r));
	result_release(&r);

	/* Someone else changes it: a PATCH made through the simple form. */
	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/posts/%lld\", \"method\": \"patch\", "
	      "\"body\": {\"title\": \"changed\"}}", base, id), NULL, 0, &r) == 0 &&
	      !strcmp(out_str(&r, "title"), "changed") && out_int(&r, "status") == 200,
	      "json-server: the simple form PATCHes, whole body as outputs (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_READ, spec_f(full, base), json_incref(prior), 0, &r);
	CHECK(r.drift && json_equal(is_json_pointer_get(r.drift, "/title"),
	      want = spec_f("{\"was\": \"hello\", \"now\": \"changed\"}")) &&
	      json_object_size(r.drift) == 1,
	      "json-server: read reports the changed title as drift (%s)", msg(&r));
	result_release(&r);
	json_decref(want);

	CHECK(call(IS_OP_UPDATE, spec_f(full, base), json_incref(prior), 0, &r) == 0 &&
	      out_int(&r, "status") == 200 && !strcmp(out_str(&r, "title"), "updated") &&
	      out_int(&r, "id") == id,
	      "json-server: update PUTs, keeping the id create gave (%s)", msg(&r));
	result_release(&r);

	/* The default outputs: the whole response object. */
	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/\", \"create\": {\"url\": \"posts\", "
	      "\"body\": {\"title\": \"second\", \"n\": 2.5}}, \"delete\": \"DELETE "
	      "/posts/{prior.id}\"}", base), NULL, 0, &r) == 0 &&
	      out_int(&r, "status") == 201 && !strcmp(out_str(&r, "title"), "second") &&
	      json_real_value(json_object_get(r.outputs, "n")) == 2.5,
	      "json-server: without outputs, the whole body (%s)", msg(&r));
	other = json_incref(r.outputs);
	result_release(&r);
	CHECK(call(IS_OP_DELETE, spec_f("{\"url\": \"%s/\", \"create\": \"POST posts\", "
	      "\"delete\": \"DELETE /posts/{prior.id}\"}", base), other, 0, &r) == 0 &&
	      out_int(&r, "status") == 200, "json-server: delete the second (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_DELETE, spec_f(full, base), json_incref(prior), 0, &r) == 0 &&
	      out_int(&r, "status") == 200 && json_object_size(r.outputs) == 1,
	      "json-server: delete (%s)", msg(&r));
	result_release(&r);
	CHECK(call(IS_OP_READ, spec_f(full, base), json_incref(prior), 0, &r) == 0 &&
	      json_object_size(r.outputs) == 0 &&
	      json_is_true(json_object_get(r.drift, "gone")),
	      "json-server: read after delete: gone, as drift (%s)", msg(&r));
	result_release(&r);
	CHECK(call(IS_OP_DELETE, spec_f(full, base), json_incref(prior), 0, &r) == 0 &&
	      out_int(&r, "status") == 404,
	      "json-server: deleting what is gone succeeds (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/posts\", \"method\": \"GET\", "
	      "\"expectStatus\": 200}", base), NULL, 0, &r) == 0 &&
	      out_int(&r, "status") == 200 && json_object_size(r.outputs) == 1,
	      "json-server: the simple form, a health check (%s)", msg(&r));
	result_release(&r);
	json_decref(prior);
}

struct par {
	const char *base;
	int ok;
};

static void *parallel_one(void *arg)
{
	struct par *p = arg;
	struct is_provider_result r;

	p->ok = call(IS_OP_CREATE, spec_f("{\"url\": \"%s/delay/1\"}", p->base),
	             NULL, 0, &r) == 0 && out_int(&r, "status") == 200;
	result_release(&r);
	return NULL;
}

static void httpbin(const char *base)
{
	struct is_provider_result r;
	json_t *want = spec_f("{\"a\": 1, \"b\": [true, null], \"s\": \"a b/c&x=1\", "
	                      "\"n\": 7, \"t\": \"x-7\"}");
	char date[64], when[128];
	struct tm tm;
	time_t t;
	double t0;
	pthread_t th[8];
	struct par par[8];
	int i, all;
	size_t j, k;

	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/status/503\"}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-status") && r.retryable &&
	      has(&r, "GET http://127.0.0.1:") && has(&r, "/status/503: status 503, expected 2xx"),
	      "httpbin: 503 fails, retryable (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/status/429\"}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-status") && r.retryable, "httpbin: 429 is retryable (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_UPDATE, spec_f("{\"url\": \"%s\", \"create\": \"POST /post\", "
	     "\"update\": \"PUT /status/404\"}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-status") && !r.retryable && has(&r, "PUT http") &&
	      has(&r, "status 404"), "httpbin: 404 is not retryable (%s)", msg(&r));
	result_release(&r);
	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/status/500\", \"expectStatus\": "
	      "[\"2xx\", 500]}", base), NULL, 0, &r) == 0 && out_int(&r, "status") == 500,
	      "httpbin: an expected 500 succeeds (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/status/418\"}", base), NULL, 0, &r);
	CHECK(has(&r, "status 418, expected 2xx: -=[ teapot ]=-") && strlen(msg(&r)) < 400 &&
	      !strchr(msg(&r), '\n'), "httpbin: the body's tail, on one line (%s)", msg(&r));
	result_release(&r);

	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/response-headers?Retry-After=2\", "
	     "\"expectStatus\": 204}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-status") && r.retry_after == 2,
	      "httpbin: Retry-After in seconds (%g)", r.retry_after);
	result_release(&r);
	t = time(NULL) + 30;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	for (j = k = 0; date[j] && k + 4 < sizeof(when); j++) {
		if (date[j] == ' ' || date[j] == ',' || date[j] == ':')
			k += (size_t)snprintf(when + k, sizeof(when) - k, "%%%02X", date[j]);
		else
			when[k++] = date[j];
	}
	when[k] = '\0';
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/response-headers?Retry-After=%s\", "
	     "\"expectStatus\": 204}", base, when), NULL, 0, &r);
	CHECK(r.retry_after >= 25 && r.retry_after <= 31,
	      "httpbin: Retry-After as an HTTP date (%g)", r.retry_after);
	result_release(&r);

	t0 = now();
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/delay/3\", \"timeout\": 1}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-timeout") && has(&r, "/delay/3: timed out after 1 s") &&
	      !r.retryable && now() - t0 < 2.5, "httpbin: /delay/3 times out (%s)", msg(&r));
	result_release(&r);
	t0 = now();
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/delay/3\", \"timeout\": 10}", base), NULL,
	     0.5, &r);
	CHECK(code_is(&r, "http-timeout") && has(&r, "timed out after 0.5 s") &&
	      now() - t0 < 2, "httpbin: the smaller timeout wins (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/redirect/2\", \"outputs\": "
	      "{\"url\": \"/url\"}}", base), NULL, 0, &r) == 0 && out_int(&r, "status") == 200 &&
	      strstr(out_str(&r, "url"), "/get"), "httpbin: redirects are followed (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/redirect/3\", \"maxRedirects\": 2}", base),
	     NULL, 0, &r);
	CHECK(code_is(&r, "http-redirect") && has(&r, "more than 2 redirects"),
	      "httpbin: a redirect chain past the limit fails (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/redirect/6\"}", base), NULL, 0, &r);
	CHECK(has(&r, "more than 5 redirects"), "httpbin: 5 redirects by default (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/redirect/1\", \"maxRedirects\": 0}", base),
	     NULL, 0, &r);
	CHECK(has(&r, "status 302"), "httpbin: maxRedirects 0 follows none (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%.7suser:s3cret@%s/basic-auth/user/s3cret\"}",
	      base, base + 7), NULL, 0, &r) == 0 &&
	      json_is_true(json_object_get(r.outputs, "authenticated")),
	      "httpbin: credentials in the URL authenticate (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%.7suser:wr0ng@%s/basic-auth/user/s3cret\"}",
	     base, base + 7), NULL, 0, &r);
	CHECK(has(&r, "status 401") && !has(&r, "wr0ng") && !has(&r, "user:") &&
	      has(&r, "GET http://127.0.0.1:"),
	      "httpbin: a 401 message without the credentials (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_READ, spec_f("{\"url\": \"%s\", \"headers\": {\"X-Token\": \"abc\", "
	      "\"X-Both\": \"spec\", \"X-Id\": \"{prior.id}\"}, \"create\": \"POST /post\", "
	      "\"read\": {\"url\": \"/headers\", \"headers\": {\"x-both\": \"tmpl\"}, "
	      "\"outputs\": {\"token\": \"/headers/X-Token\", \"both\": \"/headers/X-Both\", "
	      "\"xid\": \"/headers/X-Id\"}}}", base),
	      spec_f("{\"id\": 9, \"xid\": \"9\", \"token\": \"abc\", \"both\": \"tmpl\"}"),
	      0, &r) == 0 &&
	      !strcmp(out_str(&r, "token"), "abc") && !strcmp(out_str(&r, "both"), "tmpl") &&
	      !strcmp(out_str(&r, "xid"), "9") && r.drift &&
	      json_object_size(r.drift) == 1 &&
	      is_json_pointer_get(r.drift, "/id/was"),
	      "httpbin: spec headers, template headers win, placeholders (%s)", msg(&r));
	result_release(&r);

	CHECK(call(IS_OP_UPDATE, spec_f("{\"url\": \"%s\", \"create\": \"POST /post\", "
	      "\"update\": {\"method\": \"PUT\", \"url\": \"/put?q={prior.name}\", \"body\": "
	      "{\"a\": 1, \"b\": [true, null], \"s\": \"{prior.name}\", \"n\": \"{prior.num}\", "
	      "\"t\": \"x-{prior.num}\"}, \"outputs\": {\"sent\": \"/json\", "
	      "\"ctype\": \"/headers/Content-Type\", \"q\": \"/args/q\"}}}", base),
	      spec_f("{\"name\": \"a b/c&x=1\", \"num\": 7}"), 0, &r) == 0 &&
	      !strcmp(out_str(&r, "ctype"), "application/json") &&
	      !strcmp(out_str(&r, "q"), "a b/c&x=1") &&
	      json_equal(json_object_get(r.outputs, "sent"), want),
	      "httpbin: a JSON body with typed placeholders, an encoded query (%s)", msg(&r));
	result_release(&r);
	json_decref(want);

	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/get\", \"method\": \"HEAD\"}", base),
	      NULL, 0, &r) == 0 && out_int(&r, "status") == 200 &&
	      json_object_size(r.outputs) == 1, "httpbin: HEAD (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/get\", \"outputs\": {\"x\": \"/nope\"}}",
	     base), NULL, 0, &r);
	CHECK(code_is(&r, "http-response") && has(&r, "no '/nope' for output 'x'"),
	      "httpbin: a missing output pointer fails (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/html\", \"outputs\": {\"x\": \"/a\"}}",
	     base), NULL, 0, &r);
	CHECK(has(&r, "the response is not JSON"), "httpbin: outputs from HTML fail (%s)", msg(&r));
	result_release(&r);

	t0 = now();
	for (i = 0; i < 8; i++) {
		par[i].base = base;
		pthread_create(&th[i], NULL, parallel_one, &par[i]);
	}
	all = 1;
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		all &= par[i].ok;
	}
	CHECK(all && now() - t0 < 3.5, "httpbin: 8 threads at once, in parallel (%.2f s)",
	      now() - t0);
}

static void tls(const char *base)
{
	struct is_provider_result r;

	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/\"}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-tls") && !r.retryable && has(&r, "TLS"),
	      "tls: a self-signed certificate is refused by default (%s)", msg(&r));
	result_release(&r);
	call(IS_OP_CREATE, spec_f("{\"url\": \"%s/\", \"insecure\": false}", base), NULL, 0, &r);
	CHECK(code_is(&r, "http-tls"), "tls: insecure false verifies (%s)", msg(&r));
	result_release(&r);
	CHECK(call(IS_OP_CREATE, spec_f("{\"url\": \"%s/\", \"insecure\": true}", base), NULL,
	      0, &r) == 0 && out_int(&r, "status") == 200,
	      "tls: insecure true accepts it (%s)", msg(&r));
	result_release(&r);
}

int main(void)
{
	const char *v;

	offline();
	if ((v = getenv("IS_TEST_JSON_SERVER")) && *v)
		crud(v);
	if ((v = getenv("IS_TEST_HTTPBIN")) && *v)
		httpbin(v);
	if ((v = getenv("IS_TEST_TLS")) && *v)
		tls(v);
	return UNIT_DONE();
}
