/*
 * The state records of "is-ledger state" with what was left pending merged
 * in (ledger_intent.h): a resource whose latest intent has no state after
 * it gets "pending": {"op", "run", "at"}; one that has no state at all (a
 * create cut short before anything was recorded, or after a delete) still
 * comes out, as the state its intent describes, outputs {}, so that the
 * next plan knows of it and is-exec looks before it creates it again.
 */
#include <string.h>

#include "json.h"
#include "ledger_intent.h"
#include "ledger_query.h"
#include "banned.h"

static void add_text(struct is_strbuf *sb, const char *key, const char *v)
{
	is_strbuf_add(sb, ",\"", 2);
	is_strbuf_adds(sb, key);
	is_strbuf_add(sb, "\":", 2);
	if (v)
		is_json_dump_string(sb, v, strlen(v));
	else
		is_strbuf_adds(sb, "null");
}

/* ,"pending":{"op","run","at"} and the closing brace of the record. */
static void add_pending(struct is_strbuf *sb, const struct is_ledger_pending *p)
{
	is_strbuf_adds(sb, ",\"pending\":{\"op\":");
	is_json_dump_string(sb, p->op, strlen(p->op));
	add_text(sb, "run", p->run);
	add_text(sb, "at", p->at);
	is_strbuf_adds(sb, "}}");
}

/* The state an intent describes, for a resource with no state. */
static void phantom(struct is_strbuf *sb, const struct is_ledger_pending *p)
{
	is_strbuf_adds(sb, "{\"type\":\"state\",\"v\":1");
	add_text(sb, "id", p->resource);
	add_text(sb, "kind", p->kind);
	add_text(sb, "hash", p->hash);
	is_strbuf_adds(sb, ",\"spec\":");
	is_strbuf_adds(sb, p->spec && *p->spec ? p->spec : "null");
	is_strbuf_adds(sb, ",\"outputs\":{},\"deps\":[],\"labels\":{}");
	add_text(sb, "run", p->run);
	add_text(sb, "at", p->at);
	add_pending(sb, p);
}

int is_ledger_state_write(struct is_ledger_out *out, const struct is_ledger_snapshot *snap,
                          const struct is_ledger_pending *p, size_t np)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	size_t i = 0, j = 0;
	int rc = 0, c;

	is_strbuf_init(&sb, 1024);
	while (rc == 0 && (i < snap->n || j < np)) {
		c = i == snap->n ? 1 : j == np ? -1 : strcmp(snap->v[i].id, p[j].resource);
		is_strbuf_reset(&sb);
		if (c < 0) {
			is_ledger_version_record(&snap->v[i++], &sb);
		} else if (c > 0) {
			phantom(&sb, &p[j++]);
		} else {
			is_ledger_version_record(&snap->v[i++], &sb);
			sb.len--;   /* its closing brace */
			add_pending(&sb, &p[j++]);
		}
		rc = is_ledger_out_text(out, sb.buf, sb.len);
	}
	is_strbuf_release(&sb);
	return rc;
}

/* Keeps the pending intents of the ids asked for (all when nids is 0). */
size_t is_ledger_pending_keep(struct is_ledger_pending *p, size_t n,
                              const char *const *ids, size_t nids)
{
	size_t i, k, kept = 0;

	if (!nids)
		return n;
	for (i = 0; i < n; i++) {
		for (k = 0; k < nids && strcmp(ids[k], p[i].resource); k++)
			;
		if (k < nids) {
			struct is_ledger_pending t = p[kept];

			p[kept++] = p[i];
			p[i] = t;
		}
	}
	return kept;
}
