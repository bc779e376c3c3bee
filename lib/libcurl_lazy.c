/*
 * libcurl, loaded when first used, for the reason libpq is (libpq_lazy.c):
 * libcurl brings its own libraries (HTTP/2, SSH, LDAP, Kerberos, IDN...)
 * into every is-exec and is-stream start, about 3.5 ms, though only the Http
 * provider and --webhook need it. So no command links it: the functions the
 * project calls are defined here under libcurl's names and forward to
 * libcurl.so.4, opened by the first of them that runs.
 *
 * curl_easy_setopt and curl_easy_getinfo take one argument after the
 * option, of a type the option's number says (curl.h's CURLOPTTYPE_* and
 * CURLINFO_* ranges), which is how libcurl itself reads them.
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>

#include "lazy_lib.h"
#include "banned.h"


/* X(return type, name, parameters, arguments); XV for void functions. */
#define CURL_FUNCTIONS(X, XV) \
	X(CURLcode, curl_global_init, (long flags), (flags)) \
	XV(curl_global_cleanup, (void), ()) \
	X(CURL *, curl_easy_init, (void), ()) \
	XV(curl_easy_cleanup, (CURL *curl), (curl)) \
	X(CURLcode, curl_easy_perform, (CURL *curl), (curl)) \
	X(const char *, curl_easy_strerror, (CURLcode code), (code)) \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *list, const char *s), \
	  (list, s)) \
	XV(curl_slist_free_all, (struct curl_slist *list), (list)) \
	X(time_t, curl_getdate, (const char *date, const time_t *unused), (date, unused))

#define POINTER(ret, name, params, args) ret (*name) params;
#define VOID_POINTER(name, params, args) void (*name) params;
static struct {
	CURL_FUNCTIONS(POINTER, VOID_POINTER)
	CURLcode (*curl_easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*curl_easy_getinfo)(CURL *curl, CURLINFO info, ...);
} cu;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static struct is_lazy_lib lib = { "libcurl.so.4", "HTTP", "libcurl4", NULL };

static void load(void)
{
	is_lazy_open(&lib);
#define RESOLVE(ret, name, params, args) is_lazy_resolve(&lib, #name, &cu.name);
#define VOID_RESOLVE(name, params, args) is_lazy_resolve(&lib, #name, &cu.name);
	CURL_FUNCTIONS(RESOLVE, VOID_RESOLVE)
	is_lazy_resolve(&lib, "curl_easy_setopt", &cu.curl_easy_setopt);
	is_lazy_resolve(&lib, "curl_easy_getinfo", &cu.curl_easy_getinfo);
}

#define FORWARD(ret, name, params, args) \
	ret name params \
	{ \
		pthread_once(&loaded, load); \
		return cu.name args; \
	}
#define VOID_FORWARD(name, params, args) \
	void name params \
	{ \
		pthread_once(&loaded, load); \
		cu.name args; \
	}
CURL_FUNCTIONS(FORWARD, VOID_FORWARD)

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	pthread_once(&loaded, load);
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = cu.curl_easy_setopt(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = cu.curl_easy_setopt(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = cu.curl_easy_setopt(curl, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		rc = cu.curl_easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else
		rc = cu.curl_easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	pthread_once(&loaded, load);
	va_start(ap, info);
	rc = cu.curl_easy_getinfo(curl, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}
