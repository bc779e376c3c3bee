#ifndef IS_ERROR_H
#define IS_ERROR_H
#include <stdarg.h>
#include <stdio.h>

/*
 * An error value: what went wrong and where. Library functions fill one and
 * return -1 (or NULL); only cmd/ decides how to report it and which exit code
 * follows (git's "return error(...)" habit).
 */
struct is_error {
	char *file;      /* owned; NULL when the error has no file */
	long line, col;  /* 1-based; 0 when unknown */
	char *code;      /* owned; short stable machine code, e.g. "yaml-syntax" */
	char *message;   /* owned; lowercase, no full stop */
	char *id;        /* owned; resource id the error is about, or NULL */
};

/* Exit codes shared by every command. */
enum { IS_EXIT_OK = 0, IS_EXIT_FAILURE = 1, IS_EXIT_USAGE = 2 };

#define IS_ERROR_INIT { 0 }

/* Fills err (releasing what it held) and returns -1, so callers can write
 * "return is_error_set(...)". file and code are copied. */
int is_error_set(struct is_error *err, const char *code, const char *file,
                 long line, long col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int is_error_vset(struct is_error *err, const char *code, const char *file,
                  long line, long col, const char *fmt, va_list ap);
/* Sets the resource id the error is about (copied). */
void is_error_set_id(struct is_error *err, const char *id);
/* Moves src into dst (dst released first); src is left empty. */
void is_error_move(struct is_error *dst, struct is_error *src);
void is_error_release(struct is_error *err);
/* "prog: file:line:col: message" on fp, the convention of every command. */
void is_error_print(const struct is_error *err, const char *prog, FILE *fp);
/* The same with a word before the message: "prog: file:1:2: warning: ...". */
void is_error_print_as(const struct is_error *err, const char *prog, const char *word,
                       FILE *fp);

#endif
