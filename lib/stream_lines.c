/*
 * The lines format: one plain line per event, run record, plan and
 * diagnostic, for a log file or a terminal that is not one (CI, less,
 * a pipe). Time, id, status, action, elapsed time, error:
 *
 *   2026-11-23T14:48:56.123Z File/config READY create 12ms
 *
 * An error's newlines are written as \n so that a record stays one line.
 */
#include <string.h>

#include "stream.h"
#include "banned.h"

static void add_oneline(struct is_strbuf *sb, const char *text)
{
	size_t len = strlen(text);

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (; len > 0; text++, len--) {
		if (*text == '\n')
			is_strbuf_adds(sb, "\\n");
		else if (*text != '\r')
			is_strbuf_addch(sb, *text);
	}
}

static void event_line(struct is_stream_out *out, const json_t *rec,
                       const struct is_stream_change *ch)
{
	const struct is_stream_res *r = ch->res;
	const char *at = is_stream_str(rec, "at");
	char d[32];

	is_strbuf_addf(&out->buf, "%s %s ", at ? at : "-", r->id);
	is_stream_out_color(out, is_stream_status_sgr(r->status), r->status_text);
	if (r->action)
		is_strbuf_addf(&out->buf, " %s", r->action);
	if (json_is_integer(json_object_get(rec, "elapsed_ms")) &&
	    (is_stream_status_final(r->status) || r->status == IS_ST_STALLED)) {
		is_stream_duration(r->elapsed_ms, d);
		is_strbuf_addf(&out->buf, " %s", d);
	}
	if (r->attempt > 1)
		is_strbuf_addf(&out->buf, " attempt %d", r->attempt);
	if (r->rollback)
		is_strbuf_adds(&out->buf, " rollback");
	if (json_is_true(json_object_get(rec, "dry_run")))
		is_strbuf_adds(&out->buf, " dry-run");
	if (r->error) {
		is_strbuf_adds(&out->buf, ": ");
		add_oneline(&out->buf, r->error);
	}
	is_strbuf_addch(&out->buf, '\n');
}

/* The counts of an end record as written: "7 resources: 3 ready, 1 failed". */
static void end_counts(struct is_strbuf *sb, const json_t *rec)
{
	static const char *const keys[] = { "ready", "failed", "skipped", "canceled",
	                                    "rolled_back" };
	json_int_t total = json_integer_value(json_object_get(rec, "resources"));
	const char *sep = ": ";
	size_t i;

	is_strbuf_addf(sb, "%lld resource%s", (long long)total, total == 1 ? "" : "s");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_int_t n = json_integer_value(json_object_get(rec, keys[i]));

		if (n > 0) {
			is_strbuf_addf(sb, "%s%lld %s", sep, (long long)n, keys[i]);
			sep = ", ";
		}
	}
}

static void run_line(struct is_stream_out *out, const json_t *rec,
                     const struct is_stream_change *ch)
{
	const struct is_stream_run *r = ch->run;
	const char *at = is_stream_str(rec, "at");
	int st = is_stream_status_parse(r->status);
	char d[32];

	is_strbuf_addf(&out->buf, "%s run %s ", at ? at : "-", r->id);
	is_stream_out_color(out, st == IS_ST_READY || !strcmp(r->status, "SUCCEEDED")
	                    ? "32" : st == IS_ST_FAILED ? "1;31" :
	                    st == IS_ST_CANCELED ? "33" : NULL, r->status);
	if (r->dry_run)
		is_strbuf_adds(&out->buf, " dry-run");
	if (ch->kind == IS_STREAM_RUN_END) {
		is_stream_duration(r->elapsed_ms, d);
		is_strbuf_addf(&out->buf, " in %s, ", d);
		end_counts(&out->buf, rec);
		if (r->reason) {
			is_strbuf_adds(&out->buf, " (");
			add_oneline(&out->buf, r->reason);
			is_strbuf_addch(&out->buf, ')');
		}
	}
	is_strbuf_addch(&out->buf, '\n');
}

static void diagnostic_line(struct is_stream_out *out, const struct is_stream_diag *dg)
{
	const char *sev = dg->severity ? dg->severity : "error";

	if (dg->file && dg->line > 0 && dg->col > 0)
		is_strbuf_addf(&out->buf, "%s:%ld:%ld: ", dg->file, dg->line, dg->col);
	else if (dg->file && dg->line > 0)
		is_strbuf_addf(&out->buf, "%s:%ld: ", dg->file, dg->line);
	else if (dg->file)
		is_strbuf_addf(&out->buf, "%s: ", dg->file);
	is_stream_out_color(out, !strcmp(sev, "error") ? "1;31" : "33", sev);
	is_strbuf_adds(&out->buf, ": ");
	add_oneline(&out->buf, dg->message ? dg->message : "(no message)");
	if (dg->code)
		is_strbuf_addf(&out->buf, " [%s]", dg->code);
	is_strbuf_addch(&out->buf, '\n');
}

static void plan_line(struct is_stream_out *out, const json_t *rec)
{
	static const char *const keys[] = { "create", "update", "replace", "delete", "noop" };
	json_int_t total = json_integer_value(json_object_get(rec, "resources"));
	json_int_t levels = json_integer_value(json_object_get(rec, "levels"));
	const char *sep = ": ";
	size_t i;

	is_strbuf_addf(&out->buf, "plan %lld resource%s in %lld level%s", (long long)total,
	               total == 1 ? "" : "s", (long long)levels, levels == 1 ? "" : "s");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_int_t n = json_integer_value(json_object_get(rec, keys[i]));

		if (n > 0) {
			is_strbuf_addf(&out->buf, "%s%lld %s", sep, (long long)n, keys[i]);
			sep = ", ";
		}
	}
	is_strbuf_addch(&out->buf, '\n');
}

int is_stream_line(struct is_stream_out *out, const struct is_stream_model *m,
                   const json_t *rec, const struct is_stream_change *ch)
{
	(void)m;
	switch (ch->kind) {
	case IS_STREAM_EVENT: event_line(out, rec, ch); return 1;
	case IS_STREAM_RUN_START:
	case IS_STREAM_RUN_END: run_line(out, rec, ch); return 1;
	case IS_STREAM_DIAGNOSTIC: diagnostic_line(out, ch->diag); return 1;
	case IS_STREAM_PLAN: plan_line(out, rec); return 1;
	default: return 0;
	}
}

static void lines_record(void *st, struct is_stream_out *out,
                         const struct is_stream_model *m, const json_t *rec,
                         const struct is_stream_change *ch)
{
	(void)st;
	is_stream_line(out, m, rec, ch);
}

const struct is_stream_formatter is_stream_lines = {
	NULL, lines_record, NULL, NULL, NULL
};
