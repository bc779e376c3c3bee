#include <stdarg.h>

#include "diag.h"
#include "banned.h"

void is_diag_report(struct is_diag *d, const char *severity, const struct is_error *e)
{
	if (severity[0] == 'e')
		d->errors++;
	else
		d->warnings++;
	if (d->emit)
		d->emit(d->ctx, severity, e);
}

static void report_v(struct is_diag *d, const char *severity, const char *code,
                     const char *file, long line, long col, const char *id,
                     const char *fmt, va_list ap)
{
	struct is_error e = IS_ERROR_INIT;

	is_error_vset(&e, code, file, line, col, fmt, ap);
	is_error_set_id(&e, id);
	is_diag_report(d, severity, &e);
	is_error_release(&e);
}

int is_diag_error(struct is_diag *d, const char *code, const char *file, long line,
                  long col, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_v(d, "error", code, file, line, col, id, fmt, ap);
	va_end(ap);
	return -1;
}

void is_diag_warning(struct is_diag *d, const char *code, const char *file, long line,
                     long col, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_v(d, "warning", code, file, line, col, id, fmt, ap);
	va_end(ap);
}

json_t *is_diag_record(const char *severity, const struct is_error *e)
{
	json_t *rec = json_object();

	json_object_set_new_nocheck(rec, "type", json_string("diagnostic"));
	json_object_set_new_nocheck(rec, "v", json_integer(1));
	json_object_set_new_nocheck(rec, "severity", json_string(severity));
	json_object_set_new_nocheck(rec, "code", json_string(e->code ? e->code : "error"));
	json_object_set_new_nocheck(rec, "message", json_string(e->message ? e->message : ""));
	json_object_set_new_nocheck(rec, "file", e->file ? json_string(e->file) : json_null());
	json_object_set_new_nocheck(rec, "line", json_integer(e->line));
	json_object_set_new_nocheck(rec, "col", json_integer(e->col));
	json_object_set_new_nocheck(rec, "id", e->id ? json_string(e->id) : json_null());
	return rec;
}
