/*
 * Writing a plan as NDJSON. A record read from the input is written back as
 * its own text with the new fields appended before the closing brace, so the
 * fields it had keep their bytes and order and nothing is dumped twice.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "plan.h"
#include "strbuf.h"
#include "banned.h"

static const char *const ours[] = { "level", "order", "critical", "action",
                                    "prior", "changes", "members", "after", "deps",
                                    "pending", "replaces", NULL };

static void add_number(struct is_strbuf *sb, double d)
{
	if (d == floor(d) && fabs(d) < 9e15) {
		is_strbuf_addf(sb, "%lld", (long long)d);
	} else {
		json_t *r = json_real(d);

		is_json_dump(sb, r, 0);
		json_decref(r);
	}
}

static void add_ids(struct is_strbuf *sb, const struct is_plan *p,
                    const uint32_t *v, size_t n)
{
	size_t i;

	is_strbuf_addch(sb, '[');
	for (i = 0; i < n; i++) {
		if (i)
			is_strbuf_addch(sb, ',');
		is_json_dump_string(sb, p->nodes[v[i]].id, strlen(p->nodes[v[i]].id));
	}
	is_strbuf_addch(sb, ']');
}

static int by_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A delete waits for the deletes in its dependency row: list them by id. */
static void add_delete_deps(struct is_strbuf *sb, const struct is_plan *p, uint32_t v)
{
	const struct is_graph *g = &p->graph;
	size_t n = g->dep_start[v + 1] - g->dep_start[v], i;
	const char **ids = malloc((n ? n : 1) * sizeof(*ids));

	for (i = 0; i < n; i++)
		ids[i] = p->nodes[g->dep[g->dep_start[v] + i]].id;
	qsort(ids, n, sizeof(*ids), by_id);
	is_strbuf_adds(sb, ",\"deps\":[");
	for (i = 0; i < n; i++) {
		if (i)
			is_strbuf_addch(sb, ',');
		is_json_dump_string(sb, ids[i], strlen(ids[i]));
	}
	is_strbuf_addch(sb, ']');
	free(ids);
}

static void add_fields(struct is_strbuf *sb, const struct is_plan *p, uint32_t v,
                       uint32_t order)
{
	const struct is_plan_node *n = &p->nodes[v];

	if (n->is_delete)
		add_delete_deps(sb, p, v);
	is_strbuf_addf(sb, ",\"level\":%u,\"order\":%u,\"critical\":", p->level[v], order);
	add_number(sb, p->critical[v]);
	is_strbuf_addf(sb, ",\"action\":\"%s\"", is_action_name(n->action));
	if (n->prior) {
		is_strbuf_adds(sb, ",\"prior\":");
		is_json_dump(sb, n->prior, 0);
	}
	if (n->changes) {
		is_strbuf_adds(sb, ",\"changes\":");
		is_json_dump(sb, n->changes, 0);
	}
	if (n->pending) {
		is_strbuf_adds(sb, ",\"pending\":");
		is_json_dump(sb, n->pending, 0);
	}
	if (n->replaces) {
		is_strbuf_adds(sb, ",\"replaces\":");
		is_json_dump(sb, n->replaces, 0);
	}
	if (n->is_group) {
		is_strbuf_adds(sb, ",\"members\":");
		add_ids(sb, p, p->members + p->mstart[v], p->mstart[v + 1] - p->mstart[v]);
	}
	/* What its groups wait for: is-exec sees no entries, so it is told. */
	if (n->parent != IS_GRAPH_NONE && p->alen[n->parent]) {
		is_strbuf_adds(sb, ",\"after\":");
		add_ids(sb, p, p->after + p->astart[n->parent], p->alen[n->parent]);
	}
	is_strbuf_adds(sb, "}\n");
}

/* The record's text without its closing brace, into sb. */
static void add_body(struct is_strbuf *sb, const struct is_plan_node *n)
{
	json_t *rec = n->record;
	const char *const *k;

	if (n->text && !n->reparse) {
		is_strbuf_add(sb, n->text, n->text_len - 1);
		return;
	}
	if (!rec)
		rec = json_loadb(n->text, n->text_len, 0, NULL);
	else
		json_incref(rec);
	for (k = ours; *k; k++)
		if (strcmp(*k, "deps") || n->is_delete)
			json_object_del(rec, *k);
	is_json_dump(sb, rec, 0);
	json_decref(rec);
	/* Every record here has a type and an id, so a comma may follow. */
	sb->len--;
	sb->buf[sb->len] = '\0';
}

static int write_plan_record(const struct is_plan *p, FILE *fp)
{
	size_t counts[IS_ACTION_COUNT], groups, total = 0;
	uint32_t i, levels = 0;
	int a;

	is_plan_count(p, counts, &groups);
	for (i = 0; i < p->nseq; i++)
		if (!p->nodes[p->seq[i]].is_delete && p->level[p->seq[i]] + 1 > levels)
			levels = p->level[p->seq[i]] + 1;
	fputs("{\"type\":\"plan\",\"v\":1", fp);
	for (a = 0; a < IS_ACTION_COUNT; a++) {
		fprintf(fp, ",\"%s\":%zu", is_action_name(is_action_display[a]),
		        counts[is_action_display[a]]);
		total += counts[a];
	}
	fprintf(fp, ",\"resources\":%zu,\"groups\":%zu,\"levels\":%u}\n", total,
	        groups, levels);
	return ferror(fp) ? -1 : 0;
}

int is_plan_write_ndjson(const struct is_plan *p, FILE *fp)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	uint32_t i;
	int rc = 0;

	is_strbuf_init(&sb, 4096);
	for (i = 0; i < p->nseq && rc == 0; i++) {
		const struct is_plan_node *n = &p->nodes[p->seq[i]];

		is_strbuf_reset(&sb);
		/* A record kept as read goes straight from its text: one copy. */
		if (n->text && !n->reparse) {
			if (fwrite(n->text, 1, n->text_len - 1, fp) != n->text_len - 1)
				rc = -1;
		} else {
			add_body(&sb, n);
		}
		add_fields(&sb, p, p->seq[i], i);
		if (fwrite(sb.buf, 1, sb.len, fp) != sb.len)
			rc = -1;
	}
	is_strbuf_release(&sb);
	return rc < 0 ? -1 : write_plan_record(p, fp);
}

int is_plan_write_layers(const struct is_plan *p, FILE *fp)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	uint32_t i = 0, j;
	int rc = 0;

	while (i < p->nseq && rc == 0) {
		const struct is_plan_node *n = &p->nodes[p->seq[i]];
		uint32_t level = p->level[p->seq[i]];

		for (j = i; j < p->nseq && p->level[p->seq[j]] == level &&
		     p->nodes[p->seq[j]].is_delete == n->is_delete; j++)
			;
		is_strbuf_reset(&sb);
		is_strbuf_addf(&sb, "{\"type\":\"layer\",\"v\":1,\"phase\":\"%s\","
		               "\"level\":%u,\"ids\":", n->is_delete ? "delete" : "apply",
		               level);
		add_ids(&sb, p, p->seq + i, j - i);
		is_strbuf_adds(&sb, "}\n");
		if (fwrite(sb.buf, 1, sb.len, fp) != sb.len)
			rc = -1;
		i = j;
	}
	is_strbuf_release(&sb);
	return rc;
}
