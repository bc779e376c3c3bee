#ifndef IS_XALLOC_H
#define IS_XALLOC_H
#include <stdarg.h>
#include <stddef.h>

/*
 * Allocation that cannot fail: on exhaustion the process reports and aborts,
 * because no caller here could do anything better with a NULL.
 */
void *is_xmalloc(size_t n);
void *is_xcalloc(size_t count, size_t size);
void *is_xrealloc(void *p, size_t n);
/* Grows *array so it holds at least want elements of size each (doubling). */
void *is_xgrow(void *array, size_t *capacity, size_t want, size_t size);
char *is_xstrdup(const char *s);
char *is_xstrndup(const char *s, size_t n);
/* Returns a new string the caller frees. */
char *is_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *is_xvasprintf(const char *fmt, va_list ap);

#endif
