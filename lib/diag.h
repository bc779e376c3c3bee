#ifndef IS_DIAG_H
#define IS_DIAG_H
#include <jansson.h>

#include "error.h"

/*
 * Where diagnostics go. A command keeps going after an error so one run shows
 * every problem (OpenBSD cat's habit), and remembers that it failed.
 */
struct is_diag {
	/* Called for each diagnostic; e is borrowed. */
	void (*emit)(void *ctx, const char *severity, const struct is_error *e);
	void *ctx;
	size_t errors, warnings;
};

void is_diag_report(struct is_diag *d, const char *severity, const struct is_error *e);
/* Fills a temporary error and reports it; returns -1. */
int is_diag_error(struct is_diag *d, const char *code, const char *file, long line,
                  long col, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
void is_diag_warning(struct is_diag *d, const char *code, const char *file, long line,
                     long col, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* A "diagnostic" record for e (new reference). */
json_t *is_diag_record(const char *severity, const struct is_error *e);

#endif
