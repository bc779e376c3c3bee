#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "stream_serve_int.h"
#include "banned.h"

/*
 * /metrics of is-stream --serve, in the Prometheus text format (0.0.4):
 * what the published records say (resources by their latest status, events,
 * runs, durations) and how the server fares (clients, drops, history).
 * Counted as records are published, under the server's mutex.
 */

static const double bounds[IS_SS_NBUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300
};

static const char *const run_statuses[4] = { "SUCCEEDED", "FAILED", "CANCELED", "other" };

void is_ss_metrics_init(struct is_ss_metrics *m)
{
	memset(m, 0, sizeof(*m));
	is_strmap_init(&m->status);
}

void is_ss_metrics_release(struct is_ss_metrics *m)
{
	is_strmap_release(&m->status);
	memset(m, 0, sizeof(*m));
}

static void observe(struct is_ss_hist *h, double seconds)
{
	size_t i;

	h->count++;
	h->sum += seconds;
	for (i = 0; i < IS_SS_NBUCKETS; i++)
		if (seconds <= bounds[i])
			h->bucket[i]++;
}

static int status_of(const char *name)
{
	int i;

	for (i = 0; i < IS_ST_COUNT; i++)
		if (!strcmp(name, is_status_name((enum is_status)i)))
			return i;
	return IS_ST_COUNT;
}

static int is_group(const json_t *rec, const char *id)
{
	const char *kind = json_string_value(json_object_get(rec, "kind"));

	return (kind && !strcmp(kind, "MetaGroup")) || !strncmp(id, "MetaGroup/", 10);
}

/* A resource's latest status: moves it from one count to another. */
static void set_status(struct is_ss_metrics *m, const char *id, int st, int only_new)
{
	void *old = is_strmap_get(&m->status, id);

	if (old) {
		if (only_new)
			return;
		m->by_status[(intptr_t)old - 1]--;
	}
	is_strmap_put(&m->status, id, (void *)(intptr_t)(st + 1));
	m->by_status[st]++;
}

void is_ss_metrics_count(struct is_ss_metrics *m, const json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));
	const char *id = json_string_value(json_object_get(rec, "id"));
	const char *status = json_string_value(json_object_get(rec, "status"));
	const json_t *ms = json_object_get(rec, "elapsed_ms");
	int st;

	m->records++;
	if (!type)
		return;
	if (!strcmp(type, "event")) {
		m->events++;
		if (!id || !status || is_group(rec, id))
			return;
		st = status_of(status);
		set_status(m, id, st, 0);
		if ((st == IS_ST_READY || st == IS_ST_FAILED) && json_is_integer(ms))
			observe(&m->resource_seconds, (double)json_integer_value(ms) / 1000.0);
	} else if (!strcmp(type, "resource")) {
		/* Planned, not started: PENDING until an event says otherwise. */
		if (id && !is_group(rec, id))
			set_status(m, id, IS_ST_PENDING, 1);
	} else if (!strcmp(type, "run")) {
		const char *phase = json_string_value(json_object_get(rec, "phase"));
		size_t i;

		if (phase && !strcmp(phase, "start"))
			m->runs_started++;
		if (!phase || strcmp(phase, "end"))
			return;
		m->runs_ended++;
		for (i = 0; i < 3; i++)
			if (status && !strcmp(status, run_statuses[i]))
				break;
		m->by_run_status[i]++;
		if (json_is_integer(ms))
			observe(&m->run_seconds, (double)json_integer_value(ms) / 1000.0);
	}
}

static void head(struct is_strbuf *sb, const char *name, const char *type, const char *help)
{
	is_strbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void hist(struct is_strbuf *sb, const char *name, const char *help,
                 const struct is_ss_hist *h)
{
	size_t i;

	head(sb, name, "histogram", help);
	for (i = 0; i < IS_SS_NBUCKETS; i++)
		is_strbuf_addf(sb, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name, bounds[i],
		               h->bucket[i]);
	is_strbuf_addf(sb, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->count);
	is_strbuf_addf(sb, "%s_sum %.3f\n%s_count %" PRIu64 "\n", name, h->sum, name, h->count);
}

void is_ss_metrics_write(const struct is_ss_metrics *m, struct is_strbuf *sb,
                         size_t clients, uint64_t clients_total, uint64_t dropped,
                         const struct is_ss_log *log)
{
	int i;

	head(sb, "infrastream_resources", "gauge",
	     "Resources seen (MetaGroups left out).");
	is_strbuf_addf(sb, "infrastream_resources %zu\n", m->status.size);
	head(sb, "infrastream_resources_by_status", "gauge",
	     "Resources by their latest status.");
	for (i = 0; i <= IS_ST_COUNT; i++)
		is_strbuf_addf(sb, "infrastream_resources_by_status{status=\"%s\"} %ld\n",
		               i < IS_ST_COUNT ? is_status_name((enum is_status)i) : "other",
		               m->by_status[i]);
	head(sb, "infrastream_records_total", "counter", "Records published.");
	is_strbuf_addf(sb, "infrastream_records_total %" PRIu64 "\n", m->records);
	head(sb, "infrastream_events_total", "counter", "Event records published.");
	is_strbuf_addf(sb, "infrastream_events_total %" PRIu64 "\n", m->events);
	head(sb, "infrastream_runs_started_total", "counter", "Runs that started.");
	is_strbuf_addf(sb, "infrastream_runs_started_total %" PRIu64 "\n", m->runs_started);
	head(sb, "infrastream_runs_ended_total", "counter", "Runs that ended, by status.");
	for (i = 0; i < 4; i++)
		is_strbuf_addf(sb, "infrastream_runs_ended_total{status=\"%s\"} %" PRIu64 "\n",
		               run_statuses[i], m->by_run_status[i]);
	hist(sb, "infrastream_resource_duration_seconds",
	     "Time from start to READY or FAILED, per resource.", &m->resource_seconds);
	hist(sb, "infrastream_run_duration_seconds", "Time from start to end, per run.",
	     &m->run_seconds);
	head(sb, "infrastream_stream_clients", "gauge", "Clients of /events connected now.");
	is_strbuf_addf(sb, "infrastream_stream_clients %zu\n", clients);
	head(sb, "infrastream_stream_clients_total", "counter", "Clients of /events so far.");
	is_strbuf_addf(sb, "infrastream_stream_clients_total %" PRIu64 "\n", clients_total);
	head(sb, "infrastream_stream_clients_dropped_total", "counter",
	     "Clients of /events dropped for falling too far behind.");
	is_strbuf_addf(sb, "infrastream_stream_clients_dropped_total %" PRIu64 "\n", dropped);
	head(sb, "infrastream_stream_history_records", "gauge",
	     "Records held for replay to late joiners.");
	is_strbuf_addf(sb, "infrastream_stream_history_records %" PRIu64 "\n",
	               log->next - log->first);
	head(sb, "infrastream_stream_history_bytes", "gauge",
	     "Bytes of the records held for replay.");
	is_strbuf_addf(sb, "infrastream_stream_history_bytes %zu\n", log->bytes);
}
