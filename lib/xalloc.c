#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "banned.h"

static void *checked(void *p)
{
	if (!p) {
		fputs("infrastream: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *is_xmalloc(size_t n)
{
	return checked(malloc(n ? n : 1));
}

void *is_xcalloc(size_t count, size_t size)
{
	return checked(calloc(count ? count : 1, size ? size : 1));
}

void *is_xrealloc(void *p, size_t n)
{
	return checked(realloc(p, n ? n : 1));
}

void *is_xgrow(void *array, size_t *capacity, size_t want, size_t size)
{
	size_t cap = *capacity;

	if (want <= cap)
		return array;
	if (cap < 8)
		cap = 8;
	while (cap < want)
		cap *= 2;
	if (cap > (size_t)-1 / size)
		checked(NULL);
	*capacity = cap;
	return is_xrealloc(array, cap * size);
}

char *is_xstrdup(const char *s)
{
	return checked(strdup(s));
}

char *is_xstrndup(const char *s, size_t n)
{
	return checked(strndup(s, n));
}

char *is_xvasprintf(const char *fmt, va_list ap)
{
	char *out = NULL;

	if (vasprintf(&out, fmt, ap) < 0)
		checked(NULL);
	return out;
}

char *is_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = is_xvasprintf(fmt, ap);
	va_end(ap);
	return out;
}
