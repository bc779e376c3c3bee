/*
 * The plan as a pull-request comment: a summary table, then one collapsible
 * section per action. GitHub refuses comments over 65,536 characters, so
 * once the text nears IS_RENDER_MARKDOWN_LIMIT the lists stop and say how
 * many they left out.
 */
#include <string.h>

#include "kinds.h"
#include "render.h"
#include "banned.h"

/* Room kept for closing the sections after the lists stop. */
enum { RESERVE = 2000 };

static void item(const struct is_plan_node *n, struct is_strbuf *sb)
{
	char kind[128];
	size_t i;
	json_t *c;

	is_strbuf_addf(sb, "- `%s`", n->id);
	if (n->file)
		is_strbuf_addf(sb, " (%s:%ld)", n->file, n->line);
	is_plan_kind(n->id, kind, sizeof(kind));
	json_array_foreach(n->changes, i, c) {
		const char *path = json_string_value(c);

		is_strbuf_addf(sb, "%s `%s`%s", i ? "," : ":", *path ? path : "/",
		               is_kind_forces_replace(kind, path) ? " (forces replacement)"
		                                                  : "");
	}
	is_strbuf_addch(sb, '\n');
}

static void section(const struct is_plan *p, int action, size_t count,
                    struct is_strbuf *sb)
{
	size_t listed = 0, before;
	uint32_t i;

	if (!count)
		return;
	is_strbuf_addf(sb, "\n<details><summary>%s (%zu)</summary>\n\n",
	               is_action_name(action), count);
	for (i = 0; i < p->nseq; i++) {
		const struct is_plan_node *n = &p->nodes[p->seq[i]];

		if (n->is_group || n->action != action)
			continue;
		before = sb->len;
		item(n, sb);
		if (sb->len > IS_RENDER_MARKDOWN_LIMIT - RESERVE) {
			sb->len = before;
			sb->buf[before] = '\0';
			break;
		}
		listed++;
	}
	if (listed < count)
		is_strbuf_addf(sb, "- ... and %zu more (run `is-graph -f text` for all)\n",
		               count - listed);
	is_strbuf_adds(sb, "\n</details>\n");
}

int is_render_markdown(const struct is_plan *p, FILE *fp)
{
	static const int shown[] = { IS_ACTION_CREATE, IS_ACTION_UPDATE,
	                             IS_ACTION_REPLACE, IS_ACTION_DELETE };
	struct is_strbuf sb = IS_STRBUF_INIT;
	size_t counts[IS_ACTION_COUNT], groups, i;

	is_plan_count(p, counts, &groups);
	is_strbuf_adds(&sb, "### Plan: ");
	is_render_summary(p, &sb);
	is_strbuf_adds(&sb, "\n\n| action | resources |\n|:--|--:|\n");
	for (i = 0; i < IS_ACTION_COUNT; i++)
		is_strbuf_addf(&sb, "| %s | %zu |\n", is_action_name(is_action_display[i]),
		               counts[is_action_display[i]]);
	if (groups)
		is_strbuf_addf(&sb, "\n%zu MetaGroup gate%s (they create nothing).\n",
		               groups, groups == 1 ? "" : "s");
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		section(p, shown[i], counts[shown[i]], &sb);
	fwrite(sb.buf, 1, sb.len, fp);
	is_strbuf_release(&sb);
	return ferror(fp) ? -1 : 0;
}
