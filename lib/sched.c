/*
 * The scheduler. Everything here runs on the loop thread except the provider
 * calls of blocking providers, which run on libuv's thread pool and touch
 * only their own node's request and result.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "drift.h"
#include "event.h"
#include "json.h"
#include "ndjson_thread.h"
#include "promise.h"
#include "provider_noop.h"
#include "run_id.h"
#include "sched.h"
#include "sched_record.h"
#include "strmap.h"
#include "xalloc.h"
#include "banned.h"

enum action { A_CREATE, A_UPDATE, A_REPLACE, A_DELETE, A_NOOP };
static const char *const action_names[] = { "create", "update", "replace", "delete",
                                            "noop" };

enum phase { P_UNSEEN, P_WAITING, P_QUEUED, P_RUNNING, P_RETRY, P_DONE };

enum { KILL_AFTER_MS = 2000, HARD_STOP_MS = 5000, MAX_POOL = 256, INTENTS_AHEAD = 512 };

struct kindq;

struct node {
	const char *id;               /* the map's key */
	const char *kind;             /* the kind queue's name */
	struct is_sched_record *rec;  /* owned; NULL until the record is read */
	enum phase phase;
	enum is_status status;        /* the last status written */
	enum action action;
	int gate, placeholder_failed, created, abandoned, timed_out;
	int placed;                   /* its first event said where it sits */
	int reading, read_done;       /* a read before its action (--refresh) */
	int intended;                 /* an intent is recorded for intent_for */
	enum action intent_for;
	int stage;                    /* replace: 0 deleting, 1 creating */
	size_t pending;               /* dependencies not READY yet */
	struct node **dependents;
	size_t ndependents, dependents_cap;
	double critical;
	long order;
	size_t arrival, heap_index;
	int attempt, retries, retries_set;
	double timeout, expected;
	uint64_t t_start, t_attempt;  /* loop time, ms */
	json_t *outputs;              /* owned: READY outputs (or prior) */
	json_t *spec;                 /* owned: the resolved spec */
	json_t *old_spec;             /* owned: a replace's recorded one, resolved */
	char *last_error;             /* owned: the previous attempt's error */
	const struct is_provider *prov;
	struct kindq *kq;
	int rc;
	struct is_provider_request req;
	struct is_provider_result res;
	uv_work_t work;
	uv_timer_t timer, stall, kill;   /* timeout or retry wait; STALLED; SIGKILL */
	int timer_on, stall_on, kill_on;
};

struct kindq {
	const char *kind;
	int limit, running;
	struct node **heap;
	size_t n, cap;
	const struct is_provider *prov;
	int looked_up;
	char *find_error;
};

struct sched {
	const struct is_sched_config *cfg;
	struct is_sched_summary *sum;
	uv_loop_t loop;
	uv_prepare_t flush;
	uv_signal_t sigint, sigterm;
	uv_timer_t grace, hard;
	int grace_on, hard_on;
	struct is_ndjson_thread input;
	struct is_sched_scanner scanner;   /* the reader thread's */
	struct is_strbuf fields;     /* an event's fields from its record */
	struct is_event_out out;
	struct is_strmap nodes;      /* id -> struct node */
	struct node **all;
	size_t nall, all_cap;
	struct is_strmap kinds;      /* kind -> struct kindq */
	struct kindq **queues;       /* the same, to go through them quickly */
	size_t nqueues, queues_cap;
	struct node **stack;         /* settle's work list, kept between calls */
	size_t nstack, stack_cap;
	struct node **instant;       /* gates, noops and dry runs: no provider call */
	size_t ninstant, instant_cap, instant_head;
	struct node **intending;     /* provider calls waiting for their intents */
	size_t nintending, intending_cap;
	struct node **created;       /* READY by a create of this run, in order */
	size_t ncreated, created_cap;
	size_t running, retrying;
	size_t arrivals;
	int eof, stopping, dispatching, finished, ended, signals;
	int rolling_back;
	size_t rb_next;
	char *stop_reason;
	json_t *dry;                 /* {"dry_run": true} with --dry-run, else NULL */
	uint64_t t0;
};

static void report(struct sched *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct sched *s, const char *fmt, ...)
{
	va_list ap;
	char *msg, *clean;

	va_start(ap, fmt);
	msg = is_xvasprintf(fmt, ap);
	va_end(ap);
	clean = s->cfg->secrets ? is_secrets_redact_str(s->cfg->secrets, msg) : msg;
	if (s->cfg->report)
		s->cfg->report(s->cfg->report_ctx, clean);
	if (clean != msg)
		free(clean);
	free(msg);
}

int is_sched_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n * 4 < 4 ? 4 : (int)(n * 4 > 1024 ? 1024 : n * 4);
}

/* ---- the ready queues: one heap per kind, best first ---- */

static int better(const struct node *a, const struct node *b)
{
	if (a->critical != b->critical)
		return a->critical > b->critical;
	if (a->order != b->order)
		return a->order < b->order;
	return a->arrival < b->arrival;
}

static void heap_swap(struct kindq *q, size_t i, size_t j)
{
	struct node *t = q->heap[i];

	q->heap[i] = q->heap[j];
	q->heap[j] = t;
	q->heap[i]->heap_index = i;
	q->heap[j]->heap_index = j;
}

static void heap_push(struct kindq *q, struct node *n)
{
	size_t i = q->n;

	q->heap = is_xgrow(q->heap, &q->cap, q->n + 1, sizeof(*q->heap));
	q->heap[q->n++] = n;
	n->heap_index = i;
	while (i > 0 && better(q->heap[i], q->heap[(i - 1) / 2])) {
		heap_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static struct node *heap_pop(struct kindq *q)
{
	struct node *top = q->heap[0];
	size_t i = 0;

	q->heap[0] = q->heap[--q->n];
	q->heap[0]->heap_index = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = i;

		if (l < q->n && better(q->heap[l], q->heap[best]))
			best = l;
		if (r < q->n && better(q->heap[r], q->heap[best]))
			best = r;
		if (best == i)
			break;
		heap_swap(q, i, best);
		i = best;
	}
	return top;
}

static struct kindq *kind_queue(struct sched *s, const char *kind)
{
	struct kindq *q = is_strmap_get(&s->kinds, kind);
	size_t i;

	if (q)
		return q;
	q = is_xcalloc(1, sizeof(*q));
	is_strmap_put(&s->kinds, kind, q);
	q->kind = is_strmap_key(&s->kinds, kind);
	s->queues = is_xgrow(s->queues, &s->queues_cap, s->nqueues + 1, sizeof(*s->queues));
	s->queues[s->nqueues++] = q;
	for (i = 0; i < s->cfg->nlimits; i++)
		if (!strcmp(s->cfg->limits[i].kind, kind))
			q->limit = s->cfg->limits[i].limit;
	return q;
}

/* ---- events ---- */

static long elapsed(struct sched *s, const struct node *n)
{
	return n->t_start ? (long)(uv_now(&s->loop) - n->t_start) : 0;
}

/*
 * A node's first event also says where the node sits in the graph (deps,
 * group, members, level, order), so a reader of the events alone, such as
 * the live graph of is-stream --serve, can draw it; and a READY event of a
 * create, update or replace carries the resource's hash, spec, deps and
 * labels, so the ledger records the new state. Both are copied from the
 * record's text, into s->fields (resource part, then place part).
 */
static void emit(struct sched *s, struct node *n, enum is_status st, const json_t *outputs,
                 const char *error, const json_t *extra)
{
	static const enum is_sched_field resource[] = { IS_SCHED_HASH, IS_SCHED_SPEC,
	                                                IS_SCHED_DEPS, IS_SCHED_LABELS };
	static const enum is_sched_field place[] = { IS_SCHED_DEPS, IS_SCHED_GROUP_OF,
	                                             IS_SCHED_MEMBERS, IS_SCHED_LEVEL,
	                                             IS_SCHED_ORDER };
	struct is_strbuf *sb = &s->fields;
	struct is_event ev;
	int has_resource;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	ev.id = n->id;
	ev.kind = n->kind;
	ev.status = st;
	ev.action = action_names[n->action];
	ev.attempt = n->attempt;
	ev.outputs = outputs;
	ev.error = error;
	ev.elapsed_ms = st == IS_ST_PENDING ? -1 : elapsed(s, n);
	ev.extra = extra ? extra : s->dry;
	n->status = st;
	if (s->ended)
		return;
	is_strbuf_reset(sb);
	has_resource = st == IS_ST_READY && !n->gate && n->action <= A_REPLACE && n->rec;
	if (has_resource)
		for (i = 0; i < sizeof(resource) / sizeof(*resource); i++)
			is_sched_record_add_field(n->rec, resource[i], 0, sb);
	ev.resource = sb->buf;
	ev.resource_len = sb->len;
	if (!n->placed && n->rec) {
		/* An event with its resource attached already wrote deps. */
		for (i = has_resource; i < sizeof(place) / sizeof(*place); i++)
			is_sched_record_add_field(n->rec, place[i], 1, sb);
		n->placed = 1;
	}
	ev.place = sb->buf + ev.resource_len;
	ev.place_len = sb->len - ev.resource_len;
	if (is_event_write(&s->out, &ev) < 0 && (st == IS_ST_READY || st == IS_ST_FAILED))
		report(s, "unrecorded (standard output is closed): %s %s", n->id,
		       is_status_name(st));
}


/* ---- settling: a node reaches READY, FAILED, SKIPPED or CANCELED ---- */

static void stop(struct sched *s, const char *reason);
static void make_ready(struct sched *s, struct node *n);

static void release_work(struct node *n)
{
	json_decref(n->spec);
	n->spec = NULL;
	json_decref(n->old_spec);
	n->old_spec = NULL;
	free(n->last_error);
	n->last_error = NULL;
}

static void close_timer(uv_timer_t *t, int *on)
{
	if (*on)
		uv_timer_stop(t);
}

static void count(struct sched *s, struct node *n, enum is_status st)
{
	if (n->gate || !n->rec)
		return;
	switch (st) {
	case IS_ST_READY: s->sum->ready++; break;
	case IS_ST_FAILED: s->sum->failed++; break;
	case IS_ST_SKIPPED: s->sum->skipped++; break;
	case IS_ST_CANCELED: s->sum->canceled++; break;
	default: break;
	}
}

/*
 * Settles n with st and carries the news to its dependents: READY releases
 * them, anything else skips them (with the reason), iteratively so a chain of
 * a million does not recurse.
 */
static void settle_ex(struct sched *s, struct node *n, enum is_status st,
                      const char *error, const json_t *extra)
{
	size_t base = s->nstack, i;

	n->phase = P_DONE;
	close_timer(&n->stall, &n->stall_on);
	if (n->rec)
		emit(s, n, st, st == IS_ST_READY ? n->outputs : NULL, error, extra);
	else
		n->status = st;
	count(s, n, st);
	/* A stack of the sched's own, used above base: no allocation per call,
	 * and a settle that starts inside this one would still be safe. */
	s->stack = is_xgrow(s->stack, &s->stack_cap, s->nstack + 1, sizeof(*s->stack));
	s->stack[s->nstack++] = n;
	while (s->nstack > base) {
		struct node *d = s->stack[--s->nstack];

		for (i = 0; i < d->ndependents; i++) {
			struct node *x = d->dependents[i];
			char *why;

			if (x->phase == P_DONE)
				continue;
			if (d->status == IS_ST_READY || d->status == IS_ST_DRIFTED) {
				if (--x->pending == 0 && x->phase == P_WAITING)
					make_ready(s, x);
				continue;
			}
			if (!d->rec)
				why = is_xasprintf("dependency %s is not in the input", d->id);
			else
				why = is_xasprintf("dependency %s is %s", d->id,
				                   is_status_name(d->status));
			x->phase = P_DONE;
			if (x->rec) {
				emit(s, x, IS_ST_SKIPPED, NULL, why, NULL);
				count(s, x, IS_ST_SKIPPED);
			}
			x->status = IS_ST_SKIPPED;
			free(why);
			s->stack = is_xgrow(s->stack, &s->stack_cap, s->nstack + 1,
			                    sizeof(*s->stack));
			s->stack[s->nstack++] = x;
		}
	}
	if (st == IS_ST_FAILED && n->rec && !s->stopping) {
		if (s->cfg->fail_fast)
			stop(s, "--fail-fast: a resource failed");
		else if (s->cfg->atomic)
			stop(s, "--atomic: a resource failed");
	}
}

static void settle(struct sched *s, struct node *n, enum is_status st, const char *error)
{
	settle_ex(s, n, st, error, NULL);
}

/* ---- reading records ---- */

static struct node *get_node(struct sched *s, const char *id)
{
	struct node *n = is_strmap_get(&s->nodes, id);

	if (n)
		return n;
	n = is_xcalloc(1, sizeof(*n));
	is_strmap_put(&s->nodes, id, n);
	n->id = is_strmap_key(&s->nodes, id);
	s->all = is_xgrow(s->all, &s->all_cap, s->nall + 1, sizeof(*s->all));
	s->all[s->nall++] = n;
	return n;
}

static enum action parse_action(const char *a, int gate)
{
	size_t i;

	if (a)
		for (i = 0; i < sizeof(action_names) / sizeof(*action_names); i++)
			if (!strcmp(a, action_names[i]))
				return (enum action)i;
	return gate ? A_NOOP : A_CREATE;
}

static void add_dep(struct sched *s, struct node *n, const char *id, char **skip)
{
	struct node *d = get_node(s, id);

	if (d == n)
		return;
	if (d->phase == P_DONE) {
		if (d->status != IS_ST_READY && d->status != IS_ST_DRIFTED && !*skip)
			*skip = is_xasprintf("dependency %s is %s", d->id,
			                     is_status_name(d->status));
		return;
	}
	d->dependents = is_xgrow(d->dependents, &d->dependents_cap, d->ndependents + 1,
	                         sizeof(*d->dependents));
	d->dependents[d->ndependents++] = n;
	n->pending++;
}

static void add_record(struct sched *s, struct is_sched_record *rec)
{
	const char *type = rec->type == IS_SCHED_GROUP ? "group" : "resource";
	struct node *n;
	char *skip = NULL;
	size_t i;

	if (!rec->id) {
		report(s, "%s: a %s record without an id is ignored", s->cfg->input_name, type);
		s->sum->input_errors++;
		is_sched_record_free(rec);
		return;
	}
	n = get_node(s, rec->id);
	if (n->rec) {
		report(s, "%s: duplicate record for '%s' is ignored", s->cfg->input_name,
		       rec->id);
		s->sum->input_errors++;
		is_sched_record_free(rec);
		return;
	}
	n->rec = rec;
	n->gate = rec->type == IS_SCHED_GROUP;
	n->kq = kind_queue(s, rec->kind ? rec->kind : n->gate ? "MetaGroup" : "");
	n->kind = n->kq->kind;
	n->action = parse_action(rec->action, n->gate);
	n->critical = rec->critical;
	n->order = rec->has_order ? rec->order : (long)s->arrivals;
	n->arrival = s->arrivals++;
	n->retries_set = rec->retries_set;
	n->retries = rec->retries;
	n->timeout = rec->timeout;
	n->expected = rec->expected;
	if (!n->gate)
		s->sum->resources++;
	n->phase = P_WAITING;
	for (i = 0; i < rec->ndeps; i++)
		add_dep(s, n, rec->deps[i], &skip);
	/* What its groups wait for (is-graph's "after"): waited for the same way. */
	for (i = 0; i < rec->nafter; i++)
		add_dep(s, n, rec->after[i], &skip);
	if (n->gate)
		for (i = 0; i < rec->nmembers; i++)
			add_dep(s, n, rec->members[i], &skip);
	if (s->stopping) {
		settle(s, n, IS_ST_CANCELED, s->stop_reason);
	} else if (skip) {
		settle(s, n, IS_ST_SKIPPED, skip);
	} else if (n->pending == 0) {
		make_ready(s, n);
	} else if (!n->gate) {
		emit(s, n, IS_ST_PENDING, NULL, NULL, NULL);
	}
	free(skip);
}

static void dispatch(struct sched *s);
static void maybe_finish(struct sched *s);

/* Takes one input line: a record the scheduler runs (kept), or one it
 * passes on as it came. */
static void take_item(struct sched *s, struct is_ndjson_item *it)
{
	struct is_sched_record *rec = it->value;

	if (!rec) {
		struct is_error *e = &it->err;

		report(s, "%s:%ld:%ld: %s", e->file ? e->file : s->cfg->input_name, e->line,
		       e->col, e->message ? e->message : "bad record");
		s->sum->input_errors++;
		return;
	}
	if (rec->type == IS_SCHED_RESOURCE || rec->type == IS_SCHED_GROUP) {
		add_record(s, rec);
		return;
	}
	if (rec->type == IS_SCHED_DIAGNOSTIC && rec->severity_error && !s->sum->refused) {
		s->sum->refused = 1;
		report(s, "the input has errors (%s): refusing to run anything",
		       rec->message ? rec->message : "an error diagnostic");
		stop(s, "the input has errors");
	}
	is_event_raw(&s->out, rec->text, rec->len);
	is_sched_record_free(rec);
}

static void on_input(uv_async_t *a)
{
	struct sched *s = a->data;
	struct is_ndjson_batch *b, *next;
	size_t i;
	int eof;

	b = is_ndjson_thread_take(&s->input, &eof);
	for (; b; b = next) {
		next = b->next;
		for (i = 0; i < b->n; i++) {
			if (!s->ended)
				take_item(s, &b->items[i]);
			else
				is_sched_record_free(b->items[i].value);
		}
		is_ndjson_batch_free(b);
	}
	if (eof && !s->eof) {
		s->eof = 1;
		uv_close((uv_handle_t *)&s->input.async, NULL);
	}
	dispatch(s);
	maybe_finish(s);
}

/* On the reader thread: a line scanned into a record. */
static void *read_line(const char *text, size_t len, const char *name, long line,
                       struct is_error *err, void *ctx)
{
	return is_sched_record_read(ctx, text, len, name, line, err);
}

static void free_record(void *rec)
{
	is_sched_record_free(rec);
}

/* ---- running ---- */

static json_t *outputs_of(const char *id, void *ctx)
{
	struct sched *s = ctx;
	struct node *n = is_strmap_get(&s->nodes, id);

	if (!n || !n->rec)
		return NULL;
	if (n->status == IS_ST_READY && n->outputs)
		return n->outputs;
	return is_sched_record_prior(n->rec);
}

/* A delete's references: the outputs recorded with it (depOutputs), which
 * its dependencies, deleted after it or not run at all, may not have now. */
struct delete_outputs {
	struct sched *s;
	json_t *recorded;
};

static json_t *delete_outputs_of(const char *id, void *ctx)
{
	struct delete_outputs *d = ctx;
	json_t *v = json_object_get(d->recorded, id);

	return v ? v : outputs_of(id, d->s);
}

/*
 * --refresh: a resource planned noop or update is read first, unless its
 * metadata.refresh is false; what the read finds decides what is done
 * (finish_read).
 */
static int wants_read(struct node *n, const struct is_sched_config *cfg)
{
	json_t *meta;

	if (n->gate || n->read_done || !n->rec)
		return 0;
	if (n->action != A_NOOP && n->action != A_UPDATE)
		return 0;
	/* -n calls no provider at all; --refresh-only reads. */
	if (cfg->dry_run && !cfg->refresh)
		return 0;
	/* A change left pending by a run that died: look before acting. */
	if (json_is_object(is_sched_record_pending(n->rec)))
		return 1;
	/* Recorded outputs with a secret in them ("***" in the ledger): the
	 * read hands dependents the real value (see after_read). */
	if (n->action == A_NOOP && is_json_redacted(is_sched_record_prior(n->rec)))
		return 1;
	if (!cfg->refresh)
		return 0;
	if (!is_sched_record_prior(n->rec))
		return 0;
	meta = is_sched_record_metadata(n->rec);
	return !json_is_false(json_object_get(meta, "refresh"));
}

/*
 * A noop whose spec uses an output that changed in this run (a dependency
 * updated or replaced came back with another value there) was applied with
 * the old value: it is updated with the new one, the way Terraform plans a
 * value "known after apply". A change to an output it does not use leaves it
 * noop, and so does a recorded value the ledger keeps as "***": what it was
 * cannot be known, and a secret that was rotated is not a spec change.
 */
static int stale_noop(struct sched *s, struct node *n)
{
	json_t *refs, *ref;
	size_t i;

	/* A pending resource is read first, and the read decides. */
	if (n->gate || n->action != A_NOOP || !n->rec || s->cfg->dry_run ||
	    json_is_object(is_sched_record_pending(n->rec)))
		return 0;
	refs = is_sched_record_refs(n->rec);
	json_array_foreach(refs, i, ref) {
		const char *id = json_string_value(json_object_get(ref, "id"));
		const char *at = json_string_value(json_object_get(ref, "output"));
		struct node *dep = id ? is_strmap_get(&s->nodes, id) : NULL;
		json_t *prior, *was, *now;

		if (!dep || !dep->rec || !dep->outputs || !at)
			continue;
		prior = is_sched_record_prior(dep->rec);
		/* A noop's outputs are its prior ones, the same reference; with
		 * none recorded (a create that never reached the ledger) what n
		 * was applied with is not known. */
		if (dep->outputs == prior || !prior)
			continue;
		was = is_json_pointer_get(prior, at);
		now = is_json_pointer_get(dep->outputs, at);
		if (was && is_json_redacted(was))
			continue;
		if (!was || !now || !json_equal(was, now))
			return 1;
	}
	return 0;
}

static void make_ready(struct sched *s, struct node *n)
{
	if (stale_noop(s, n))
		n->action = A_UPDATE;
	if (wants_read(n, s->cfg)) {
		n->reading = 1;
		n->phase = P_QUEUED;
		heap_push(n->kq, n);
		return;
	}
	if (n->gate || n->action == A_NOOP || s->cfg->dry_run) {
		n->phase = P_QUEUED;
		s->instant = is_xgrow(s->instant, &s->instant_cap, s->ninstant + 1,
		                      sizeof(*s->instant));
		s->instant[s->ninstant++] = n;
		return;
	}
	n->phase = P_QUEUED;
	heap_push(n->kq, n);
}

static enum is_status start_status(const struct node *n)
{
	switch (n->action) {
	case A_UPDATE: return IS_ST_UPDATING;
	case A_DELETE: return IS_ST_DELETING;
	case A_REPLACE: return n->stage == 0 ? IS_ST_DELETING : IS_ST_CREATING;
	default: return IS_ST_CREATING;
	}
}

static enum is_provider_op start_op(const struct node *n)
{
	switch (n->action) {
	case A_UPDATE: return IS_OP_UPDATE;
	case A_DELETE: return IS_OP_DELETE;
	case A_REPLACE: return n->stage == 0 ? IS_OP_DELETE : IS_OP_CREATE;
	default: return IS_OP_CREATE;
	}
}

static void run_instant(struct sched *s, struct node *n)
{
	json_t *prior = is_sched_record_prior(n->rec);

	if (n->phase == P_DONE)
		return;
	if (s->stopping) {
		settle(s, n, IS_ST_CANCELED, s->stop_reason);
		return;
	}
	if (n->gate || n->action == A_NOOP) {
		n->outputs = n->gate ? NULL : json_incref(prior);
		settle(s, n, IS_ST_READY, NULL);
		return;
	}
	/* --dry-run: what would happen, without the provider. */
	n->attempt = 1;
	n->t_start = uv_now(&s->loop);
	emit(s, n, start_status(n), NULL, NULL, NULL);
	if (n->action == A_REPLACE) {
		n->stage = 1;
		emit(s, n, start_status(n), NULL, NULL, NULL);
	}
	n->outputs = n->action == A_DELETE ? NULL : json_incref(prior);
	settle(s, n, IS_ST_READY, NULL);
}

static void finish_attempt(struct sched *s, struct node *n);
static int provider_blocks(const struct node *n);
static void dispatch(struct sched *s);
static void maybe_finish(struct sched *s);
static void close_cb_noop(uv_handle_t *h);

static void work_cb(uv_work_t *w)
{
	struct node *n = w->data;

	n->rc = n->prov->call(n->prov, &n->req, &n->res);
}

static void after_work_cb(uv_work_t *w, int status)
{
	struct node *n = w->data;
	struct sched *s = w->loop->data;

	(void)status;
	finish_attempt(s, n);
	dispatch(s);
	maybe_finish(s);
}

static void on_kill(uv_timer_t *t)
{
	struct node *n = t->data;

	if (n->req.pgid > 0)
		kill(-(pid_t)n->req.pgid, SIGKILL);
}

static void kill_group(struct sched *s, struct node *n, int sig)
{
	if (n->req.pgid > 0)
		kill(-(pid_t)n->req.pgid, sig);
	if (sig == SIGTERM && !n->kill_on) {
		uv_timer_init(&s->loop, &n->kill);
		n->kill.data = n;
		n->kill_on = 1;
	}
	if (sig == SIGTERM)
		uv_timer_start(&n->kill, on_kill, KILL_AFTER_MS, 0);
}

static void on_timeout(uv_timer_t *t)
{
	struct node *n = t->data;
	struct sched *s = t->loop->data;

	n->timed_out = 1;
	kill_group(s, n, SIGTERM);
}

static void on_stall(uv_timer_t *t)
{
	struct node *n = t->data;
	struct sched *s = t->loop->data;

	if (n->phase == P_RUNNING || n->phase == P_RETRY)
		emit(s, n, IS_ST_STALLED, NULL, NULL, NULL);
}

static void call_provider_now(struct sched *s, struct node *n);

static int needs_intent(const struct node *n)
{
	return !n->reading && !(n->intended && n->intent_for == n->action);
}

/*
 * With cfg->intend (is-exec --ledger), a call that may change something
 * waits until its intent is recorded: the calls that start in one pass of
 * dispatch share one commit (flush_intents).
 */
static void call_provider(struct sched *s, struct node *n)
{
	if (s->cfg->intend && needs_intent(n)) {
		s->intending = is_xgrow(s->intending, &s->intending_cap, s->nintending + 1,
		                        sizeof(*s->intending));
		s->intending[s->nintending++] = n;
		return;
	}
	call_provider_now(s, n);
}

static void call_provider_now(struct sched *s, struct node *n)
{
	json_t *extra = NULL;

	n->req.op = n->reading ? IS_OP_READ : start_op(n);
	n->req.spec = n->action == A_REPLACE && n->stage == 0 && n->old_spec ? n->old_spec
	                                                                  : n->spec;
	n->req.attempt = n->attempt;
	n->req.pgid = 0;
	n->timed_out = 0;
	is_provider_result_init(&n->res);
	if (n->last_error)
		extra = json_pack("{s:s}", "retry_error", n->last_error);
	/* A read changes nothing: it has no status of its own. */
	if (!n->reading)
		emit(s, n, start_status(n), NULL, NULL, extra);
	json_decref(extra);
	n->t_attempt = uv_now(&s->loop);
	if (n->timeout > 0) {
		if (!n->timer_on) {
			uv_timer_init(&s->loop, &n->timer);
			n->timer.data = n;
			n->timer_on = 1;
		}
		uv_timer_start(&n->timer, on_timeout, (uint64_t)(n->timeout * 1000), 0);
	}
	if (provider_blocks(n)) {
		n->work.data = n;
		uv_queue_work(&s->loop, &n->work, work_cb, after_work_cb);
		return;
	}
	n->rc = n->prov->call(n->prov, &n->req, &n->res);
	finish_attempt(s, n);
}

static void release_slot(struct sched *s, struct node *n)
{
	s->running--;
	n->kq->running--;
}

static void fail_now(struct sched *s, struct node *n, const char *msg);

/* Field f of the record as JSON text without its key (a new string), or
 * NULL; a string's quotes are kept unless unquote. */
static char *field_text(struct is_sched_record *rec, enum is_sched_field f, int unquote)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	char *colon, *text = NULL;
	size_t len;

	is_sched_record_add_field(rec, f, 1, &sb);
	if (sb.buf && (colon = strchr(sb.buf + 2, ':')) != NULL) {
		text = colon + 1;
		len = sb.len - (size_t)(text - sb.buf);
		if (unquote && len >= 2 && text[0] == '"') {
			text++;
			len -= 2;
		}
		text = is_xstrndup(text, len);
	}
	is_strbuf_release(&sb);
	return text;
}

/*
 * Up to INTENTS_AHEAD resources already waiting in the ready queues, whose
 * intents go in the same commit: they start within moments, and a provider
 * that does not block (Noop) would otherwise pay a commit for every -j of
 * them. Appended to *batch (n of them, cap *cap); returns the new n.
 */
static size_t intents_ahead(struct sched *s, struct node ***batch, size_t n, size_t *cap)
{
	size_t i, j, added = 0;

	for (i = 0; i < s->nqueues && added < INTENTS_AHEAD; i++) {
		struct kindq *q = s->queues[i];

		for (j = 0; j < q->n && added < INTENTS_AHEAD; j++) {
			if (!needs_intent(q->heap[j]))
				continue;
			*batch = is_xgrow(*batch, cap, n + 1, sizeof(**batch));
			(*batch)[n++] = q->heap[j];
			added++;
		}
	}
	return n;
}

/* Records the intents of the calls waiting for them, then makes the calls;
 * when the intents cannot be recorded, nothing is called and they fail. */
static void flush_intents(struct sched *s)
{
	struct node **batch = s->intending;
	struct is_sched_intent *v;
	size_t waiting = s->nintending, cap = s->intending_cap, n, i;
	char *error = NULL;
	int rc;

	s->intending = NULL;
	s->nintending = s->intending_cap = 0;
	n = s->stopping ? waiting : intents_ahead(s, &batch, waiting, &cap);
	v = is_xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].run = s->out.run;
		v[i].id = batch[i]->id;
		v[i].kind = batch[i]->rec->kind;
		v[i].op = action_names[batch[i]->action];
		v[i].hash = field_text(batch[i]->rec, IS_SCHED_HASH, 1);
		v[i].spec = field_text(batch[i]->rec, IS_SCHED_SPEC, 0);
	}
	rc = s->cfg->intend(s->cfg->intend_ctx, v, n, &error);
	for (i = 0; i < n; i++) {
		free(v[i].hash);
		free(v[i].spec);
	}
	free(v);
	for (i = waiting; i < n && rc == 0; i++) {
		batch[i]->intended = 1;
		batch[i]->intent_for = batch[i]->action;
	}
	for (i = 0; i < waiting; i++) {
		struct node *x = batch[i];

		if (rc < 0) {
			emit(s, x, start_status(x), NULL, NULL, NULL);
			fail_now(s, x, error ? error : "cannot record the intent");
			continue;
		}
		x->intended = 1;
		x->intent_for = x->action;
		call_provider_now(s, x);
	}
	free(error);
	free(batch);
}

static void fail_now(struct sched *s, struct node *n, const char *msg)
{
	release_slot(s, n);
	release_work(n);
	settle(s, n, IS_ST_FAILED, msg);
}

/*
 * A replace deletes what was recorded: its "replaces" spec, resolved as a
 * delete's is, with the outputs recorded with it (is-graph). Without one (a
 * record from elsewhere) the delete gets the new spec.
 */
static int resolve_replaced(struct sched *s, struct node *n, struct is_error *err)
{
	json_t *old = is_sched_record_replaces(n->rec);
	struct delete_outputs dout;

	if (n->old_spec || !json_is_object(json_object_get(old, "spec")))
		return 0;
	dout.s = s;
	dout.recorded = json_object_get(old, "depOutputs");
	return is_promise_resolve_spec(json_object_get(old, "spec"), json_object_get(old, "refs"),
	                               delete_outputs_of, &dout, s->cfg->secrets,
	                               &n->old_spec, err);
}

static void start(struct sched *s, struct node *n)
{
	struct is_error err = IS_ERROR_INIT;
	struct delete_outputs dout;

	s->running++;
	n->kq->running++;
	n->phase = P_RUNNING;
	n->attempt++;
	if (n->attempt == 1) {
		n->t_start = uv_now(&s->loop);
		if (n->expected > 0) {
			uv_timer_init(&s->loop, &n->stall);
			n->stall.data = n;
			n->stall_on = 1;
			uv_timer_start(&n->stall, on_stall, (uint64_t)(n->expected * 1000), 0);
		}
	}
	if (!n->kq->looked_up) {
		n->kq->looked_up = 1;
		n->kq->prov = s->cfg->find(n->kind, &err);
		if (!n->kq->prov)
			n->kq->find_error = is_xstrdup(err.message ? err.message : "no provider");
		is_error_release(&err);
	}
	if (!(n->prov = n->kq->prov)) {
		emit(s, n, start_status(n), NULL, NULL, NULL);
		fail_now(s, n, n->kq->find_error);
		return;
	}
	dout.s = s;
	dout.recorded = n->action == A_DELETE ? is_sched_record_dep_outputs(n->rec) : NULL;
	if (!n->spec && is_promise_resolve_spec(is_sched_record_spec(n->rec),
	                                        is_sched_record_refs(n->rec),
	                                        dout.recorded ? delete_outputs_of : outputs_of,
	                                        dout.recorded ? (void *)&dout : (void *)s,
	                                        s->cfg->secrets, &n->spec, &err) < 0) {
		emit(s, n, start_status(n), NULL, NULL, NULL);
		fail_now(s, n, err.message);
		is_error_release(&err);
		return;
	}
	if (n->action == A_REPLACE && resolve_replaced(s, n, &err) < 0) {
		emit(s, n, start_status(n), NULL, NULL, NULL);
		fail_now(s, n, err.message);
		is_error_release(&err);
		return;
	}
	n->req.id = n->id;
	n->req.kind = n->kind;
	n->req.spec = n->spec;
	n->req.prior = is_sched_record_prior(n->rec);
	n->req.timeout = n->timeout;
	call_provider(s, n);
}

static void on_retry(uv_timer_t *t)
{
	struct node *n = t->data;
	struct sched *s = t->loop->data;

	s->retrying--;
	if (n->phase != P_RETRY)
		return;
	n->phase = P_QUEUED;
	heap_push(n->kq, n);
	dispatch(s);
	maybe_finish(s);
}

static double backoff(struct sched *s, struct node *n)
{
	double d = s->cfg->backoff * pow(2, n->attempt - 1);

	d *= 0.5 + 0.5 * ((double)rand() / RAND_MAX);   /* jitter */
	if (d > 60)
		d = 60;
	if (n->res.retry_after > d)
		d = n->res.retry_after;
	return d;
}

/*
 * After a read that found nothing to correct: the planned action. A noop is
 * READY with what the read saw (seen, stolen), not the recorded outputs: a
 * secret the ledger holds as "***" is real there, for its dependents.
 */
static void after_read(struct sched *s, struct node *n, json_t *seen)
{
	if (n->action == A_NOOP) {
		release_slot(s, n);
		release_work(n);
		n->outputs = seen;
		settle(s, n, IS_ST_READY, NULL);
		return;
	}
	json_decref(seen);
	if (s->cfg->dry_run) {
		release_slot(s, n);
		release_work(n);
		n->phase = P_QUEUED;
		s->instant = is_xgrow(s->instant, &s->instant_cap, s->ninstant + 1,
		                      sizeof(*s->instant));
		s->instant[s->ninstant++] = n;
		return;
	}
	call_provider(s, n);
}

/* 1 when the record carries a pending create: a run died while making it. */
static int pending_create(struct node *n)
{
	const char *op = json_string_value(json_object_get(is_sched_record_pending(n->rec),
	                                                   "op"));

	return op && !strcmp(op, "create");
}

/*
 * A create left pending: what the read found decides. Gone, or a provider
 * that cannot look (its create must be idempotent), is created; found, it is
 * adopted, READY as created with what the read saw and "adopted": true, so
 * the ledger records it; found and planned for an update, it is updated.
 */
static void finish_pending_create(struct sched *s, struct node *n, json_t *seen, int gone)
{
	json_t *extra;

	if (gone || n->action == A_UPDATE) {
		json_decref(seen);
		if (gone)
			n->action = A_CREATE;
		call_provider(s, n);
		return;
	}
	release_slot(s, n);
	release_work(n);
	n->action = A_CREATE;
	n->outputs = seen;
	extra = json_pack("{s:b}", "adopted", 1);
	s->sum->changed++;
	settle_ex(s, n, IS_ST_READY, NULL, extra);
	json_decref(extra);
}

/*
 * A read's drift, less what metadata.ignoreChanges leaves out, is a DRIFTED
 * event that says what differs; then the resource is corrected, created
 * again when it is gone and updated otherwise, or, with --refresh-only,
 * left DRIFTED. A provider that could not look (unchecked) finds nothing.
 */
static void finish_read(struct sched *s, struct node *n)
{
	json_t *meta = is_sched_record_metadata(n->rec), *drift, *extra, *seen;
	int gone, vanished;

	drift = n->res.unchecked ? NULL
	      : is_drift_ignore(n->res.drift, json_object_get(meta, "ignoreChanges"));
	seen = n->res.outputs;
	n->res.outputs = NULL;
	vanished = json_is_true(json_object_get(n->res.drift, "gone"));
	gone = n->res.unchecked || vanished;
	is_provider_result_release(&n->res);
	n->reading = 0;
	n->read_done = 1;
	if (pending_create(n) && !s->cfg->dry_run) {
		json_decref(drift);
		finish_pending_create(s, n, seen, gone);
		return;
	}
	if (!s->cfg->refresh && !is_sched_record_pending(n->rec)) {
		/* Read for its outputs only: drift is --refresh's business, and
		 * what is gone keeps its recorded ones. */
		json_decref(drift);
		drift = NULL;
		if (vanished) {
			json_decref(seen);
			seen = json_incref(is_sched_record_prior(n->rec));
		}
	}
	if (!drift) {
		after_read(s, n, seen);
		return;
	}
	json_decref(seen);
	s->sum->drifted++;
	gone = json_is_true(json_object_get(drift, "gone"));
	extra = json_pack("{s:o}", "drift", drift);
	if (s->dry)
		json_object_set_new(extra, "dry_run", json_true());
	if (s->cfg->dry_run) {
		release_slot(s, n);
		release_work(n);
		settle_ex(s, n, IS_ST_DRIFTED, NULL, extra);
		json_decref(extra);
		return;
	}
	n->action = gone ? A_CREATE : A_UPDATE;
	emit(s, n, IS_ST_DRIFTED, NULL, NULL, extra);
	json_decref(extra);
	call_provider(s, n);
}

/* A provider's secret outputs join the secrets hidden from all the run
 * writes, before anything about the result is written. */
static void hide_result_secrets(struct sched *s, const struct node *n)
{
	size_t i;
	json_t *v;

	if (!s->cfg->secrets)
		return;
	json_array_foreach(n->res.secrets, i, v)
		if (json_is_string(v))
			is_secrets_hide(s->cfg->secrets, json_string_value(v));
}

static void finish_attempt(struct sched *s, struct node *n)
{
	int rc = n->rc, allowed;
	char *msg;

	close_timer(&n->timer, &n->timer_on);
	close_timer(&n->kill, &n->kill_on);
	if (n->abandoned) {
		if (n->kill_on)
			uv_close((uv_handle_t *)&n->kill, close_cb_noop);
		n->kill_on = 0;
		is_provider_result_release(&n->res);
		release_slot(s, n);
		release_work(n);
		maybe_finish(s);
		return;
	}
	if (n->timed_out) {
		rc = -1;
		is_error_set(&n->res.err, "timeout", NULL, 0, 0, "timed out after %gs",
		             n->timeout);
	}
	hide_result_secrets(s, n);
	if (rc == 0 && n->reading) {
		finish_read(s, n);
		return;
	}
	if (rc < 0 && n->req.op == IS_OP_UPDATE && n->res.err.code &&
	    !strcmp(n->res.err.code, IS_PROVIDER_CODE_NO_UPDATE)) {
		/* The provider cannot change it in place: delete, then create. */
		struct is_error err = IS_ERROR_INIT;

		is_provider_result_release(&n->res);
		n->action = A_REPLACE;
		n->stage = 0;
		if (resolve_replaced(s, n, &err) < 0) {
			fail_now(s, n, err.message);
			is_error_release(&err);
			return;
		}
		call_provider(s, n);
		return;
	}
	if (rc == 0 && n->action == A_REPLACE && n->stage == 0) {
		is_provider_result_release(&n->res);
		n->stage = 1;
		call_provider(s, n);
		return;
	}
	if (rc == 0) {
		if (n->req.op != IS_OP_DELETE) {
			n->outputs = n->res.outputs;
			n->res.outputs = NULL;
		}
		n->created = n->req.op == IS_OP_CREATE;
		s->sum->changed++;
		is_provider_result_release(&n->res);
		release_slot(s, n);
		if (n->created && s->cfg->atomic) {
			s->created = is_xgrow(s->created, &s->created_cap, s->ncreated + 1,
			                      sizeof(*s->created));
			s->created[s->ncreated++] = n;
		} else {
			release_work(n);
		}
		settle(s, n, IS_ST_READY, NULL);
		return;
	}
	msg = is_xstrdup(n->res.err.message ? n->res.err.message : "failed");
	if (n->res.exit_status) {
		char *m = is_xasprintf("%s (exit status %d)", msg, n->res.exit_status);

		free(msg);
		msg = m;
	}
	allowed = 1 + (n->retries_set ? n->retries : n->res.retryable ? 2 : 0);
	release_slot(s, n);
	if (n->attempt < allowed && !s->stopping) {
		double d = backoff(s, n);

		free(n->last_error);
		n->last_error = msg;
		is_provider_result_release(&n->res);
		n->phase = P_RETRY;
		s->retrying++;
		if (!n->timer_on) {
			uv_timer_init(&s->loop, &n->timer);
			n->timer.data = n;
			n->timer_on = 1;
		}
		uv_timer_start(&n->timer, on_retry, (uint64_t)(d * 1000), 0);
		return;
	}
	is_provider_result_release(&n->res);
	release_work(n);
	settle(s, n, IS_ST_FAILED, msg);
	free(msg);
}

static struct kindq *best_queue(struct sched *s)
{
	struct kindq *best = NULL, *q;
	size_t i;

	for (i = 0; i < s->nqueues; i++) {
		q = s->queues[i];
		if (!q->n || (q->limit > 0 && q->running >= q->limit))
			continue;
		if (!best || better(q->heap[0], best->heap[0]))
			best = q;
	}
	return best;
}

static void dispatch_some(struct sched *s);

static void dispatch(struct sched *s)
{
	if (s->dispatching || s->ended)
		return;
	s->dispatching = 1;
	for (;;) {
		dispatch_some(s);
		if (!s->nintending)
			break;
		flush_intents(s);
	}
	s->dispatching = 0;
}

static void dispatch_some(struct sched *s)
{
	struct kindq *q;

	for (;;) {
		if (s->instant_head < s->ninstant) {
			run_instant(s, s->instant[s->instant_head++]);
			if (s->instant_head == s->ninstant)
				s->instant_head = s->ninstant = 0;
			continue;
		}
		if (s->stopping || s->running >= (size_t)s->cfg->jobs)
			break;
		if (!(q = best_queue(s)))
			break;
		start(s, heap_pop(q));
	}
}

/* ---- stopping, rolling back, ending ---- */

static void cancel_waiting(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->nall; i++) {
		struct node *n = s->all[i];

		if (!n->rec || n->phase == P_DONE || n->phase == P_RUNNING)
			continue;
		if (n->phase == P_RETRY) {
			uv_timer_stop(&n->timer);
			s->retrying--;
		}
		if (n->phase == P_QUEUED && n->heap_index < n->kq->n &&
		    n->kq->heap[n->heap_index] == n) {
			/* Leave it in the heap: dispatch skips nothing while stopping. */
		}
		settle(s, n, IS_ST_CANCELED, s->stop_reason);
	}
}

static void stop(struct sched *s, const char *reason)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	s->stop_reason = is_xstrdup(reason);
	cancel_waiting(s);
}

static void end_run(struct sched *s, const char *status)
{
	json_t *extra;

	if (s->ended)
		return;
	extra = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:I}", "resources",
	                  (int)s->sum->resources, "ready", (int)s->sum->ready, "failed",
	                  (int)s->sum->failed, "skipped", (int)s->sum->skipped, "canceled",
	                  (int)s->sum->canceled, "rolled_back", (int)s->sum->rolled_back,
	                  "changed", (int)s->sum->changed, "drifted", (int)s->sum->drifted,
	                  "elapsed_ms", (json_int_t)(uv_now(&s->loop) - s->t0));
	if (s->stop_reason)
		json_object_set_new(extra, "reason", json_string(s->stop_reason));
	if (s->cfg->dry_run)
		json_object_set_new(extra, "dry_run", json_true());
	is_event_run(&s->out, "end", status, extra);
	json_decref(extra);
	is_event_flush(&s->out);
	s->ended = 1;
}

static const char *run_status(struct sched *s)
{
	struct is_sched_summary *u = s->sum;

	if (u->failed || u->skipped || u->refused || u->input_errors)
		return "FAILED";
	if (u->canceled || u->interrupted || u->output_closed)
		return "CANCELED";
	return "SUCCEEDED";
}

static void close_all(struct sched *s);

static void rollback_next(struct sched *s);

static int provider_blocks(const struct node *n)
{
	return n->prov->blocking ||
	       (n->prov == &is_provider_noop && is_provider_noop_blocks(n->spec));
}

static void rollback_result(struct sched *s, struct node *n)
{
	json_t *extra = json_pack("{s:b}", "rollback", 1);

	if (n->rc == 0) {
		emit(s, n, IS_ST_READY, NULL, NULL, extra);
		s->sum->rolled_back++;
	} else {
		emit(s, n, IS_ST_FAILED, NULL, n->res.err.message ? n->res.err.message
		     : "failed", extra);
	}
	json_decref(extra);
	is_provider_result_release(&n->res);
	release_work(n);
}

static void rollback_done(uv_work_t *w, int status)
{
	struct sched *s = w->loop->data;

	(void)status;
	rollback_result(s, w->data);
	rollback_next(s);
}

/* Deletes what this run created, last made first: the reverse of the order
 * in which they became READY is a reverse dependency order. */
static void rollback_next(struct sched *s)
{
	struct node *n;
	json_t *extra;

	while (s->rb_next > 0 && s->signals < 2) {
		n = s->created[--s->rb_next];
		n->action = A_DELETE;
		n->attempt = 1;
		n->req.op = IS_OP_DELETE;
		n->req.attempt = 1;
		n->req.prior = n->outputs;
		n->req.pgid = 0;
		is_provider_result_init(&n->res);
		extra = json_pack("{s:b}", "rollback", 1);
		emit(s, n, IS_ST_DELETING, NULL, NULL, extra);
		json_decref(extra);
		n->work.data = n;
		if (provider_blocks(n)) {
			uv_queue_work(&s->loop, &n->work, work_cb, rollback_done);
			return;
		}
		n->rc = n->prov->call(n->prov, &n->req, &n->res);
		rollback_result(s, n);
	}
	s->rolling_back = 0;
	end_run(s, run_status(s));
	close_all(s);
}

static void settle_unreachable(struct sched *s)
{
	size_t i;

	/* Records whose dependencies never came: placeholders fail silently and
	 * skip what waits on them. */
	for (i = 0; i < s->nall; i++) {
		struct node *n = s->all[i];

		if (!n->rec && n->phase != P_DONE) {
			s->sum->input_errors++;
			report(s, "'%s' is a dependency but not in the input", n->id);
			settle(s, n, IS_ST_FAILED, NULL);
		}
	}
	for (i = 0; i < s->nall; i++) {
		struct node *n = s->all[i];

		if (n->phase == P_WAITING)
			settle(s, n, IS_ST_SKIPPED, "its dependencies form a cycle");
	}
}

static void maybe_finish(struct sched *s)
{
	if (s->finished || s->running || s->retrying || s->rolling_back)
		return;
	/* Fail-fast, atomic and a refusal still pass the rest of the input on;
	 * a signal or a closed output does not wait for it. */
	if (!s->eof && !s->sum->interrupted && !s->sum->output_closed)
		return;
	if (s->instant_head < s->ninstant)
		return;
	if (!s->stopping)
		settle_unreachable(s);
	dispatch(s);
	if (s->running || s->instant_head < s->ninstant)
		return;
	s->finished = 1;
	if (s->cfg->atomic && s->ncreated && strcmp(run_status(s), "SUCCEEDED")) {
		s->rolling_back = 1;
		s->rb_next = s->ncreated;
		rollback_next(s);
		return;
	}
	end_run(s, run_status(s));
	close_all(s);
}

static void abandon_running(struct sched *s, int sig)
{
	size_t i;

	for (i = 0; i < s->nall; i++) {
		struct node *n = s->all[i];

		if (n->phase != P_RUNNING || n->abandoned)
			continue;
		kill_group(s, n, sig);
		n->abandoned = 1;
		settle(s, n, IS_ST_CANCELED, "killed: the run was interrupted");
	}
}

static void on_hard_stop(uv_timer_t *t)
{
	uv_stop(t->loop);
}

/* Gives up on running work: kills it, writes the end record, and leaves the
 * loop once the work returns (or after HARD_STOP_MS). */
static void give_up(struct sched *s, int sig)
{
	abandon_running(s, sig);
	if (s->rolling_back) {
		s->rolling_back = 0;
		s->rb_next = 0;
	}
	s->finished = 1;
	end_run(s, run_status(s));
	close_all(s);
	if (!s->hard_on) {
		uv_timer_init(&s->loop, &s->hard);
		s->hard_on = 1;
		uv_timer_start(&s->hard, on_hard_stop, HARD_STOP_MS, 0);
		uv_unref((uv_handle_t *)&s->hard);
	}
}

static void on_grace(uv_timer_t *t)
{
	struct sched *s = t->loop->data;

	report(s, "grace period over: killing what still runs");
	give_up(s, SIGTERM);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct sched *s = h->loop->data;

	s->signals++;
	s->sum->interrupted = 1;
	if (s->signals == 1 && !s->finished) {
		report(s, "%s: starting nothing more; waiting up to %gs for %zu running "
		       "(signal again to kill them)", strsignal(signum), s->cfg->grace, s->running);
		stop(s, signum == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
		if (s->running) {
			uv_timer_init(&s->loop, &s->grace);
			s->grace_on = 1;
			uv_timer_start(&s->grace, on_grace, (uint64_t)(s->cfg->grace * 1000), 0);
		}
		maybe_finish(s);
		return;
	}
	report(s, "%s again: killing what still runs", strsignal(signum));
	give_up(s, SIGKILL);
}

static void on_prepare(uv_prepare_t *p)
{
	struct sched *s = p->loop->data;

	if (s->out.closed)
		return;
	if (is_event_flush(&s->out) < 0 && !s->sum->output_closed) {
		s->sum->output_closed = 1;
		report(s, "standard output is closed (%s): starting nothing more; what runs "
		       "finishes, and what is not recorded is listed here",
		       strerror(s->out.error));
		stop(s, "standard output closed");
		dispatch(s);
		maybe_finish(s);
	}
}

static void close_cb_noop(uv_handle_t *h)
{
	(void)h;
}

static void close_all(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->nall; i++) {
		struct node *n = s->all[i];

		if (n->timer_on)
			uv_close((uv_handle_t *)&n->timer, close_cb_noop);
		if (n->stall_on)
			uv_close((uv_handle_t *)&n->stall, close_cb_noop);
		if (n->kill_on && !n->abandoned)
			uv_close((uv_handle_t *)&n->kill, close_cb_noop);
		n->timer_on = n->stall_on = 0;
		if (!n->abandoned)
			n->kill_on = 0;
	}
	if (!uv_is_closing((uv_handle_t *)&s->flush))
		uv_close((uv_handle_t *)&s->flush, close_cb_noop);
	uv_close((uv_handle_t *)&s->sigint, close_cb_noop);
	uv_close((uv_handle_t *)&s->sigterm, close_cb_noop);
	if (s->grace_on)
		uv_close((uv_handle_t *)&s->grace, close_cb_noop);
	s->grace_on = 0;
	/* Input not read to its end: the reader thread may still wake the async. */
	if (!s->eof)
		uv_unref((uv_handle_t *)&s->input.async);
}

/* ---- the run ---- */

static void free_all(struct sched *s)
{
	size_t i;
	const char *k;
	void *v;

	for (i = 0; i < s->nall; i++) {
		struct node *n = s->all[i];

		is_sched_record_free(n->rec);
		json_decref(n->outputs);
		release_work(n);
		free(n->dependents);
		free(n);
	}
	free(s->all);
	is_strmap_release(&s->nodes);
	i = 0;
	while (is_strmap_next(&s->kinds, &i, &k, &v)) {
		struct kindq *q = v;

		free(q->heap);
		free(q->find_error);
		free(q);
	}
	is_strmap_release(&s->kinds);
	free(s->queues);
	is_strbuf_release(&s->fields);
	free(s->stack);
	free(s->instant);
	free(s->created);
	free(s->intending);
	free(s->stop_reason);
	json_decref(s->dry);
}

static void set_pool_size(int jobs)
{
	char buf[16];

	if (getenv("UV_THREADPOOL_SIZE"))
		return;
	snprintf(buf, sizeof(buf), "%d", jobs < 4 ? 4 : jobs > MAX_POOL ? MAX_POOL : jobs);
	setenv("UV_THREADPOOL_SIZE", buf, 1);
}

int is_sched_run(const struct is_sched_config *cfg, struct is_sched_summary *sum)
{
	struct sched *s = is_xcalloc(1, sizeof(*s));
	json_t *extra;
	int clean, rc;

	memset(sum, 0, sizeof(*sum));
	s->cfg = cfg;
	s->sum = sum;
	set_pool_size(cfg->jobs);
	srand((unsigned)getpid() ^ (unsigned)uv_hrtime());
	uv_loop_init(&s->loop);
	s->loop.data = s;
	s->t0 = uv_now(&s->loop);
	if (cfg->dry_run)
		s->dry = json_pack("{s:b}", "dry_run", 1);
	is_strmap_init(&s->nodes);
	is_strmap_init(&s->kinds);
	is_strbuf_init(&s->fields, 256);
	is_event_out_init(&s->out, cfg->out, cfg->run_id ? cfg->run_id : is_run_id_new(),
	                  cfg->secrets);
	uv_prepare_init(&s->loop, &s->flush);
	uv_prepare_start(&s->flush, on_prepare);
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_init(&s->loop, &s->sigterm);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	extra = json_pack("{s:i}", "jobs", cfg->jobs);
	if (cfg->dry_run)
		json_object_set_new(extra, "dry_run", json_true());
	is_event_run(&s->out, "start", "RUNNING", extra);
	json_decref(extra);
	is_event_flush(&s->out);
	is_sched_scanner_init(&s->scanner);
	if (is_ndjson_thread_start(&s->input, &s->loop, cfg->input_fd, cfg->input_name,
	                           read_line, free_record, &s->scanner, on_input, s) < 0) {
		report(s, "cannot start the input thread");
		sum->input_errors++;
		s->eof = 1;
		maybe_finish(s);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT);
	if (s->hard_on) {
		uv_close((uv_handle_t *)&s->hard, close_cb_noop);
		uv_run(&s->loop, UV_RUN_NOWAIT);
	}
	/* A clean end has closed every handle; after a hard stop, work may still
	 * be on the thread pool, so the loop and the nodes are left to exit(). */
	clean = s->eof && uv_loop_close(&s->loop) == 0;
	if (s->out.closed)
		sum->output_closed = 1;
	rc = strcmp(run_status(s), "SUCCEEDED") || sum->output_closed ? -1 : 0;
	sum->status = rc;
	is_event_out_release(&s->out);
	if (clean) {
		is_ndjson_thread_release(&s->input);
		is_sched_scanner_release(&s->scanner);
		free_all(s);
		free(s);
	}
	return rc;
}
