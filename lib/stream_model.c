/*
 * The model of is-stream: runs, the latest status of each resource in each
 * run, diagnostics, and where resources were declared, built from records.
 * Records it does not know change nothing; a field it does not find is left
 * as it was, so a partial or reordered stream still shows what it can.
 */
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "xalloc.h"
#include "banned.h"

void is_stream_model_init(struct is_stream_model *m)
{
	memset(m, 0, sizeof(*m));
	is_strmap_init(&m->run_index);
	is_strmap_init(&m->sources);
	m->planned = -1;
	m->latest_ms = -1;
}

static void res_free(struct is_stream_res *r)
{
	free(r->id);
	free(r->kind);
	free(r->action);
	free(r->status_text);
	free(r->error);
	free(r);
}

static void run_free(struct is_stream_run *r)
{
	size_t i;

	for (i = 0; i < r->nres; i++)
		res_free(r->res[i]);
	free(r->res);
	is_strmap_release(&r->index);
	free(r->id);
	free(r->status);
	free(r->reason);
	free(r->started_at);
	free(r);
}

static void diag_free(struct is_stream_diag *d)
{
	free(d->severity);
	free(d->code);
	free(d->message);
	free(d->file);
	free(d->id);
	free(d);
}

void is_stream_model_release(struct is_stream_model *m)
{
	size_t i;
	const char *key;
	void *value;

	for (i = 0; i < m->nruns; i++)
		run_free(m->runs[i]);
	free(m->runs);
	for (i = 0; i < m->ndiags; i++)
		diag_free(m->diags[i]);
	free(m->diags);
	for (i = 0; is_strmap_next(&m->sources, &i, &key, &value);) {
		struct is_stream_source *s = value;

		free(s->file);
		free(s);
	}
	is_strmap_release(&m->sources);
	is_strmap_release(&m->run_index);
	memset(m, 0, sizeof(*m));
}

const char *is_stream_str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

static char *dup_field(const json_t *rec, const char *key)
{
	const char *s = is_stream_str(rec, key);

	return s ? is_xstrdup(s) : NULL;
}

/* Replaces *slot with a copy of the field when the record has it. */
static void take_field(char **slot, const json_t *rec, const char *key)
{
	const char *s = is_stream_str(rec, key);

	if (s) {
		free(*slot);
		*slot = is_xstrdup(s);
	}
}

static long num_field(const json_t *rec, const char *key, long dflt)
{
	json_t *v = json_object_get(rec, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

static struct is_stream_run *find_run(struct is_stream_model *m, const char *id)
{
	struct is_stream_run *r = is_strmap_get(&m->run_index, id);

	if (r)
		return r;
	r = is_xcalloc(1, sizeof(*r));
	r->id = is_xstrdup(id);
	r->status = is_xstrdup("RUNNING");
	r->start_ms = r->end_ms = r->elapsed_ms = -1;
	r->planned = m->planned;
	r->end_total = -1;
	m->planned = -1;
	is_strmap_init(&r->index);
	m->runs = is_xgrow(m->runs, &m->capruns, m->nruns + 1, sizeof(*m->runs));
	m->runs[m->nruns++] = r;
	is_strmap_put(&m->run_index, id, r);
	m->cur = r;
	return r;
}

static struct is_stream_res *find_res(struct is_stream_run *run, const char *id,
                                      const char *kind)
{
	struct is_stream_res *r = is_strmap_get(&run->index, id);

	if (r)
		return r;
	r = is_xcalloc(1, sizeof(*r));
	r->id = is_xstrdup(id);
	r->kind = kind ? is_xstrdup(kind) : NULL;
	r->group = kind ? !strcmp(kind, "MetaGroup") : !strncmp(id, "MetaGroup/", 10);
	r->status = -1;
	r->started_ms = r->at_ms = r->elapsed_ms = -1;
	run->res = is_xgrow(run->res, &run->capres, run->nres + 1, sizeof(*run->res));
	run->res[run->nres++] = r;
	is_strmap_put(&run->index, id, r);
	if (!r->group)
		run->resources++;
	return r;
}

static void apply_run(struct is_stream_model *m, const json_t *rec, int64_t at,
                      struct is_stream_change *ch)
{
	const char *id = is_stream_str(rec, "run");
	const char *phase = is_stream_str(rec, "phase");
	struct is_stream_run *r;

	if (!id || !phase)
		return;
	r = find_run(m, id);
	ch->run = r;
	if (json_is_true(json_object_get(rec, "dry_run")))
		r->dry_run = 1;
	take_field(&r->status, rec, "status");
	if (!strcmp(phase, "start")) {
		ch->kind = IS_STREAM_RUN_START;
		r->start_ms = at;
		take_field(&r->started_at, rec, "at");
		m->cur = r;
		return;
	}
	if (strcmp(phase, "end"))
		return;
	ch->kind = IS_STREAM_RUN_END;
	r->ended = 1;
	r->end_ms = at;
	r->elapsed_ms = num_field(rec, "elapsed_ms", -1);
	r->end_total = num_field(rec, "resources", -1);
	take_field(&r->reason, rec, "reason");
	if (r->start_ms < 0 && at >= 0 && r->elapsed_ms >= 0)
		r->start_ms = at - r->elapsed_ms;
}

/* What a DRIFTED event's drift names, for people: "gone", or "drifted:"
 * and the outputs that differ. */
static char *drift_text(const json_t *drift)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	const char *key;
	json_t *v;

	if (!json_is_object(drift))
		return NULL;
	if (json_is_true(json_object_get(drift, "gone")))
		return is_xstrdup("gone");
	is_strbuf_adds(&sb, "drifted:");
	json_object_foreach((json_t *)drift, key, v) {
		is_strbuf_addch(&sb, ' ');
		is_strbuf_adds(&sb, key);
	}
	return is_strbuf_detach(&sb, NULL);
}

static void apply_event(struct is_stream_model *m, const json_t *rec, int64_t at,
                        struct is_stream_change *ch)
{
	const char *run_id = is_stream_str(rec, "run");
	const char *id = is_stream_str(rec, "id");
	const char *status = is_stream_str(rec, "status");
	struct is_stream_run *run;
	struct is_stream_res *r;
	int st;

	if (!id || !status)
		return;
	run = run_id ? find_run(m, run_id) : m->cur ? m->cur : find_run(m, "-");
	r = find_res(run, id, is_stream_str(rec, "kind"));
	ch->kind = IS_STREAM_EVENT;
	ch->run = run;
	ch->res = r;
	ch->prev_status = r->status;
	st = is_stream_status_parse(status);
	if (!r->group && r->status >= 0)
		run->count[r->status]--;
	if (!r->group)
		run->count[st]++;
	if (is_stream_status_running(st) && !is_stream_status_running(r->status))
		r->started_ms = at;
	r->status = st;
	take_field(&r->status_text, rec, "status");
	take_field(&r->kind, rec, "kind");
	take_field(&r->action, rec, "action");
	r->attempt = (int)num_field(rec, "attempt", r->attempt);
	r->elapsed_ms = num_field(rec, "elapsed_ms", r->elapsed_ms);
	r->at_ms = at;
	r->rollback = json_is_true(json_object_get(rec, "rollback"));
	free(r->error);
	r->error = dup_field(rec, "error");
	if (!r->error && st == IS_ST_DRIFTED)
		r->error = drift_text(json_object_get(rec, "drift"));
	if (json_is_true(json_object_get(rec, "dry_run")))
		run->dry_run = 1;
}

static void apply_diagnostic(struct is_stream_model *m, const json_t *rec,
                             struct is_stream_change *ch)
{
	struct is_stream_diag *d = is_xcalloc(1, sizeof(*d));

	d->severity = dup_field(rec, "severity");
	d->code = dup_field(rec, "code");
	d->message = dup_field(rec, "message");
	d->file = dup_field(rec, "file");
	d->id = dup_field(rec, "id");
	d->line = num_field(rec, "line", 0);
	d->col = num_field(rec, "col", 0);
	m->diags = is_xgrow(m->diags, &m->capdiags, m->ndiags + 1, sizeof(*m->diags));
	m->diags[m->ndiags++] = d;
	ch->kind = IS_STREAM_DIAGNOSTIC;
	ch->diag = d;
}

static void apply_resource(struct is_stream_model *m, const json_t *rec,
                           struct is_stream_change *ch)
{
	const char *id = is_stream_str(rec, "id");
	const json_t *src = json_object_get(rec, "source");
	const char *file = is_stream_str(src, "file");
	struct is_stream_source *s;

	ch->kind = IS_STREAM_RESOURCE;
	if (!id || !file)
		return;
	s = is_strmap_get(&m->sources, id);
	if (!s) {
		s = is_xcalloc(1, sizeof(*s));
		is_strmap_put(&m->sources, id, s);
	}
	free(s->file);
	s->file = is_xstrdup(file);
	s->line = num_field(src, "line", 0);
	s->col = num_field(src, "col", 0);
}

/* A plan tells how many resources the run that follows (or is under way)
 * will have, which its events alone only tell at the end. */
static void apply_plan(struct is_stream_model *m, const json_t *rec,
                       struct is_stream_change *ch)
{
	long n = num_field(rec, "resources", -1);

	ch->kind = IS_STREAM_PLAN;
	if (m->cur && !m->cur->ended)
		m->cur->planned = n;
	else
		m->planned = n;
}

void is_stream_model_apply(struct is_stream_model *m, const json_t *rec,
                           struct is_stream_change *ch)
{
	const char *type = is_stream_str(rec, "type");
	const char *at_text = is_stream_str(rec, "at");
	int64_t at = at_text ? is_stream_time_parse(at_text) : -1;

	memset(ch, 0, sizeof(*ch));
	ch->kind = IS_STREAM_OTHER;
	ch->prev_status = -1;
	if (!type)
		return;
	if (at > m->latest_ms)
		m->latest_ms = at;
	if (!strcmp(type, "event"))
		apply_event(m, rec, at, ch);
	else if (!strcmp(type, "run"))
		apply_run(m, rec, at, ch);
	else if (!strcmp(type, "diagnostic"))
		apply_diagnostic(m, rec, ch);
	else if (!strcmp(type, "resource") || !strcmp(type, "group"))
		apply_resource(m, rec, ch);
	else if (!strcmp(type, "plan"))
		apply_plan(m, rec, ch);
}

const struct is_stream_source *is_stream_model_source(const struct is_stream_model *m,
                                                      const char *id)
{
	return id ? is_strmap_get(&m->sources, id) : NULL;
}

long is_stream_run_total(const struct is_stream_run *r)
{
	long n = r->resources;

	if (r->planned > n)
		n = r->planned;
	if (r->end_total > n)
		n = r->end_total;
	return n;
}

long is_stream_run_done(const struct is_stream_run *r)
{
	return r->count[IS_ST_READY] + r->count[IS_ST_FAILED] + r->count[IS_ST_SKIPPED] +
	       r->count[IS_ST_CANCELED] + r->count[IS_ST_DRIFTED];
}

int64_t is_stream_run_elapsed(const struct is_stream_run *r, int64_t now_ms)
{
	if (r->ended && r->elapsed_ms >= 0)
		return r->elapsed_ms;
	if (r->start_ms < 0)
		return -1;
	if (r->ended && r->end_ms >= r->start_ms)
		return r->end_ms - r->start_ms;
	return now_ms > r->start_ms ? now_ms - r->start_ms : 0;
}
