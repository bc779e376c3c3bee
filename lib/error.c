#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "xalloc.h"
#include "banned.h"

int is_error_vset(struct is_error *err, const char *code, const char *file,
                  long line, long col, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	is_error_release(err);
	err->file = file ? is_xstrdup(file) : NULL;
	err->line = line;
	err->col = col;
	err->code = is_xstrdup(code ? code : "error");
	err->message = is_xvasprintf(fmt, ap);
	return -1;
}

int is_error_set(struct is_error *err, const char *code, const char *file,
                 long line, long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	is_error_vset(err, code, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

void is_error_set_id(struct is_error *err, const char *id)
{
	free(err->id);
	err->id = id ? is_xstrdup(id) : NULL;
}

void is_error_move(struct is_error *dst, struct is_error *src)
{
	is_error_release(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

void is_error_release(struct is_error *err)
{
	if (!err)
		return;
	free(err->file);
	free(err->code);
	free(err->message);
	free(err->id);
	memset(err, 0, sizeof(*err));
}

void is_error_print(const struct is_error *err, const char *prog, FILE *fp)
{
	is_error_print_as(err, prog, NULL, fp);
}

void is_error_print_as(const struct is_error *err, const char *prog, const char *word,
                       FILE *fp)
{
	fprintf(fp, "%s: ", prog);
	if (err->file) {
		fprintf(fp, "%s:", err->file);
		if (err->line > 0)
			fprintf(fp, "%ld:", err->line);
		if (err->col > 0)
			fprintf(fp, "%ld:", err->col);
		fputc(' ', fp);
	}
	if (word)
		fprintf(fp, "%s: ", word);
	fprintf(fp, "%s\n", err->message ? err->message : "unknown error");
}
