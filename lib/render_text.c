/*
 * The plan for a terminal, in execution order, in the marks people know from
 * other planners: + create, ~ update, -/+ replace, - delete; the changed
 * fields under each change; ? for an unchanged resource a run died while
 * changing. Other unchanged resources and gates are only counted.
 */
#include <string.h>

#include "kinds.h"
#include "render.h"
#include "banned.h"

static const char *const marks[] = { "   ", "  +", "  ~", "-/+", "  -" };

void is_render_summary(const struct is_plan *p, struct is_strbuf *sb)
{
	size_t counts[IS_ACTION_COUNT], groups;

	is_plan_count(p, counts, &groups);
	is_strbuf_addf(sb, "%zu to create, %zu to update, %zu to replace, "
	               "%zu to delete, %zu unchanged", counts[IS_ACTION_CREATE],
	               counts[IS_ACTION_UPDATE], counts[IS_ACTION_REPLACE],
	               counts[IS_ACTION_DELETE], counts[IS_ACTION_NOOP]);
}

static void changes(const struct is_plan_node *n, FILE *fp)
{
	char kind[128];
	size_t i;
	json_t *c;

	is_plan_kind(n->id, kind, sizeof(kind));
	json_array_foreach(n->changes, i, c) {
		const char *path = json_string_value(c);

		fprintf(fp, "        %s%s\n", *path ? path : "(whole spec)",
		        is_kind_forces_replace(kind, path) ? " (forces replacement)" : "");
	}
}

/* A change a run died in: is-exec looks before it acts (is-exec(1)). */
static void pending(const struct is_plan_node *n, FILE *fp)
{
	const char *op = json_string_value(json_object_get(n->pending, "op"));
	const char *run = json_string_value(json_object_get(n->pending, "run"));

	if (op)
		fprintf(fp, "        (pending %s of run %s: read first)\n", op, run ? run : "?");
}

int is_render_text(const struct is_plan *p, FILE *fp)
{
	struct is_strbuf sb = IS_STRBUF_INIT;
	uint32_t i;
	size_t shown = 0;

	is_render_summary(p, &sb);
	fprintf(fp, "Plan: %s.\n", sb.buf);
	is_strbuf_release(&sb);
	for (i = 0; i < p->nseq; i++) {
		const struct is_plan_node *n = &p->nodes[p->seq[i]];

		if (n->is_group || (n->action == IS_ACTION_NOOP && !n->pending))
			continue;
		if (!shown++)
			fputc('\n', fp);
		fprintf(fp, "%s %s", n->action == IS_ACTION_NOOP ? "  ?" : marks[n->action], n->id);
		if (n->file)
			fprintf(fp, "  (%s:%ld)", n->file, n->line);
		fputc('\n', fp);
		changes(n, fp);
		pending(n, fp);
	}
	if (!shown)
		fputs("\nNo changes.\n", fp);
	return ferror(fp) ? -1 : 0;
}
